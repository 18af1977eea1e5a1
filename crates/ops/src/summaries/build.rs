//! Building the periodic reports from the store's figures.

use super::{ratio, Doc, Lang, Section};
use canhgac_domain::duty::midnight;
use canhgac_domain::incident::{Gravity, Stage};
use canhgac_domain::time::fmt_datetime;
use canhgac_domain::Scope;
use canhgac_store::{OrgFigures, PeriodRow, Store, StoreError};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
}

impl Month {
    /// From `yyyy-mm` or `mm/yyyy`.
    pub fn parse(s: &str) -> Option<Month> {
        let s = s.trim();
        let (y, m) = match s.split_once('-') {
            Some((y, m)) => (y, m),
            None => {
                let (m, y) = s.split_once('/')?;
                (y, m)
            }
        };
        let (year, month) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
        ((2000..=2100).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    /// The month (Viet Nam time) holding `t`.
    pub fn of(t: i64) -> Month {
        let d = canhgac_domain::duty::local_date(t);
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    /// The month before.
    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The month after.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }

    /// `yyyy-mm`.
    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// `mm/yyyy`.
    pub fn display(self) -> String {
        format!("{:02}/{:04}", self.month, self.year)
    }
}

/// The figures of the days `first..=last` (the days after `now` not counted).
struct Range {
    from: i64,
    to: i64,
    at: i64,
    months: (String, String),
    days: (String, String),
    day_count: i64,
    /// Days counted that fall in a heightened period (daily reports due from everyone).
    period_days: i64,
}

impl Range {
    fn new(first: NaiveDate, last: NaiveDate, now: i64) -> Range {
        let today = canhgac_domain::duty::local_date(now);
        let counted_last = last.min(today).max(first);
        let to = midnight(last + chrono::Duration::days(1));
        Range {
            from: midnight(first),
            to,
            // States as they stood at the range's last moment (or now, if sooner).
            at: (to - 1).min(now),
            months: (
                Month::of(midnight(first)).label(),
                Month::of(midnight(last)).label(),
            ),
            days: (first.to_string(), counted_last.to_string()),
            day_count: if first > today {
                0
            } else {
                (counted_last - first).num_days() + 1
            },
            period_days: 0,
        }
    }

    /// Counts the days of the range that fall in one of `periods`.
    fn with_periods(mut self, periods: &[PeriodRow]) -> Range {
        if self.day_count > 0 {
            let (Ok(a), Ok(b)) = (
                self.days.0.parse::<NaiveDate>(),
                self.days.1.parse::<NaiveDate>(),
            ) else {
                return self;
            };
            self.period_days = a
                .iter_days()
                .take_while(|d| *d <= b)
                .filter(|d| {
                    periods.iter().any(|p| {
                        let (f, l) = p.span();
                        f <= *d && *d <= l
                    })
                })
                .count() as i64;
        }
        self
    }

    async fn figures(&self, store: &Store, scope: &Scope) -> Result<Vec<OrgFigures>, StoreError> {
        store
            .org_figures(
                scope,
                self.from,
                self.to,
                self.at,
                (&self.months.0, &self.months.1),
                (&self.days.0, &self.days.1),
            )
            .await
    }
}

/// The scope a report for `org_id` counts in: the province for the DIC (an organisation of kind
/// `dic` at the top of the tree — only the DIC may change a kind or a parent), else the
/// organisation and those below it.
pub async fn scope_of_org(store: &Store, org_id: i64) -> Result<Scope, StoreError> {
    let (_, _, kind) = store.org_brief(org_id).await?.ok_or(StoreError::NotFound)?;
    let tree = store.org_tree().await?;
    let top = tree
        .iter()
        .any(|(id, parent)| *id == org_id && parent.is_none());
    if kind == "dic" && top {
        return Ok(Scope::All);
    }
    Ok(Scope::Orgs(canhgac_domain::access::descendants(
        org_id, &tree,
    )))
}

/// The name printed at a report's top: the organisation's (the DIC's for the province).
async fn issuer(store: &Store, scope: &Scope, org_id: Option<i64>) -> Result<String, StoreError> {
    let id = match (org_id, scope) {
        (Some(id), _) => Some(id),
        (None, Scope::All) => store.dic_org().await?,
        (None, Scope::Orgs(set)) => set.iter().next().copied(),
    };
    Ok(match id {
        Some(id) => store.org_brief(id).await?.map(|b| b.1).unwrap_or_default(),
        None => String::new(),
    })
}

fn total_of(orgs: &[OrgFigures]) -> OrgFigures {
    let mut t = OrgFigures::default();
    for o in orgs {
        t.add(o);
    }
    t
}

fn line(label: &str, v: impl ToString) -> Vec<String> {
    vec![label.to_string(), v.to_string()]
}

fn section(
    heading: String,
    short: &str,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    widths: &[f32],
) -> Section {
    Section {
        heading,
        short: short.to_string(),
        header,
        rows,
        widths: widths.to_vec(),
        links: Vec::new(),
    }
}

impl Section {
    fn linked(mut self, links: Vec<Option<String>>) -> Section {
        self.links = links;
        self
    }
}

fn org_links(orgs: &[OrgFigures]) -> Vec<Option<String>> {
    orgs.iter()
        .map(|o| (o.org_id != 0).then(|| format!("/orgs/{}", o.org_id)))
        .collect()
}

/// An organisation's code; the row of what no organisation claims in words.
fn org_code(l: Lang, o: &OrgFigures) -> String {
    if o.org_id == 0 {
        l.t("(chưa rõ đơn vị)", "(no organisation)").into()
    } else {
        o.code.clone()
    }
}

fn stage_label(l: Lang, s: &str) -> String {
    Stage::parse(s).map_or_else(
        || s.to_string(),
        |s| l.t(s.label_vi(), s.label_en()).to_string(),
    )
}

fn gravity_label(l: Lang, g: &str) -> String {
    Gravity::parse(g).map_or_else(
        || g.to_string(),
        |g| l.t(g.label_vi(), g.label_en()).to_string(),
    )
}

/// The sections shared by the monthly report and the period summary.
fn sections(
    l: Lang,
    t: &OrgFigures,
    orgs: &[OrgFigures],
    incidents: &[(i64, String, String, String, String, i64)],
    range: &Range,
) -> Vec<Section> {
    let fig = vec![
        l.t("Chỉ tiêu", "Figure").to_string(),
        l.t("Số liệu", "Value").to_string(),
    ];
    let w2 = [0.7, 0.3];
    let mut out = vec![
        section(
            l.t("I. CẢNH BÁO AN TOÀN THÔNG TIN", "I. SECURITY ALERTS")
                .into(),
            l.t("Cảnh báo", "Alerts"),
            fig.clone(),
            vec![
                line(l.t("Cảnh báo mới", "New alerts"), t.alerts),
                line(l.t("— Nghiêm trọng", "— Critical"), t.alerts_critical),
                line(l.t("— Cao", "— High"), t.alerts_high),
                line(l.t("— Trung bình", "— Medium"), t.alerts_medium),
                line(l.t("— Thấp", "— Low"), t.alerts_low),
                line(l.t("— Thông tin", "— Info"), t.alerts_info),
                line(l.t("Đã được tiếp nhận", "Taken up"), t.alerts_taken_up),
                line(
                    l.t("Tiếp nhận đúng hạn", "Taken up in time"),
                    t.alerts_taken_in_time,
                ),
                line(
                    l.t("Tỷ lệ tiếp nhận đúng hạn", "Share taken up in time"),
                    ratio(t.alerts_taken_in_time, t.alerts),
                ),
                line(l.t("Đã xử lý xong", "Resolved"), t.alerts_resolved),
                line(
                    l.t("Cảnh báo nhầm", "False positives"),
                    t.alerts_false_positive,
                ),
            ],
            &w2,
        ),
        section(
            l.t("II. SỰ CỐ AN TOÀN THÔNG TIN MẠNG", "II. INCIDENTS")
                .into(),
            l.t("Sự cố", "Incidents"),
            fig.clone(),
            vec![
                line(l.t("Sự cố phát hiện", "Incidents detected"), t.incidents),
                line(l.t("Đã khôi phục", "Restored"), t.incidents_restored),
                line(
                    l.t("Báo cáo sự cố đã gửi", "Incident reports sent"),
                    t.incident_reports_sent,
                ),
            ],
            &w2,
        ),
        section(
            l.t("Danh sách sự cố", "Incidents detected").into(),
            l.t("Danh sách sự cố", "Incident list"),
            vec![
                l.t("Số", "No.").into(),
                l.t("Đơn vị", "Organisation").into(),
                l.t("Tên sự cố", "Title").into(),
                l.t("Mức độ", "Gravity").into(),
                l.t("Giai đoạn", "Stage").into(),
                l.t("Phát hiện lúc", "Detected").into(),
            ],
            incidents
                .iter()
                .map(|(id, code, title, g, s, at)| {
                    vec![
                        format!("#{id}"),
                        code.clone(),
                        title.clone(),
                        gravity_label(l, g),
                        stage_label(l, s),
                        fmt_datetime(*at),
                    ]
                })
                .collect(),
            &[0.08, 0.12, 0.36, 0.14, 0.14, 0.16],
        )
        .linked(
            incidents
                .iter()
                .map(|i| Some(format!("/incidents/{}", i.0)))
                .collect(),
        ),
        section(
            l.t("III. SĂN LÙNG, XỬ LÝ IP BOTNET", "III. BOTNET HUNTING")
                .into(),
            "Botnet",
            fig.clone(),
            vec![
                line(
                    l.t(
                        "Địa chỉ thuộc đơn vị trong danh sách Botnet",
                        "Addresses of the organisations on the Botnet lists",
                    ),
                    t.botnet_findings,
                ),
                line(l.t("Đã xử lý", "Cleaned up"), t.botnet_cleaned),
                line(
                    l.t("Tỷ lệ đã xử lý", "Share cleaned up"),
                    ratio(t.botnet_cleaned, t.botnet_findings),
                ),
            ],
            &w2,
        ),
        section(
            l.t("IV. CẬP NHẬT BẢN VÁ THEO CẢNH BÁO", "IV. PATCHING")
                .into(),
            l.t("Bản vá", "Patching"),
            fig.clone(),
            vec![
                line(
                    l.t("Máy chủ, máy trạm đăng ký", "Hosts registered"),
                    t.hosts,
                ),
                line(
                    l.t(
                        "Máy còn bản vá tồn đọng (cuối kỳ)",
                        "Hosts with a patch outstanding (end of period)",
                    ),
                    t.hosts_to_patch,
                ),
                line(
                    l.t("Tỷ lệ tuân thủ", "Compliance"),
                    super::percent(t.hosts - t.hosts_to_patch, t.hosts),
                ),
                line(
                    l.t(
                        "Nhiệm vụ vá hoàn thành trong kỳ",
                        "Patch tasks completed in the period",
                    ),
                    t.patch_closed,
                ),
                line(
                    l.t(
                        "Nhiệm vụ vá quá hạn (cuối kỳ)",
                        "Patch tasks overdue (end of period)",
                    ),
                    t.patch_overdue,
                ),
            ],
            &w2,
        ),
        section(
            l.t("V. THỰC HIỆN VĂN BẢN CHỈ ĐẠO", "V. DIRECTIVES").into(),
            l.t("Văn bản chỉ đạo", "Directives"),
            fig.clone(),
            vec![
                line(
                    l.t("Nhiệm vụ đến hạn trong kỳ", "Items due in the period"),
                    t.directive_due,
                ),
                line(
                    l.t("Hoàn thành đúng hạn", "Done in time"),
                    t.directive_done_in_time,
                ),
                line(
                    l.t("Tỷ lệ đúng hạn", "Share done in time"),
                    ratio(t.directive_done_in_time, t.directive_due),
                ),
            ],
            &w2,
        ),
        section(
            l.t(
                "VI. TRỰC, TIẾP NHẬN VÀ BÁO CÁO",
                "VI. DUTY, INTAKE AND REPORTING",
            )
            .into(),
            l.t("Trực và báo cáo", "Duty"),
            fig.clone(),
            vec![
                line(l.t("Ca trực", "Duty shifts"), t.shifts),
                line(
                    l.t("Ca trực chưa bố trí người", "Shifts with nobody on them"),
                    t.shifts_unstaffed,
                ),
                line(
                    l.t("Số ngày trong kỳ", "Days in the period"),
                    range.day_count,
                ),
                line(
                    l.t(
                        "Ngày có báo cáo trực (cộng các đơn vị)",
                        "Days with a duty report (all organisations)",
                    ),
                    t.report_days,
                ),
                line(
                    l.t(
                        "Cảnh báo từ nền tảng quốc gia",
                        "National-platform alerts received",
                    ),
                    t.platform_alerts,
                ),
            ],
            &w2,
        ),
    ];
    if orgs.iter().any(|o| o.kind == "telecom") || t.spam_reports + t.attacks > 0 {
        out.push(section(
            l.t(
                "VII. VIỄN THÔNG: TIN RÁC, LỪA ĐẢO VÀ TẤN CÔNG MẠNG",
                "VII. TELECOMS: SPAM, FRAUD AND NETWORK ATTACKS",
            )
            .into(),
            l.t("Viễn thông", "Telecoms"),
            fig,
            vec![
                line(
                    l.t(
                        "Phản ánh tin rác, lừa đảo nhận được",
                        "Spam and fraud reports received",
                    ),
                    t.spam_reports,
                ),
                line(
                    l.t("Vụ việc đã xử lý xong", "Cases closed"),
                    t.spam_cases_closed,
                ),
                line(
                    l.t(
                        "Tấn công mạng phát hiện từ dữ liệu luồng",
                        "Network attacks seen in flow data",
                    ),
                    t.attacks,
                ),
            ],
            &w2,
        ));
    }
    out.push(
        section(
            l.t("SỐ LIỆU THEO ĐƠN VỊ", "BY ORGANISATION").into(),
            l.t("Theo đơn vị", "By organisation"),
            vec![
                l.t("Đơn vị", "Organisation").into(),
                l.t("Cảnh báo", "Alerts").into(),
                l.t("Tiếp nhận đúng hạn", "Taken up in time").into(),
                l.t("Sự cố", "Incidents").into(),
                l.t("Botnet phát hiện", "Botnet found").into(),
                l.t("Botnet đã xử lý", "Botnet cleaned").into(),
                l.t("Tuân thủ bản vá", "Patch compliance").into(),
                l.t("Văn bản đến hạn", "Items due").into(),
                l.t("Đúng hạn", "In time").into(),
                l.t("Ngày có báo cáo", "Days reported").into(),
            ],
            orgs.iter()
                .map(|o| {
                    vec![
                        org_code(l, o),
                        o.alerts.to_string(),
                        o.alerts_taken_in_time.to_string(),
                        o.incidents.to_string(),
                        o.botnet_findings.to_string(),
                        o.botnet_cleaned.to_string(),
                        super::percent(o.hosts - o.hosts_to_patch, o.hosts),
                        o.directive_due.to_string(),
                        o.directive_done_in_time.to_string(),
                        o.report_days.to_string(),
                    ]
                })
                .collect(),
            &[0.16, 0.09, 0.1, 0.08, 0.09, 0.09, 0.1, 0.09, 0.09, 0.11],
        )
        .linked(org_links(orgs)),
    );
    out
}

fn summary(l: Lang, what: &str, t: &OrgFigures) -> Vec<String> {
    match l {
        Lang::Vi => vec![
            format!(
                "{what}, hệ thống ghi nhận {} cảnh báo mới ({} nghiêm trọng, {} cao); {} cảnh báo được tiếp nhận đúng hạn ({}), {} đã xử lý xong.",
                t.alerts, t.alerts_critical, t.alerts_high, t.alerts_taken_in_time, ratio(t.alerts_taken_in_time, t.alerts), t.alerts_resolved
            ),
            format!(
                "Phát sinh {} sự cố, đã khôi phục {}; đã gửi {} báo cáo sự cố.",
                t.incidents, t.incidents_restored, t.incident_reports_sent
            ),
            format!(
                "Danh sách IP Botnet có {} địa chỉ thuộc các đơn vị, đã xử lý {} ({}). Tỷ lệ máy không còn bản vá tồn đọng: {} ({} trên {} máy còn phải vá).",
                t.botnet_findings, t.botnet_cleaned, ratio(t.botnet_cleaned, t.botnet_findings), super::percent(t.hosts - t.hosts_to_patch, t.hosts), t.hosts_to_patch, t.hosts
            ),
            format!(
                "{} nhiệm vụ theo văn bản chỉ đạo đến hạn, {} hoàn thành đúng hạn; tiếp nhận {} cảnh báo từ nền tảng quốc gia.",
                t.directive_due, t.directive_done_in_time, t.platform_alerts
            ),
        ],
        Lang::En => vec![
            format!(
                "{what}, {} new alerts were raised ({} critical, {} high); {} were taken up in time ({}), {} resolved.",
                t.alerts, t.alerts_critical, t.alerts_high, t.alerts_taken_in_time, ratio(t.alerts_taken_in_time, t.alerts), t.alerts_resolved
            ),
            format!(
                "{} incidents were detected and {} restored; {} incident reports were sent.",
                t.incidents, t.incidents_restored, t.incident_reports_sent
            ),
            format!(
                "The Botnet lists named {} addresses of the organisations, {} cleaned up ({}). Hosts with no patch outstanding: {} ({} of {} still to patch).",
                t.botnet_findings, t.botnet_cleaned, ratio(t.botnet_cleaned, t.botnet_findings), super::percent(t.hosts - t.hosts_to_patch, t.hosts), t.hosts_to_patch, t.hosts
            ),
            format!(
                "{} directive items fell due and {} were done in time; {} national-platform alerts were received.",
                t.directive_due, t.directive_done_in_time, t.platform_alerts
            ),
        ],
    }
}

/// A report with the figures it was built from (the API returns these).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Built {
    /// What it covers: `yyyy-mm`, or the period's first and last day.
    pub label: String,
    /// Start (Unix ms, inclusive).
    pub from: i64,
    /// End (Unix ms, exclusive).
    pub to: i64,
    /// Days of the range counted (up to today).
    pub days: i64,
    /// The totals over the organisations.
    pub total: OrgFigures,
    /// Per organisation in scope.
    pub orgs: Vec<OrgFigures>,
    /// The rendered document.
    #[serde(skip)]
    pub doc: Option<Doc>,
}

/// The monthly province report (an organisation's own when `scope` is one's).
pub async fn monthly(
    store: &Store,
    scope: &Scope,
    org: Option<i64>,
    month: Month,
    lang: Lang,
    now: i64,
) -> Result<Built, StoreError> {
    let range = Range::new(month.first_day(), month.last_day(), now);
    let orgs = range.figures(store, scope).await?;
    let total = total_of(&orgs);
    let incidents = store
        .incidents_between(scope, range.from, range.to, 200)
        .await?;
    let l = lang;
    let doc = Doc {
        lang,
        issuer: issuer(store, scope, org).await?,
        title: format!(
            "{} {}",
            l.t(
                "BÁO CÁO TÌNH HÌNH BẢO ĐẢM AN TOÀN THÔNG TIN MẠNG THÁNG",
                "INFORMATION SECURITY REPORT FOR"
            ),
            month.display()
        ),
        subtitle: format!(
            "{} {} {} {}",
            l.t("Từ ngày", "From"),
            month.first_day().format("%d/%m/%Y"),
            l.t("đến ngày", "to"),
            month.last_day().format("%d/%m/%Y")
        ),
        summary: summary(
            l,
            &format!("{} {}", l.t("Trong tháng", "In"), month.display()),
            &total,
        ),
        sections: sections(l, &total, &orgs, &incidents, &range),
        built_at: now,
        file_stem: format!(
            "{}-{}",
            l.t("bao-cao-thang", "monthly-report"),
            month.label()
        ),
    };
    Ok(Built {
        label: month.label(),
        from: range.from,
        to: range.to,
        days: range.day_count,
        total,
        orgs,
        doc: Some(doc),
    })
}

/// The summary of a heightened period: its days' figures and each organisation's daily reports.
pub async fn period_summary(
    store: &Store,
    scope: &Scope,
    org: Option<i64>,
    period: &PeriodRow,
    lang: Lang,
    now: i64,
) -> Result<Built, StoreError> {
    let (first, last) = period.span();
    let range = Range::new(first, last, now);
    let orgs = range.figures(store, scope).await?;
    let total = total_of(&orgs);
    let incidents = store
        .incidents_between(scope, range.from, range.to, 200)
        .await?;
    let l = lang;
    let span = format!("{} – {}", first.format("%d/%m/%Y"), last.format("%d/%m/%Y"));
    let claimed: Vec<OrgFigures> = orgs.iter().filter(|o| o.org_id != 0).cloned().collect();
    let mut secs = sections(l, &total, &orgs, &incidents, &range);
    secs.push(
        section(
            l.t(
                "BÁO CÁO NGÀY CỦA CÁC ĐƠN VỊ TRONG ĐỢT",
                "THE ORGANISATIONS' DAILY REPORTS IN THE PERIOD",
            )
            .into(),
            l.t("Báo cáo ngày", "Daily reports"),
            vec![
                l.t("Đơn vị", "Organisation").into(),
                l.t("Ngày đã báo cáo", "Days reported").into(),
                l.t("Số ngày", "Days").into(),
                l.t("Tỷ lệ", "Share").into(),
            ],
            claimed
                .iter()
                .map(|o| {
                    vec![
                        o.code.clone(),
                        o.period_report_days.to_string(),
                        range.day_count.to_string(),
                        ratio(o.period_report_days, range.day_count),
                    ]
                })
                .collect(),
            &[0.4, 0.2, 0.2, 0.2],
        )
        .linked(org_links(&claimed)),
    );
    let doc = Doc {
        lang,
        issuer: issuer(store, scope, org).await?,
        title: format!(
            "{} \u{201c}{}\u{201d}",
            l.t(
                "BÁO CÁO TỔNG HỢP ĐỢT TRỰC CAO ĐIỂM",
                "HEIGHTENED PERIOD SUMMARY"
            ),
            period.name
        ),
        subtitle: span.clone(),
        summary: summary(
            l,
            &format!(
                "{} {span}",
                l.t("Trong đợt cao điểm", "During the heightened period")
            ),
            &total,
        ),
        sections: secs,
        built_at: now,
        file_stem: format!(
            "{}-{}",
            l.t("tong-hop-dot-cao-diem", "heightened-period"),
            period.id
        ),
    };
    Ok(Built {
        label: format!("{}..{}", first, last),
        from: range.from,
        to: range.to,
        days: range.day_count,
        total,
        orgs,
        doc: Some(doc),
    })
}

/// One criterion of a scorecard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Score {
    /// Key: `alerts`, `patching`, `botnet`, `directives`, `reports`.
    pub key: String,
    /// Met.
    pub done: i64,
    /// Out of.
    pub total: i64,
    /// Per cent, none when there was nothing to count.
    pub pct: Option<i64>,
}

/// An organisation's scorecard for a month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scorecard {
    /// The figures it is scored on.
    pub figures: OrgFigures,
    /// The criteria.
    pub scores: Vec<Score>,
    /// The mean of the criteria that had something to count, per cent.
    pub overall: Option<i64>,
}

const CRITERIA: [(&str, &str, &str); 5] = [
    (
        "alerts",
        "Cảnh báo được tiếp nhận đúng hạn",
        "Alerts taken up in time",
    ),
    (
        "patching",
        "Máy không còn bản vá tồn đọng",
        "Hosts with no patch outstanding",
    ),
    (
        "botnet",
        "Địa chỉ Botnet đã xử lý",
        "Botnet addresses cleaned up",
    ),
    (
        "directives",
        "Nhiệm vụ chỉ đạo hoàn thành đúng hạn",
        "Directive items done in time",
    ),
    ("reports", "Ngày có báo cáo trực", "Days with a duty report"),
];

/// The DIC reports every day (its daily duty report); the organisations right below it on the
/// days of a heightened period (the period's daily report); those further down are not asked.
fn score(o: &OrgFigures, range: &Range) -> Scorecard {
    let reports = if o.kind == "dic" {
        (o.report_days.min(range.day_count), range.day_count)
    } else if o.files_period_reports {
        (
            o.period_report_days.min(range.period_days),
            range.period_days,
        )
    } else {
        (0, 0)
    };
    let pairs = [
        (o.alerts_taken_in_time, o.alerts),
        (o.hosts - o.hosts_to_patch, o.hosts),
        (o.botnet_cleaned, o.botnet_findings),
        (o.directive_done_in_time, o.directive_due),
        reports,
    ];
    let scores: Vec<Score> = CRITERIA
        .iter()
        .zip(pairs)
        .map(|((k, ..), (done, total))| Score {
            key: (*k).into(),
            done,
            total,
            pct: (total > 0).then(|| done * 100 / total),
        })
        .collect();
    let counted: Vec<i64> = scores.iter().filter_map(|s| s.pct).collect();
    let overall = (!counted.is_empty()).then(|| counted.iter().sum::<i64>() / counted.len() as i64);
    Scorecard {
        figures: o.clone(),
        scores,
        overall,
    }
}

/// The scorecards of the organisations in scope for a month, best first, and the document: one
/// organisation's criteria in full, or a table of all.
pub async fn scorecards(
    store: &Store,
    scope: &Scope,
    org: Option<i64>,
    month: Month,
    lang: Lang,
    now: i64,
) -> Result<(Vec<Scorecard>, Doc), StoreError> {
    let range =
        Range::new(month.first_day(), month.last_day(), now).with_periods(&store.periods().await?);
    let orgs = range.figures(store, scope).await?;
    let mut cards: Vec<Scorecard> = orgs
        .iter()
        .filter(|o| o.org_id != 0)
        .map(|o| score(o, &range))
        .collect();
    cards.sort_by(|a, b| {
        b.overall
            .unwrap_or(-1)
            .cmp(&a.overall.unwrap_or(-1))
            .then(a.figures.code.cmp(&b.figures.code))
    });
    let l = lang;
    let pct = |p: Option<i64>| {
        p.map_or_else(
            || l.t("không phát sinh", "nothing to count").to_string(),
            |p| format!("{p}%"),
        )
    };
    let mut sections = Vec::new();
    if let [one] = cards.as_slice() {
        sections.push(section(
            format!("{} — {}", one.figures.code, one.figures.name),
            l.t("Tiêu chí", "Criteria"),
            vec![
                l.t("Tiêu chí", "Criterion").into(),
                l.t("Đạt", "Met").into(),
                l.t("Tổng", "Out of").into(),
                l.t("Tỷ lệ", "Share").into(),
            ],
            CRITERIA
                .iter()
                .zip(&one.scores)
                .map(|((_, vi, en), s)| {
                    vec![
                        l.t(vi, en).to_string(),
                        s.done.to_string(),
                        s.total.to_string(),
                        pct(s.pct),
                    ]
                })
                .chain(std::iter::once(vec![
                    l.t("Điểm chung", "Overall").to_string(),
                    String::new(),
                    String::new(),
                    pct(one.overall),
                ]))
                .collect(),
            &[0.5, 0.15, 0.15, 0.2],
        ));
    }
    let mut header: Vec<String> = vec![l.t("Đơn vị", "Organisation").into()];
    header.extend(CRITERIA.iter().map(|(_, vi, en)| l.t(vi, en).to_string()));
    header.push(l.t("Điểm chung", "Overall").into());
    sections.push(
        section(
            l.t("BẢNG ĐIỂM CÁC ĐƠN VỊ", "SCORECARDS").into(),
            l.t("Bảng điểm", "Scorecards"),
            header,
            cards
                .iter()
                .map(|c| {
                    let mut r = vec![c.figures.code.clone()];
                    r.extend(c.scores.iter().map(|s| pct(s.pct)));
                    r.push(pct(c.overall));
                    r
                })
                .collect(),
            &[0.16, 0.14, 0.14, 0.14, 0.14, 0.14, 0.14],
        )
        .linked(
            cards
                .iter()
                .map(|c| Some(format!("/orgs/{}", c.figures.org_id)))
                .collect(),
        ),
    );
    let summary = match l {
        Lang::Vi => vec![format!(
            "Điểm của mỗi đơn vị là trung bình các tiêu chí có phát sinh trong tháng {}: cảnh báo tiếp nhận đúng hạn (nghiêm trọng 15 phút, cao 30 phút, trung bình 4 giờ, thấp và thông tin 24 giờ), tỷ lệ máy không còn bản vá tồn đọng cuối tháng, địa chỉ Botnet đã xử lý, nhiệm vụ chỉ đạo hoàn thành đúng hạn, ngày có báo cáo trực (Sở TTTT: {} ngày đã qua của tháng; các đơn vị khác: {} ngày cao điểm).",
            month.display(), range.day_count, range.period_days
        )],
        Lang::En => vec![format!(
            "Each organisation's score is the mean of the criteria that arose in {}: alerts taken up in time (critical 15 minutes, high 30, medium 4 hours, low and info 24 hours), hosts with no patch outstanding at the month's end, Botnet addresses cleaned up, directive items done in time, days with a duty report (the DIC: {} days of the month so far; the others: {} days of heightened periods).",
            month.display(), range.day_count, range.period_days
        )],
    };
    let doc = Doc {
        lang,
        issuer: issuer(store, scope, org).await?,
        title: format!(
            "{} {}",
            l.t(
                "BẢNG ĐIỂM AN TOÀN THÔNG TIN CÁC ĐƠN VỊ THÁNG",
                "ORGANISATION SCORECARDS FOR"
            ),
            month.display()
        ),
        subtitle: format!(
            "{} {} {} {}",
            l.t("Từ ngày", "From"),
            month.first_day().format("%d/%m/%Y"),
            l.t("đến ngày", "to"),
            month.last_day().format("%d/%m/%Y")
        ),
        summary,
        sections,
        built_at: now,
        file_stem: format!("{}-{}", l.t("bang-diem", "scorecards"), month.label()),
    };
    Ok((cards, doc))
}

/// The criteria's words, in order.
pub fn criteria() -> &'static [(&'static str, &'static str, &'static str)] {
    &CRITERIA
}
