//! Directives (M12): the issuing form read whole (every problem named by field or item line),
//! reminders before an item is due and when it is late (e-mail to the recipient's
//! administrators, each once), and the compliance matrix — recipients × items — as a table and
//! as XLSX.

use crate::mail::{Mail, Mailer};
use canhgac_domain::directive::{parse_items, Standing};
use canhgac_domain::entity::FieldError;
use canhgac_domain::oncall::Target;
use canhgac_domain::time::{fmt_date, fmt_datetime};
use canhgac_domain::work::WorkKind;
use canhgac_domain::{Role, Scope};
use canhgac_store::{
    Actor, DirectiveItemRow, DirectiveRow, DirectiveTaskRow, NewDirective, Store, StoreError,
};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Remind this long before an item is due.
pub const REMIND_BEFORE_MS: i64 = 2 * 86_400_000;

/// The issuing form as typed.
#[derive(Debug, Clone, Default)]
pub struct DirectiveForm {
    /// Number.
    pub number: String,
    /// Signed on, dd/mm/yyyy.
    pub issued_on: String,
    /// Who signed.
    pub issuer: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Items, one per line: `code | audience | dd/mm/yyyy | text`.
    pub items: String,
    /// The original file.
    pub file: Option<(String, Vec<u8>)>,
}

/// Issues a directive from the form: all or nothing.
pub async fn issue(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    issuer_org: i64,
    f: &DirectiveForm,
) -> Result<i64, StoreError> {
    let mut problems = Vec::new();
    let issued_on = NaiveDate::parse_from_str(f.issued_on.trim(), "%d/%m/%Y").ok();
    if issued_on.is_none() {
        problems.push(FieldError {
            field: "issued_on".into(),
            message: "the date is dd/mm/yyyy".into(),
            message_vi: "ngày ban hành là dd/mm/yyyy".into(),
        });
    }
    let items = match parse_items(&f.items) {
        Ok(items) => items,
        Err(errs) => {
            for e in errs {
                let field = if e.line == 0 {
                    "items".to_string()
                } else {
                    format!("items, line {}", e.line)
                };
                problems.push(FieldError {
                    field,
                    message: e.en,
                    message_vi: e.vi,
                });
            }
            Vec::new()
        }
    };
    let (Some(issued_on), true) = (issued_on, problems.is_empty()) else {
        return Err(StoreError::Invalid(problems));
    };
    let d = NewDirective {
        number: f.number.clone(),
        issued_on,
        issuer: f.issuer.clone(),
        title: f.title.clone(),
        summary: f.summary.clone(),
        file: f.file.clone(),
        items,
    };
    store.create_directive(scope, actor, issuer_org, &d).await
}

/// Sends the reminders due at `now`: tasks due within two days (`due_soon`) and tasks past due
/// (`overdue`, the work item also escalated), each once, by e-mail to the recipient's
/// administrators when a mail server is configured. Returns how many tasks were reminded.
pub async fn remind(store: &Store, mailer: Option<&Mailer>, now: i64) -> Result<usize, StoreError> {
    let mut n = 0;
    for kind in ["due_soon", "overdue"] {
        let due = store
            .directive_reminders_due(kind, now, REMIND_BEFORE_MS)
            .await?;
        // One message per organisation and kind, listing its items.
        let mut by_org: BTreeMap<i64, Vec<&canhgac_store::ReminderDue>> = BTreeMap::new();
        for r in &due {
            by_org.entry(r.org_id).or_default().push(r);
        }
        for (org, list) in by_org {
            if let Some(m) = mailer {
                let people = store.page_recipients(org, Target::OrgAdmins, now).await?;
                if !people.is_empty() {
                    let (subj_vi, head_vi) = if kind == "overdue" {
                        (
                            "Quá hạn thực hiện văn bản chỉ đạo",
                            "Các nội dung sau đã quá hạn, chưa có báo cáo hoàn thành:",
                        )
                    } else {
                        (
                            "Sắp đến hạn thực hiện văn bản chỉ đạo",
                            "Các nội dung sau sắp đến hạn (trong 2 ngày):",
                        )
                    };
                    let lines: Vec<String> = list
                        .iter()
                        .map(|r| {
                            format!(
                                "- {} mục {} — hạn {} — {}",
                                r.number,
                                r.code,
                                fmt_datetime(r.due_at),
                                r.title
                            )
                        })
                        .collect();
                    let mail = Mail {
                        to: people.iter().map(|p| p.email.clone()).collect(),
                        subject: format!("[canhgac] {subj_vi} — {}", list[0].org_code),
                        body: format!("{head_vi}\n\n{}\n\nBáo cáo kết quả tại mục Văn bản chỉ đạo của canhgac.\n", lines.join("\n")),
                        attachment: None,
                    };
                    if let Err(e) = m.send(&mail).await {
                        tracing::warn!(error = %e, org, "directive reminder not sent");
                    }
                }
            }
            for r in list {
                if store.mark_reminded(r.work_item_id, kind, now).await? {
                    n += 1;
                }
            }
        }
    }
    store.escalate_overdue(WorkKind::DirectiveItem).await?;
    Ok(n)
}

/// The compliance matrix: recipients (rows) × items (columns).
#[derive(Debug, Clone)]
pub struct Matrix {
    /// Recipients: id, code, name.
    pub orgs: Vec<(i64, String, String)>,
    /// Cells: (org, item) → (standing, task).
    pub cells: BTreeMap<(i64, i64), (Standing, i64)>,
}

impl Matrix {
    /// From a directive's tasks at `now`.
    pub fn of(tasks: &[DirectiveTaskRow], now: i64) -> Matrix {
        let mut orgs: Vec<(i64, String, String)> = Vec::new();
        let mut cells = BTreeMap::new();
        for t in tasks {
            if !orgs.iter().any(|o| o.0 == t.org_id) {
                orgs.push((t.org_id, t.org_code.clone(), t.org_name.clone()));
            }
            cells.insert(
                (t.org_id, t.item_id),
                (Standing::of(&t.state, t.due_at, now), t.work_item_id),
            );
        }
        orgs.sort_by(|a, b| a.1.cmp(&b.1));
        Matrix { orgs, cells }
    }

    /// How many cells of an item (or of everything) stand so.
    pub fn count(&self, item: Option<i64>, s: Standing) -> usize {
        self.cells
            .iter()
            .filter(|((_, i), (st, _))| item.is_none_or(|x| x == *i) && *st == s)
            .count()
    }
}

/// The matrix as a workbook: one row per recipient, one column per item (its standing), then
/// the share done; a header block names the directive.
pub fn matrix_xlsx(
    d: &DirectiveRow,
    items: &[DirectiveItemRow],
    tasks: &[DirectiveTaskRow],
    now: i64,
) -> Result<Vec<u8>, String> {
    let m = Matrix::of(tasks, now);
    let mut headers: Vec<String> = vec!["Mã đơn vị".into(), "Đơn vị".into()];
    headers.extend(
        items
            .iter()
            .map(|i| format!("Mục {} (hạn {})", i.code, fmt_date(i.due_at - 1))),
    );
    headers.push("Đã hoàn thành".into());
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (org, code, name) in &m.orgs {
        let mut row = vec![code.clone(), name.clone()];
        let (mut done, mut total) = (0, 0);
        for it in items {
            match m.cells.get(&(*org, it.id)) {
                Some((s, _)) => {
                    total += 1;
                    if matches!(s, Standing::Done | Standing::NotApplicable) {
                        done += 1;
                    }
                    row.push(s.label_vi().to_string());
                }
                None => row.push("—".into()),
            }
        }
        row.push(format!("{done}/{total}"));
        rows.push(row);
    }
    rows.push(Vec::new());
    rows.push(vec![
        format!("Văn bản số {} ngày {}", d.number, d.issued_on),
        d.title.clone(),
    ]);
    rows.push(vec!["Xuất lúc".into(), fmt_datetime(now)]);
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    canhgac_sheets::write_xlsx("Tình hình thực hiện", &h, &rows).map_err(|e| e.to_string())
}

/// Whether a role may issue directives (the DIC's writers).
pub fn may_issue(role: Role) -> bool {
    role.is_dic() && role.can_write()
}
