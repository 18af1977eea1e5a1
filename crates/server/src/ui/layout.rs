//! The page shell (navigation, language switch, styles) and small shared widgets.

use crate::auth::{Caller, Lang};
use canhgac_domain::time::{fmt_datetime, now_ms};
use maud::{html, Markup, DOCTYPE};

/// Pages that duty officers leave open on a wall screen reload themselves this often.
pub const LIVE_REFRESH_SECONDS: u32 = 30;

/// A full page for a logged-in caller.
pub fn page(c: &Caller, title: &str, active: &str, body: Markup) -> Markup {
    page_with(c, title, active, false, body)
}

/// A full page that reloads itself every [`LIVE_REFRESH_SECONDS`] (overview, signals).
pub fn live_page(c: &Caller, title: &str, active: &str, body: Markup) -> Markup {
    page_with(c, title, active, true, body)
}

fn page_with(c: &Caller, title: &str, active: &str, live: bool, body: Markup) -> Markup {
    let l = c.lang;
    let role = c.role;
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if live { meta http-equiv="refresh" content=(LIVE_REFRESH_SECONDS); }
                title { (title) " · canhgac" }
                link rel="stylesheet" href=(asset("app.css"));
            }
            body {
                header.top {
                    a.brand href="/" { "canhgac" }
                    span.muted.tagline { (l.t("Giám sát, điều phối an toàn thông tin", "Security monitoring and coordination")) }
                    form.search method="get" action="/search" role="search" {
                        input #global-search type="search" name="q" maxlength="200"
                            placeholder=(l.t("Tìm máy, IP, CVE, luật, cảnh báo…", "Find a host, IP, CVE, rule, alert…"))
                            aria-label=(l.t("Tìm kiếm", "Search"));
                    }
                    div.who {
                        span #clock title=(l.t("Giờ Việt Nam", "Viet Nam time")) { (fmt_datetime(now_ms())) }
                        span #whoami { (c.user.email) " · " (l.t(role.label_vi(), role.label_en())) }
                        a href="/lang/vi" { "VI" } a href="/lang/en" { "EN" }
                        form.inline method="post" action="/logout" {
                            input type="hidden" name="_csrf" value=(c.csrf);
                            button.link type="submit" { (l.t("Đăng xuất", "Log out")) }
                        }
                    }
                }
                (navigation(c, active))
                main { (body) }
                script src=(asset("app.js")) {}
            }
        }
    }
}

/// The navigation: the groups on one row (each leading to its first page), the pages of the
/// current group on the next.
fn navigation(c: &Caller, active: &str) -> Markup {
    use crate::routes::{group_of, nav, shows, NavGroup};
    let l = c.lang;
    let current = group_of(active).unwrap_or(NavGroup::Monitor);
    let items = |g: NavGroup| nav().iter().filter(move |n| n.group == g && shows(n, c));
    html! {
        nav.main aria-label=(l.t("Điều hướng chính", "Main navigation")) {
            @for g in NavGroup::ALL {
                @if let Some(first) = items(g).next() {
                    @let names: Vec<&str> = items(g).map(|n| l.t(n.vi, n.en)).collect();
                    a.group class=@if g == current { "on" } href=(first.path) title=(names.join(" · ")) { (l.t(g.label_vi(), g.label_en())) }
                }
            }
        }
        nav.sub aria-label=(l.t(current.label_vi(), current.label_en())) {
            @for item in items(current) {
                a class=@if item.path == active { "on" } href=(item.path) { (l.t(item.vi, item.en)) }
            }
        }
    }
}

/// A page with no caller (log-in, errors before log-in).
pub fn bare_page(l: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · canhgac" }
                link rel="stylesheet" href=(asset("app.css"));
            }
            body {
                header.top { a.brand href="/" { "canhgac" } span.tagline { (l.t("Giám sát an toàn thông tin", "Security monitoring")) }
                    div.who { a href="/lang/vi" { "VI" } a href="/lang/en" { "EN" } } }
                main { (body) }
            }
        }
    }
}

/// A standalone printable page (no navigation), A4: an official document, in Vietnamese
/// whatever the interface language (`data-raw`: its text is the document's own).
pub fn print_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" { head { meta charset="utf-8"; title { (title) }
            link rel="stylesheet" href=(asset("app.css")); }
            body.print-doc { p.noprint { button type="button" data-print { "In / Print" } } div data-raw { (body) } script src=(asset("app.js")) {} } }
    }
}

/// A hidden CSRF field for a form.
pub fn csrf(c: &Caller) -> Markup {
    html! { input type="hidden" name="_csrf" value=(c.csrf); }
}

/// Previous/next links for a list.
pub fn pager(
    l: Lang,
    base: &str,
    params: &[(String, String)],
    offset: i64,
    limit: i64,
    total: i64,
) -> Markup {
    let link = |off: i64| {
        let mut q: Vec<String> = params
            .iter()
            .filter(|(k, v)| k != "offset" && !v.is_empty())
            .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
            .collect();
        q.push(format!("offset={off}"));
        format!("{base}?{}", q.join("&"))
    };
    let pages = ((total + limit - 1) / limit).max(1);
    let page_no = offset / limit + 1;
    // Past the cap of a capped count the number of pages is not known.
    let capped = total > canhgac_store::COUNT_CAP;
    html! {
        div.pager {
            @if offset > 0 { a.btn.light href=(link((offset - limit).max(0))) { "← " (l.t("Trước", "Previous")) } }
            span.muted { (l.t("Trang", "Page")) " " (page_no) @if !capped { "/" (pages) } " · " (crate::ui::fmt::count(l, total)) " " (l.t("bản ghi", "records")) }
            @if offset + limit < total { a.btn.light href=(link(offset + limit)) { (l.t("Sau", "Next")) " →" } }
        }
    }
}

/// A severity badge.
pub fn severity(l: Lang, s: &str) -> Markup {
    let label = canhgac_domain::signal::Severity::parse(s)
        .map(|v| l.t(v.label_vi(), v.label_en()))
        .unwrap_or(s);
    html! { span class=(format!("badge sev-{s}")) { (label) } }
}

/// The address of a static file, with the build's version so browsers fetch a new one after an
/// upgrade.
pub fn asset(name: &str) -> String {
    format!("/static/{name}?v={}", env!("CARGO_PKG_VERSION"))
}

/// A horizontal bar of `pct` percent (an SVG: the CSP allows no inline styles).
pub fn meter(pct: i64, color: &str) -> Markup {
    let pct = pct.clamp(0, 100);
    html! {
        svg.meter viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" {
            rect width=(pct) height="10" rx="1" fill=(color) {}
        }
    }
}
