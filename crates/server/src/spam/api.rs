//! The spam API: reports in (one JSON report, or NDJSON, one per line) and out, the work
//! queue, senders, campaigns, cases and their measures, figures, harmful items and the
//! blocklists.

use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use canhgac_domain::time::now_ms;
use canhgac_ops::spam::{self as sp, Analyser, OperatorFigures, ReportIn};
use canhgac_store::{
    HarmfulRow, HarmfulStepRow, NewSpamReport, SpamActionRow, SpamCampaignRow, SpamCaseRow, SpamImportMeta, SpamImportOutcome, SpamReportQuery,
    SpamReportRow, SpamSenderRow,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Most reports one NDJSON request may carry.
pub(crate) const MAX_LINES: usize = 100_000;

/// The operator a request names by code (default: the caller's own), which must be a telecom
/// operator in the caller's scope.
pub(crate) async fn operator_of(st: &AppState, c: &Caller, code: Option<&str>) -> ApiResult<i64> {
    let ops = st.store.telecom_orgs(&c.scope).await?;
    match code.map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => match ops.iter().find(|o| o.1 == code) {
            Some(o) => Ok(o.0),
            // An organisation in scope that is not an operator is named; anything else is not found.
            None => match st.store.org_codes().await?.get(code) {
                Some(o) if c.scope.contains(*o) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("'{code}' không phải doanh nghiệp viễn thông."), format!("'{code}' is not a telecom operator."))),
                _ => Err(ApiError::not_found()),
            },
        },
        None => match c.user.org_id.filter(|o| ops.iter().any(|x| x.0 == *o)) {
            Some(o) => Ok(o),
            None if ops.len() == 1 => Ok(ops[0].0),
            None => Err(ApiError::bad("Chọn nhà mạng nhận phản ánh (org).", "Name the operator the reports are for (org).")),
        },
    }
}

/// A report list's filters from the query string (the pages use it too).
pub(crate) fn query(q: &HashMap<String, String>) -> SpamReportQuery {
    let num = |k: &str| q.get(k).and_then(|s| s.parse::<i64>().ok());
    SpamReportQuery {
        state: q.get("state").filter(|s| !s.is_empty()).cloned(),
        label: q.get("label").filter(|s| !s.is_empty()).cloned(),
        sender_id: num("sender"),
        campaign_id: num("campaign"),
        case_id: num("case"),
        import_id: num("import"),
        before: num("before"),
        limit: num("limit").unwrap_or(100),
    }
}

#[utoipa::path(get, path = "/spam/reports", tag = "spam", summary = "Spam and fraud reports in your scope, newest first (?state=parsed|unparsed|fixed, ?label=fraud|spam|ham, ?sender=, ?campaign=, ?case=, ?import=, ?before=id, ?limit ≤ 1000)",
    responses((status = 200, description = "Done", body = Vec<SpamReportRow>), Refusals), security(("bearer" = [])))]
pub(crate) async fn list_reports(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<Vec<SpamReportRow>>> {
    Ok(Json(st.store.spam_reports(&c.scope, &query(&q)).await?))
}

/// What a report submission did, and the lines that were not JSON reports (kept as unparsed).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Submitted {
    #[serde(flatten)]
    outcome: SpamImportOutcome,
    /// Lines kept as unparsed because they were not a report, with why (at most 100).
    problems: Vec<String>,
}

#[utoipa::path(post, path = "/spam/reports", tag = "spam",
    summary = "Reports in: one JSON report, or NDJSON (Content-Type application/x-ndjson, one report per line, at most 100,000). A report names `raw` (the 5656 line) or `sender` and `content`; `id` (the Ministry system's) makes a resend harmless. A line that cannot be understood is kept as unparsed for a person to fix, never dropped. ?org=CODE names the operator (default: yours)",
    request_body(content = ReportIn, content_type = "application/json"),
    responses((status = 200, description = "Stored", body = Submitted), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])))]
pub(crate) async fn add_reports(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>, headers: HeaderMap, body: Bytes) -> ApiResult<Json<Submitted>> {
    let org = operator_of(&st, &c, q.get("org").map(String::as_str)).await?;
    let ndjson = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("ndjson") || v.contains("jsonlines"));
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::bad("Nội dung không phải UTF-8.", "The body is not UTF-8."))?;
    let an = Analyser::load(&st.store).await?;
    let now = now_ms();
    let mut reports: Vec<NewSpamReport> = Vec::new();
    let mut problems = Vec::new();
    let mut one = |line: &str, n: usize, reports: &mut Vec<NewSpamReport>| {
        match serde_json::from_str::<ReportIn>(line) {
            Ok(r) => match an.from_api(&r, now) {
                Ok(x) => reports.push(x),
                Err(e) => {
                    if problems.len() < 100 {
                        problems.push(format!("line {n}: {e}"));
                    }
                    reports.push(NewSpamReport { external_id: r.id.clone(), raw: line.chars().take(4000).collect(), reporter: None, received_at: now, parsed: Err(e) });
                }
            },
            Err(e) => {
                if problems.len() < 100 {
                    problems.push(format!("line {n}: not a JSON report: {e}"));
                }
                reports.push(NewSpamReport { external_id: None, raw: line.chars().take(4000).collect(), reporter: None, received_at: now, parsed: Err(format!("not a JSON report: {e}")) });
            }
        }
    };
    if ndjson {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            if reports.len() >= MAX_LINES {
                return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("Quá {MAX_LINES} phản ánh trong một yêu cầu; hãy chia nhỏ."), format!("More than {MAX_LINES} reports in one request; split it.")));
            }
            one(line, i + 1, &mut reports);
        }
    } else {
        let r: ReportIn = serde_json::from_str(text).map_err(|e| ApiError::bad(format!("Không đọc được JSON: {e}"), format!("Not a JSON report: {e}")))?;
        let x = an.from_api(&r, now).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("Phản ánh không hợp lệ: {e}"), format!("Invalid report: {e}")))?;
        reports.push(x);
    }
    let meta = SpamImportMeta { source: "api".into(), file_name: String::new(), mapping: "{}".into(), replaces: None };
    let outcome = sp::ingest(&st.store, &c.scope, &c.actor(), org, &meta, &reports).await?;
    Ok(Json(Submitted { outcome, problems }))
}

#[utoipa::path(get, path = "/spam/reports/{id}", tag = "spam", summary = "One report with its sender, label, reasons and indicators",
    params(("id" = i64, Path, description = "Report id")),
    responses((status = 200, description = "Done", body = SpamReportRow), Refusals), security(("bearer" = [])))]
pub(crate) async fn get_report(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<SpamReportRow>> {
    Ok(Json(st.store.spam_report(&c.scope, id).await?.ok_or_else(ApiError::not_found)?))
}

/// A corrected report line.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct FixBody {
    /// The line as it should have been (`S [nguồn][nội dung]`).
    raw: String,
}

#[utoipa::path(post, path = "/spam/reports/{id}/fix", tag = "spam", summary = "Fixes an unparsed report: the corrected line is stored as a report and the original marked fixed",
    params(("id" = i64, Path, description = "Report id")), request_body = FixBody,
    responses((status = 200, description = "Fixed", body = SpamImportOutcome), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])))]
pub(crate) async fn fix_report(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, ApiJson(b): ApiJson<FixBody>) -> ApiResult<Json<SpamImportOutcome>> {
    Ok(Json(sp::fix_report(&st.store, &c.scope, &c.actor(), id, &b.raw).await?))
}

#[utoipa::path(get, path = "/spam/queue", tag = "spam", summary = "The work queue: cases awaiting work, by their sender's score, then time limit",
    responses((status = 200, description = "Done", body = Vec<SpamCaseRow>), Refusals), security(("bearer" = [])))]
pub(crate) async fn queue(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Vec<SpamCaseRow>>> {
    Ok(Json(st.store.spam_queue(&c.scope, 200).await?))
}

/// A sender with its cases.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SenderDetail {
    sender: SpamSenderRow,
    /// The parts of its score.
    #[schema(value_type = Object)]
    score: canhgac_spam::score::Score,
    cases: Vec<SpamCaseRow>,
}

#[utoipa::path(get, path = "/spam/senders/{id}", tag = "spam", summary = "A sender: its figures, the parts of its score, its cases",
    params(("id" = i64, Path, description = "Sender id")),
    responses((status = 200, description = "Done", body = SenderDetail), Refusals), security(("bearer" = [])))]
pub(crate) async fn get_sender(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<SenderDetail>> {
    let sender = st.store.spam_sender(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let score = canhgac_spam::score::score(&sender.stats());
    let cases = st.store.spam_cases_of_sender(&c.scope, id).await?;
    Ok(Json(SenderDetail { sender, score, cases }))
}

#[utoipa::path(get, path = "/spam/campaigns", tag = "spam", summary = "Campaigns (near-duplicate messages across senders) of the last 30 days, largest first",
    responses((status = 200, description = "Done", body = Vec<SpamCampaignRow>), Refusals), security(("bearer" = [])))]
pub(crate) async fn list_campaigns(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Vec<SpamCampaignRow>>> {
    Ok(Json(st.store.spam_campaigns(&c.scope, now_ms() - sp::CAMPAIGN_DAYS * 86_400_000, 200).await?))
}

/// A campaign with its senders.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CampaignDetail {
    campaign: SpamCampaignRow,
    /// Senders and their reports in the campaign.
    senders: Vec<CampaignSender>,
}

/// A sender in a campaign.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CampaignSender {
    sender: SpamSenderRow,
    reports: i64,
}

#[utoipa::path(get, path = "/spam/campaigns/{id}", tag = "spam", summary = "A campaign with its senders",
    params(("id" = i64, Path, description = "Campaign id")),
    responses((status = 200, description = "Done", body = CampaignDetail), Refusals), security(("bearer" = [])))]
pub(crate) async fn get_campaign(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<CampaignDetail>> {
    let campaign = st.store.spam_campaign(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let senders = st.store.spam_campaign_senders(&c.scope, id).await?.into_iter().map(|(sender, reports)| CampaignSender { sender, reports }).collect();
    Ok(Json(CampaignDetail { campaign, senders }))
}

#[utoipa::path(get, path = "/spam/cases", tag = "spam", summary = "Cases in your scope, newest first (?state=open|actioned|closed|dismissed|overdue|handled)",
    responses((status = 200, description = "Done", body = Vec<SpamCaseRow>), Refusals), security(("bearer" = [])))]
pub(crate) async fn list_cases(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<Vec<SpamCaseRow>>> {
    Ok(Json(st.store.spam_cases(&c.scope, q.get("state").map(String::as_str), 1000).await?))
}

/// A case with its measures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CaseDetail {
    case: SpamCaseRow,
    actions: Vec<SpamActionRow>,
}

#[utoipa::path(get, path = "/spam/cases/{id}", tag = "spam", summary = "A case with its measures",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "Done", body = CaseDetail), Refusals), security(("bearer" = [])))]
pub(crate) async fn get_case(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<CaseDetail>> {
    let case = st.store.spam_case(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let actions = st.store.spam_actions(id).await?;
    Ok(Json(CaseDetail { case, actions }))
}

/// A measure.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ActBody {
    /// `warn`, `block_sms`, `block_calls`, `suspend`, `police`, `dismiss`.
    action: String,
    /// What was done and on what basis.
    note: String,
    /// Evidence (ticket, letter number).
    #[serde(default)]
    evidence: String,
    /// The directive item (a Ministry measure) it carries out.
    #[serde(default)]
    directive_item: Option<i64>,
}

/// A new record's id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Made {
    id: i64,
}

#[utoipa::path(post, path = "/spam/cases/{id}/actions", tag = "spam", summary = "Records a measure on a case (the case becomes actioned, or dismissed)",
    params(("id" = i64, Path, description = "Case id")), request_body = ActBody,
    responses((status = 200, description = "Recorded", body = Made), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])))]
pub(crate) async fn act(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, ApiJson(b): ApiJson<ActBody>) -> ApiResult<Json<Made>> {
    let id = sp::act(&st.store, &c.scope, &c.actor(), id, &b.action, &b.note, &b.evidence, b.directive_item).await?;
    Ok(Json(Made { id }))
}

/// A closing note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct CloseBody {
    /// Why it is done.
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/spam/cases/{id}/close", tag = "spam", summary = "Closes a case on which a measure was taken",
    params(("id" = i64, Path, description = "Case id")), request_body = CloseBody,
    responses((status = 204, description = "Closed"), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])))]
pub(crate) async fn close(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, ApiJson(b): ApiJson<CloseBody>) -> ApiResult<StatusCode> {
    st.store.close_spam_case(&c.scope, &c.actor(), id, &b.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reports per day and label, and figures per operator.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Stats {
    /// `(date dd/mm/yyyy, label, reports)` for the last `days` days.
    daily: Vec<(String, String, i64)>,
    operators: Vec<OperatorFigures>,
}

#[utoipa::path(get, path = "/spam/stats", tag = "spam", summary = "Reports per day by label (?days=30, at most 366) and figures per operator, in your scope",
    responses((status = 200, description = "Done", body = Stats), Refusals), security(("bearer" = [])))]
pub(crate) async fn stats(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<Stats>> {
    let days = q.get("days").and_then(|d| d.parse::<i64>().ok()).unwrap_or(30).clamp(1, 366);
    let now = now_ms();
    let daily = st.store.spam_daily(&c.scope, super::chart::day_start(now, days)).await?;
    let daily = daily.into_iter().map(|(d, l, n)| (canhgac_domain::time::fmt_date(d * 86_400_000), l, n)).collect();
    Ok(Json(Stats { daily, operators: sp::figures(&st.store, &c.scope).await? }))
}

#[utoipa::path(get, path = "/spam/harmful", tag = "spam", summary = "Harmful URLs, domains and accounts in your scope (?state=reported|blocked|takedown|confirmed|rejected|active)",
    responses((status = 200, description = "Done", body = Vec<HarmfulRow>), Refusals), security(("bearer" = [])))]
pub(crate) async fn list_harmful(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<Vec<HarmfulRow>>> {
    Ok(Json(st.store.harmful_items(&c.scope, q.get("state").map(String::as_str), 1000).await?))
}

/// A harmful item reported.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct HarmfulBody {
    /// The operator's code (default: yours).
    #[serde(default)]
    org: Option<String>,
    /// `url`, `domain`, `account`.
    kind: String,
    /// The URL, domain or account's page address.
    value: String,
    /// `phishing`, `gambling`, `fraud`, `unlawful`.
    category: String,
    /// Where it came from (a report, the Ministry, a customer).
    #[serde(default)]
    source: String,
    /// Note.
    #[serde(default)]
    note: String,
    /// The report it was found in.
    #[serde(default)]
    report_id: Option<i64>,
}

#[utoipa::path(post, path = "/spam/harmful", tag = "spam", summary = "Reports a harmful URL, domain or social-media account (to be blocked or taken down within 24 hours)",
    request_body = HarmfulBody,
    responses((status = 200, description = "Recorded", body = Made), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])))]
pub(crate) async fn add_harmful(State(st): State<AppState>, c: Caller, ApiJson(b): ApiJson<HarmfulBody>) -> ApiResult<Json<Made>> {
    let org = operator_of(&st, &c, b.org.as_deref()).await?;
    if let Some(r) = b.report_id {
        st.store.spam_report(&c.scope, r).await?.filter(|x| x.org_id == org).ok_or_else(ApiError::not_found)?;
    }
    let id = sp::add_harmful(&st.store, &c.scope, &c.actor(), org, &b.kind, &b.value, &b.category, &b.source, &b.note, b.report_id, now_ms()).await?;
    Ok(Json(Made { id }))
}

/// A harmful item with its history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct HarmfulDetail {
    item: HarmfulRow,
    history: Vec<HarmfulStepRow>,
}

#[utoipa::path(get, path = "/spam/harmful/{id}", tag = "spam", summary = "A harmful item with its history",
    params(("id" = i64, Path, description = "Item id")),
    responses((status = 200, description = "Done", body = HarmfulDetail), Refusals), security(("bearer" = [])))]
pub(crate) async fn get_harmful(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<HarmfulDetail>> {
    let item = st.store.harmful_item(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let history = st.store.harmful_history(id).await?;
    Ok(Json(HarmfulDetail { item, history }))
}

/// A move.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct StateBody {
    /// `blocked`, `takedown`, `confirmed`, `rejected`, `reported`.
    state: String,
    /// What was done.
    note: String,
}

#[utoipa::path(post, path = "/spam/harmful/{id}/state", tag = "spam", summary = "Moves a harmful item on: blocked, takedown requested, confirmed, rejected (or back to reported)",
    params(("id" = i64, Path, description = "Item id")), request_body = StateBody,
    responses((status = 204, description = "Moved"), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])))]
pub(crate) async fn harmful_state(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, ApiJson(b): ApiJson<StateBody>) -> ApiResult<StatusCode> {
    sp::transition(&st.store, &c.scope, &c.actor(), id, &b.state, &b.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/spam/blocklist", tag = "spam", summary = "The blocklist of your scope: plain domains (default) or ?format=rpz, a DNS Response Policy Zone for BIND or Unbound",
    responses((status = 200, description = "The list", content_type = "text/plain"), Refusals), security(("bearer" = [])))]
pub(crate) async fn blocklist(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> ApiResult<Response> {
    let body = if q.get("format").map(String::as_str) == Some("rpz") {
        sp::rpz(&st.store, &c.scope, now_ms()).await?
    } else {
        sp::plain(&st.store, &c.scope).await?
    };
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response())
}
