//! Sigma rule pages.

#[allow(unused_imports)]
use super::common::*;
use crate::auth::{Caller, Lang};
use crate::registry::org_options;
use crate::ui::layout::{csrf, page, pager, severity};
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{error_page, param, read_upload, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_store::RuleFilter;
use maud::{html, Markup};
use std::collections::HashMap;

// ---- Sigma rules ----

pub(crate) const LEVELS: &[(&str, &str, &str)] = &[
    ("critical", "Nghiêm trọng", "Critical"),
    ("high", "Cao", "High"),
    ("medium", "Trung bình", "Medium"),
    ("low", "Thấp", "Low"),
    ("informational", "Thông tin", "Informational"),
];

pub(crate) fn origin_label(l: Lang, o: &str) -> &str {
    match o {
        "sigmahq" => l.t("SigmaHQ (kèm theo)", "SigmaHQ (bundled)"),
        "custom" => l.t("Tự tải lên", "Uploaded"),
        other => other,
    }
}

/// What the upload form shows again after a refused upload.
#[derive(Default)]
pub(crate) struct RuleDraft {
    yaml: String,
    org: String,
}

/// `GET /rules`.
pub async fn rules_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let get = |k: &str| param(&params, k);
    let flash = if let Ok(n) = get("added").parse::<i64>() {
        Some(
            html! { div.flash.ok #rules-ok { (l.t("Đã thêm", "Added")) " " (n) " " (l.t("luật; bộ luật đã được biên dịch lại.", "rule(s); the rule set was recompiled.")) } },
        )
    } else if let Ok(id) = get("saved").parse::<i64>() {
        Some(
            html! { div.flash.ok #rules-ok { (l.t("Đã lưu thiết lập luật", "Saved the settings of rule")) " #" (id) "; " (l.t("bộ luật đã được biên dịch lại.", "the rule set was recompiled.")) } },
        )
    } else {
        None
    };
    rules_view(
        &st,
        &c,
        &params,
        flash,
        RuleDraft::default(),
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn rules_view(
    st: &AppState,
    c: &Caller,
    params: &[(String, String)],
    flash: Option<Markup>,
    draft: RuleDraft,
    status: StatusCode,
) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(c, e);
    let get = |k: &str| param(params, k);
    let offset = get("offset").parse().unwrap_or(0i64).max(0);
    let f = RuleFilter {
        q: Some(get("q")).filter(|s| !s.trim().is_empty()),
        level: Some(get("level")).filter(|s| !s.is_empty()),
        enabled: match get("enabled").as_str() {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
        origin: Some(get("origin")).filter(|s| !s.is_empty()),
        limit: Some(PAGE),
        offset: Some(offset),
    };
    let (rules, total) = st.store.list_rules(&c.scope, &f).await.map_err(err)?;
    let manage = c.role.is_dic() && c.role.can_write();
    let orgs = if manage {
        org_options(st, &c.scope).await.map_err(err)?
    } else {
        Vec::new()
    };
    let summary = st.monitor.rules_summary();
    let back: String = params
        .iter()
        .filter(|(k, v)| {
            !v.is_empty() && ["q", "level", "enabled", "origin", "offset"].contains(&k.as_str())
        })
        .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let body = html! {
        h1 { (l.t("Luật Sigma", "Sigma rules")) }
        @if let Some(f) = flash { (f) }
        p #rules-summary { (l.t("Đang chạy", "Running")) ": " b { (summary.detection) } " " (l.t("luật phát hiện", "detection rules")) ", " b { (summary.correlation) } " " (l.t("luật tương quan", "correlation rules"))
            @if !summary.refused.is_empty() { ", " a href="#refused" { (summary.refused.len()) " " (l.t("luật không biên dịch được", "rules refused")) } }
            @if summary.compiled_at > 0 { span.muted { " · " (l.t("biên dịch lúc", "compiled")) " " (fmt_seconds(summary.compiled_at)) } } }
        form.filters method="get" action="/rules" {
            div { label for="q" { (l.t("Tìm kiếm", "Search")) } input #q type="search" name="q" value=(get("q")) placeholder=(l.t("tên luật, mã, nguồn nhật ký…", "title, id, log source…")); }
            div { label for="level" { (l.t("Mức độ", "Level")) } select #level name="level" { option value="" { (l.t("Tất cả", "All")) }
                @for (v, vi, en) in LEVELS { option value=(v) selected[get("level") == *v] { (l.t(vi, en)) } } } }
            div { label for="enabled" { (l.t("Trạng thái", "Status")) } select #enabled name="enabled" { option value="" { (l.t("Tất cả", "All")) }
                option value="1" selected[get("enabled") == "1"] { (l.t("Đang bật", "Enabled")) } option value="0" selected[get("enabled") == "0"] { (l.t("Đang tắt", "Disabled")) } } }
            div { label for="origin" { (l.t("Nguồn luật", "Origin")) } select #origin name="origin" { option value="" { (l.t("Tất cả", "All")) }
                @for o in ["sigmahq", "custom"] { option value=(o) selected[get("origin") == o] { (origin_label(l, o)) } } } }
            div { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
        @if !manage { p.muted { (l.t("Chỉ Sở TTTT bật, tắt và giới hạn luật; bạn đang xem danh sách.", "Only the DIC turns rules on and off and limits them; this list is read-only for you.")) } }
        table.records #rules-table { thead { tr { th { (l.t("Luật", "Rule")) } th { (l.t("Mức độ", "Level")) } th { (l.t("Nguồn nhật ký", "Log source")) } th { (l.t("Nguồn luật", "Origin")) } th { (l.t("Áp dụng cho", "Applies to")) } th { (l.t("Trạng thái", "Status")) } @if manage { th {} } } }
            tbody { @for r in &rules {
                @let fid = format!("rule-{}", r.id);
                tr {
                    td { a href=(format!("/rules/{}", r.id)) { span data-raw { (r.title) } } br; span.muted { code { (r.rule_key) } } }
                    td { (severity(l, &r.level)) }
                    td.mono data-raw { (log_source(r.product.as_deref(), r.category.as_deref(), r.service.as_deref())) }
                    td { (origin_label(l, &r.origin)) }
                    td { @if manage {
                            select name="org" form=(fid) aria-label=(l.t("Áp dụng cho đơn vị", "Limit to organisation")) { option value="" { (l.t("Mọi đơn vị", "Every organisation")) }
                                @for (code, title) in &orgs { option value=(code) title=(title) selected[r.org_code.as_deref() == Some(code.as_str())] { (code) } } }
                        } @else { @match r.org_id {
                            None => { (l.t("Mọi đơn vị", "Every organisation")) }
                            Some(o) if c.scope.contains(o) => { (r.org_code.clone().unwrap_or_default()) }
                            Some(_) => { (l.t("Một đơn vị khác", "Another organisation")) }
                        } } }
                    td { @if manage {
                            select name="enabled" form=(fid) aria-label=(l.t("Bật hoặc tắt", "On or off")) { option value="1" selected[r.enabled == 1] { (l.t("Bật", "On")) } option value="0" selected[r.enabled != 1] { (l.t("Tắt", "Off")) } }
                        } @else if r.enabled == 1 { span.badge.new { (l.t("Đang bật", "On")) } } @else { span.badge { (l.t("Tắt", "Off")) } } }
                    @if manage { td { form id=(fid) method="post" action=(format!("/rules/{}", r.id)) { (csrf(c)) input type="hidden" name="back" value=(back); button.light type="submit" { (l.t("Lưu", "Save")) } } } }
                } }
                @if rules.is_empty() { tr { td colspan="7" .muted { (l.t("Không có luật nào", "No rules")) } } } } }
        (pager(l, "/rules", params, offset, PAGE, total))
        @if manage {
            form.card #rule-upload method="post" enctype="multipart/form-data" action=(format!("/rules/upload?_csrf={}", urlencoding::encode(&c.csrf))) {
                h2 { (l.t("Thêm luật tự viết", "Add custom rules")) }
                p.muted { (l.t("Tệp YAML theo chuẩn Sigma (có thể nhiều luật, luật tương quan); mỗi luật phải có id (UUID). Luật được kiểm tra trước khi lưu; luật lỗi không được thêm.",
                    "A Sigma YAML file (several rules and correlations allowed); every rule needs an id (a UUID). Rules are checked before they are stored; nothing is added when one is wrong.")) }
                div.grid2 {
                    div { label for="rule-file" { (l.t("Tệp luật (.yml)", "Rule file (.yml)")) } input #rule-file type="file" name="file" accept=".yml,.yaml,.txt"; }
                    div { label for="rule-org" { (l.t("Chỉ áp dụng cho đơn vị (để trống: mọi đơn vị)", "Only for organisation (empty: every organisation)")) }
                        select #rule-org name="org" { option value="" { (l.t("Mọi đơn vị", "Every organisation")) } @for (code, title) in &orgs { option value=(code) selected[*code == draft.org] { (code) " — " (title) } } } }
                }
                p { label for="rule-yaml" { (l.t("Hoặc dán nội dung YAML", "Or paste the YAML")) } textarea.mono #rule-yaml name="yaml" rows="10" { (draft.yaml) } }
                button #rule-submit type="submit" { (l.t("Kiểm tra và thêm", "Check and add")) }
            }
        }
        h2 #refused { (l.t("Luật không biên dịch được", "Rules refused")) " (" (summary.refused.len()) ")" }
        @if summary.refused.is_empty() { p.muted { (l.t("Mọi luật đang bật đều biên dịch được.", "Every enabled rule compiles.")) } }
        @else { details { summary { (l.t("Xem danh sách và lý do", "Show them with the reasons")) }
            table #rules-refused { thead { tr { th { (l.t("Tệp", "File")) } th { (l.t("Luật", "Rule")) } th { (l.t("Lý do", "Reason")) } } }
                tbody { @for r in summary.refused.iter().take(1000) { tr { td { code { (r.source) } } td data-raw { (r.title.clone().unwrap_or_default()) br; span.muted { (r.id.clone().unwrap_or_default()) } } td data-raw { (r.reason) } } } } } } }
    };
    Ok((
        status,
        page(c, l.t("Luật Sigma", "Sigma rules"), "/rules", body),
    )
        .into_response())
}

/// Organisation code → id; `Ok(None)` for empty.
pub(crate) async fn org_id_of(
    st: &AppState,
    c: &Caller,
    code: &str,
) -> Result<Option<i64>, Response> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    let codes = st
        .store
        .org_codes()
        .await
        .map_err(|e| store_error_page(c, e))?;
    match codes.get(code) {
        Some(id) if c.scope.contains(*id) => Ok(Some(*id)),
        _ => Err(error_page(
            c,
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Không có đơn vị '{code}'"),
            &format!("No organisation '{code}'"),
        )),
    }
}

/// `POST /rules/{id}` (`enabled`: 1 or 0, `org`: a code or empty).
pub async fn rule_update(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    let enabled = matches!(
        f.get("enabled").map(String::as_str),
        Some("1" | "true" | "on")
    );
    let org_id = org_id_of(
        &st,
        &c,
        f.get("org").map(String::as_str).unwrap_or_default(),
    )
    .await?;
    st.store
        .set_rule(&c.actor(), id, enabled, org_id)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    st.monitor.reload().await.map_err(|e| {
        error_page(
            &c,
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("Đã lưu nhưng chưa biên dịch lại được bộ luật: {e}"),
            &format!("Saved, but the rule set could not be recompiled: {e}"),
        )
    })?;
    let back = safe_back(f.get("back").map(String::as_str).unwrap_or_default());
    let to = if back.is_empty() {
        format!("/rules?saved={id}")
    } else {
        format!("/rules?saved={id}&{back}")
    };
    Ok(Redirect::to(&to).into_response())
}

/// `POST /rules/upload` (multipart: `file` or `yaml`, optional `org`).
pub async fn rule_upload(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    let l = c.lang;
    let up = read_upload(&c, mp).await?;
    let org = up.fields.get("org").cloned().unwrap_or_default();
    let pasted = up.fields.get("yaml").cloned().unwrap_or_default();
    let (name, yaml) = match up.file("file") {
        Some((n, b)) => (
            n.filter(|n| !n.is_empty())
                .unwrap_or("rule.yml")
                .to_string(),
            String::from_utf8_lossy(b).into_owned(),
        ),
        None => ("rule.yml".to_string(), pasted.clone()),
    };
    let refuse = |problems: Vec<String>| {
        let flash = html! {
            div.flash.bad #rules-problems { (l.t("Chưa thêm luật nào: có", "No rule added:")) " " (problems.len()) " " (l.t("lỗi cần sửa.", "problem(s) to fix."))
                ul { @for p in &problems { li { (p) } } } }
        };
        (
            flash,
            RuleDraft {
                yaml: pasted.clone(),
                org: org.clone(),
            },
        )
    };
    let org_id = match org_id_of(&st, &c, &org).await {
        Ok(o) => o,
        Err(_) => {
            let (flash, draft) = refuse(vec![format!(
                "{}: '{org}'",
                l.t("Không có đơn vị", "No organisation")
            )]);
            return rules_view(
                &st,
                &c,
                &[],
                Some(flash),
                draft,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if yaml.trim().is_empty() {
        let (flash, draft) = refuse(vec![l
            .t(
                "Hãy chọn tệp luật hoặc dán nội dung YAML.",
                "Choose a rule file or paste the YAML.",
            )
            .to_string()]);
        return rules_view(
            &st,
            &c,
            &[],
            Some(flash),
            draft,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match canhgac_ops::monitor::add_custom_rules(
        &st.monitor,
        &st.store,
        &c.actor(),
        &name,
        &yaml,
        org_id,
    )
    .await
    {
        Ok(added) => Ok(
            Redirect::to(&format!("/rules?added={}&origin=custom", added.len())).into_response(),
        ),
        Err(problems) => {
            let (flash, draft) = refuse(problems);
            rules_view(
                &st,
                &c,
                &[],
                Some(flash),
                draft,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
