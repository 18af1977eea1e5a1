//! The page shell (navigation, language switch, styles) and small shared widgets.

use crate::auth::{Caller, Lang};
use canhgac_domain::time::{fmt_datetime, now_ms};
use maud::{html, Markup, PreEscaped, DOCTYPE};

const CSS: &str = r#"
:root{--ink:#1b2430;--muted:#5b6675;--line:#d9dee5;--bg:#f4f6f9;--brand:#0b4f8a;--brand2:#083a66;--ok:#1e7b34;--warn:#b26a00;--bad:#b3261e;--card:#fff}
*{box-sizing:border-box}html{font-size:15px}@media(min-width:1800px){html{font-size:19px}}
body{margin:0;font-family:system-ui,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--brand)}header.top{background:var(--brand2);color:#fff;display:flex;align-items:center;gap:1rem;padding:.5rem 1rem;flex-wrap:wrap}
header.top .brand{font-weight:700;font-size:1.15rem;color:#fff;text-decoration:none;letter-spacing:.02em}
header.top .who{margin-left:auto;display:flex;gap:.75rem;align-items:center;font-size:.9rem}
header.top .who a,header.top .who button{color:#fff}
nav.main{background:var(--brand);display:flex;flex-wrap:wrap;padding:0 .5rem}
nav.main a{color:#e8f0f8;text-decoration:none;padding:.55rem .8rem;font-size:.95rem}
nav.main a.on,nav.main a:hover{background:rgba(255,255,255,.15);color:#fff}
main{padding:1rem 1.25rem;max-width:1600px;margin:0 auto}
h1{font-size:1.4rem;margin:.25rem 0 1rem}h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:1rem;margin-bottom:1rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:.75rem;margin-bottom:1rem}
.stat{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;text-decoration:none;color:var(--ink)}
.stat b{display:block;font-size:1.8rem;color:var(--brand2)}.stat span{color:var(--muted);font-size:.9rem}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{border-bottom:1px solid var(--line);padding:.4rem .55rem;text-align:left;vertical-align:top;font-size:.93rem}
th{background:#eef1f5;font-weight:600}tr:hover td{background:#f9fbfd}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:.75rem}
label{display:block;font-size:.85rem;color:var(--muted);margin-bottom:.15rem}
input,select,textarea{font:inherit;padding:.4rem .5rem;border:1px solid #b9c2cd;border-radius:4px;background:#fff;min-width:10rem}
form.filters select{max-width:24rem}
textarea{width:100%;min-height:5rem}
.btn,button{font:inherit;padding:.42rem .9rem;border-radius:4px;border:1px solid var(--brand);background:var(--brand);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
.btn.light,button.light{background:#fff;color:var(--brand)}.btn.danger,button.danger{background:var(--bad);border-color:var(--bad)}
button.link{background:none;border:none;padding:0;color:#fff;text-decoration:underline}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin:.5rem 0 1rem}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:.75rem 1rem}
.field.err input,.field.err select,.field.err textarea{border-color:var(--bad)}.errmsg{color:var(--bad);font-size:.85rem}
.flash{padding:.6rem .9rem;border-radius:4px;margin-bottom:1rem}.flash.ok{background:#e3f4e6;color:var(--ok)}.flash.bad{background:#fbe9e7;color:var(--bad)}
.muted{color:var(--muted)}.pager{display:flex;gap:.75rem;align-items:center;margin:.75rem 0}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:10px;font-size:.8rem;background:#e6ebf1}
.sev-critical{background:#5c0a05;color:#fff}.sev-high{background:var(--bad);color:#fff}.sev-medium{background:var(--warn);color:#fff}.sev-low{background:#3c6e9a;color:#fff}
.bar{height:.7rem;background:var(--brand);border-radius:2px;display:inline-block}
.login{max-width:380px;margin:8vh auto}.login input{width:100%}
dl.kv{display:grid;grid-template-columns:14rem 1fr;gap:.3rem 1rem;margin:0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
.tree ul{list-style:none;padding-left:1.4rem;margin:.15rem 0}.tree>ul{padding-left:0}.tree li{padding:.12rem 0}
.badge.new{background:var(--ok);color:#fff}tr.live td{background:#eef8f0}
pre{background:#f0f3f7;border:1px solid var(--line);border-radius:4px;padding:.5rem .7rem;overflow:auto;white-space:pre-wrap;font-size:.88rem}
"#;

/// A navigation entry: path, Vietnamese and English label, and who sees it.
struct NavItem {
    path: &'static str,
    vi: &'static str,
    en: &'static str,
    show: fn(&Caller) -> bool,
}

fn anyone(_: &Caller) -> bool {
    true
}

const NAV: &[NavItem] = &[
    NavItem {
        path: "/",
        vi: "Tổng quan",
        en: "Overview",
        show: anyone,
    },
    NavItem {
        path: "/signals",
        vi: "Cảnh báo",
        en: "Signals",
        show: anyone,
    },
    NavItem {
        path: "/monitor",
        vi: "Giám sát",
        en: "Monitoring",
        show: anyone,
    },
    NavItem {
        path: "/alerts",
        vi: "Cảnh báo giám sát",
        en: "Monitoring alerts",
        show: anyone,
    },
    NavItem {
        path: "/events",
        vi: "Sự kiện",
        en: "Events",
        show: anyone,
    },
    NavItem {
        path: "/rules",
        vi: "Luật Sigma",
        en: "Sigma rules",
        show: anyone,
    },
    NavItem {
        path: "/work",
        vi: "Công việc",
        en: "Work",
        show: anyone,
    },
    NavItem {
        path: "/botnet",
        vi: "IP Botnet",
        en: "Botnet lists",
        show: anyone,
    },
    NavItem {
        path: "/hunt",
        vi: "Săn lùng",
        en: "Hunt",
        show: anyone,
    },
    NavItem {
        path: "/advisories",
        vi: "Bản vá",
        en: "Patches",
        show: anyone,
    },
    NavItem {
        path: "/compliance",
        vi: "Tuân thủ",
        en: "Compliance",
        show: anyone,
    },
    NavItem {
        path: "/findings",
        vi: "Lỗ hổng",
        en: "Findings",
        show: anyone,
    },
    NavItem {
        path: "/orgs",
        vi: "Đơn vị",
        en: "Organisations",
        show: anyone,
    },
    NavItem {
        path: "/networks",
        vi: "Mạng",
        en: "Networks",
        show: anyone,
    },
    NavItem {
        path: "/systems",
        vi: "Hệ thống",
        en: "Systems",
        show: anyone,
    },
    NavItem {
        path: "/hosts",
        vi: "Máy chủ, máy trạm",
        en: "Hosts",
        show: anyone,
    },
    NavItem {
        path: "/software",
        vi: "Phần mềm",
        en: "Software",
        show: anyone,
    },
    NavItem {
        path: "/people",
        vi: "Cán bộ",
        en: "People",
        show: anyone,
    },
    NavItem {
        path: "/contacts",
        vi: "Đầu mối liên hệ",
        en: "Contacts",
        show: anyone,
    },
    NavItem {
        path: "/import",
        vi: "Nhập dữ liệu",
        en: "Import",
        show: |c| c.role.can_write(),
    },
    NavItem {
        path: "/users",
        vi: "Tài khoản",
        en: "Users",
        show: |c| c.role.can_manage_users(),
    },
    NavItem {
        path: "/audit",
        vi: "Nhật ký",
        en: "Audit log",
        show: |c| c.role.can_read_audit(),
    },
];

const CLOCK_JS: &str = "(function(){var el=document.getElementById('clock');if(!el)return;function p(n){return n<10?'0'+n:n}\
function t(){var d=new Date(Date.now()+7*3600000);el.textContent=p(d.getUTCDate())+'/'+p(d.getUTCMonth()+1)+'/'+d.getUTCFullYear()+' '+p(d.getUTCHours())+':'+p(d.getUTCMinutes())+':'+p(d.getUTCSeconds())}\
t();setInterval(t,1000)})();";

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
                style { (PreEscaped(CSS)) }
            }
            body {
                header.top {
                    a.brand href="/" { "canhgac" }
                    span.muted style="color:#c9d7e6" { (l.t("Giám sát, điều phối an toàn thông tin", "Security monitoring and coordination")) }
                    div.who {
                        span #clock title=(l.t("Giờ Việt Nam", "Viet Nam time")) { (fmt_datetime(now_ms())) }
                        span #whoami { (c.user.email) " · " (l.t(role.label_vi(), role.label_en())) }
                        a href="/lang/vi" { "VI" } a href="/lang/en" { "EN" }
                        form method="post" action="/logout" style="display:inline" {
                            input type="hidden" name="_csrf" value=(c.csrf);
                            button.link type="submit" { (l.t("Đăng xuất", "Log out")) }
                        }
                    }
                }
                nav.main {
                    @for item in NAV {
                        @if (item.show)(c) {
                            a class=@if item.path == active { "on" } href=(item.path) { (l.t(item.vi, item.en)) }
                        }
                    }
                }
                main { (body) }
                script { (PreEscaped(CLOCK_JS)) }
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
                style { (PreEscaped(CSS)) }
            }
            body {
                header.top { a.brand href="/" { "canhgac" } span style="color:#c9d7e6" { (l.t("Giám sát an toàn thông tin", "Security monitoring")) }
                    div.who { a href="/lang/vi" { "VI" } a href="/lang/en" { "EN" } } }
                main { (body) }
            }
        }
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
    html! {
        div.pager {
            @if offset > 0 { a.btn.light href=(link((offset - limit).max(0))) { "← " (l.t("Trước", "Previous")) } }
            span.muted { (l.t("Trang", "Page")) " " (page_no) "/" (pages) " · " (total) " " (l.t("bản ghi", "records")) }
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
