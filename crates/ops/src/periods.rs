//! Heightened periods (M2): declaring one (every problem named), tightening open tasks while one
//! is under way (`apply`, every five minutes from the server), the on-call waits' share, and an
//! organisation's daily report prefilled from the day's data (its shifts, the alerts and
//! incidents counted as a handover counts them) for the officer to correct and send.

use canhgac_domain::duty::midnight;
use canhgac_domain::entity::FieldError;
use canhgac_domain::period::validate;
use canhgac_domain::Scope;
use canhgac_store::{Actor, PeriodRow, Store, StoreError};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The declaring form as typed.
#[derive(Debug, Clone, Default)]
pub struct PeriodForm {
    /// Name.
    pub name: String,
    /// First day, dd/mm/yyyy.
    pub first: String,
    /// Last day, dd/mm/yyyy.
    pub last: String,
    /// Share of the usual time limits, per cent.
    pub factor_pct: String,
    /// The daily report's form (`key | label` lines; empty: the default).
    pub form: String,
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%d/%m/%Y").ok()
}

/// Declares a period from the form: all or nothing.
pub async fn declare(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    f: &PeriodForm,
) -> Result<i64, StoreError> {
    let spec = validate(
        &f.name,
        date(&f.first),
        date(&f.last),
        f.factor_pct.trim().parse().ok(),
        &f.form,
    )
    .map_err(|errs| {
        StoreError::Invalid(
            errs.into_iter()
                .map(|(field, message, message_vi)| FieldError {
                    field,
                    message,
                    message_vi,
                })
                .collect(),
        )
    })?;
    store.create_period(scope, actor, &spec).await
}

/// While a period is under way, tightens the open tasks not yet tightened. Returns how many.
pub async fn apply(store: &Store, now: i64) -> Result<u64, StoreError> {
    match store.active_period(now).await? {
        Some(p) => store.tighten_for_period(&p, now).await,
        None => Ok(0),
    }
}

/// The form's fields: `(key, label)`.
pub fn fields(p: &PeriodRow) -> Vec<(String, String)> {
    p.form
        .lines()
        .filter_map(|l| l.split_once('|'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// An organisation's report for a day, prefilled from the data as far as the data goes: the
/// shifts of the day and who stood them, the alerts and incidents of the day and what is open.
/// Keys the form does not have are left out; what the data cannot know stays empty.
pub async fn prefill(
    store: &Store,
    p: &PeriodRow,
    org_id: i64,
    day: NaiveDate,
    now: i64,
) -> Result<BTreeMap<String, String>, StoreError> {
    let scope = Scope::Orgs([org_id].into());
    let from = midnight(day);
    let to = midnight(day + chrono::Duration::days(1)).min(now).max(from);
    let d = store.shift_digest(org_id, false, from, to).await?;
    let shifts = store.day_shifts(&scope, &day.to_string()).await?;
    let mut names: Vec<String> = shifts.iter().filter_map(|s| s.full_name.clone()).collect();
    names.dedup();
    let gaps = shifts.iter().filter(|s| s.user_id.is_none()).count();
    let mut out = BTreeMap::new();
    for (k, _) in fields(p) {
        let v = match k.as_str() {
            "duty_staffed" if shifts.is_empty() => "Chưa có lịch trực trên hệ thống cho ngày này.".to_string(),
            "duty_staffed" => {
                let mut s = format!("{} ca, {} người: {}", shifts.len(), names.len(), names.join(", "));
                if gaps > 0 {
                    s.push_str(&format!("; {gaps} ca chưa có người"));
                }
                s
            }
            "incidents" => format!("{} sự cố mới; {} sự cố đang xử lý.", d.incidents_new, d.open_incidents),
            "alerts_handled" => format!(
                "{} cảnh báo mới ({} mức cao, nghiêm trọng), {} cảnh báo từ nền tảng quốc gia; còn {} cảnh báo cao, nghiêm trọng chưa xử lý xong.",
                d.signals_new, d.signals_new_high, d.platform_new, d.open_signals_high
            ),
            _ => String::new(),
        };
        out.insert(k, v);
    }
    Ok(out)
}
