//! Demo spam and fraud reports for the three operators: a month of reports as people send them
//! to 5656 (sloppy syntax, old 11-digit numbers, a few that cannot be understood), a batch file
//! in the Ministry system's columns per operator, campaigns that hop between senders, cases
//! handled to closure (some linked to dispatch 737's items for operators), a few overdue,
//! harmful links blocked and published into the threat lists; and a live trickle of reports.
//! Everything goes through `ops::spam`, the paths real reports take.

use crate::Dice;
use anyhow::{Context, Result};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_ops::spam::{self as sp, Analyser, ColumnMap};
use canhgac_store::{Actor, NewSpamReport, SpamImportMeta, Store};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// The operators, their share of reports and the person who handles them.
const OPERATORS: [(&str, usize, &str); 3] = [
    ("VIETTEL", 5, "soc@viettel-laichau.vn"),
    ("VNPT", 3, "noc@vnpt-laichau.vn"),
    ("MOBIFONE", 2, "noc@mobifone-laichau.vn"),
];

/// Fraud campaigns: text with `{u}` (a link), `{n}` (a name), `{a}` (an amount), and the links
/// they use.
const FRAUD: [(&str, &[&str]); 8] = [
    ("Vietcombank thong bao: tai khoan cua quy khach {n} se bi tam khoa do chua cap nhat sinh trac hoc. Vui long truy cap {u} de xac thuc truoc 17h hom nay.", &["vcb-xacthuc.xyz", "vietcombank-sinhtrac.top"]),
    ("[VNeID] Tai khoan dinh danh dien tu cua ban sap het han. Cap nhat ngay tai {u} de tranh bi khoa, ho tro: 0888{a}", &["vneid-capnhat.com", "dichvucong-vneid.online"]),
    ("Cong an TP thong bao: ong/ba {n} lien quan vu an rua tien, yeu cau ket noi video tai {u} de lam viec, khong chap hanh se bi bat tam giam.", &["congan-tructuyen.site"]),
    ("Chuc mung thue bao {n} trung thuong xe SH 150i tu chuong trinh tri an khach hang. Nhan thuong tai {u}, phi ho so {a}000d.", &["viettel-trian.club", "tri-an-khach-hang.shop"]),
    ("Cuc Thue: ho so hoan thue TNCN cua ban da duoc duyet {a}.000d. Dang nhap {u} de nhan tien trong 24h.", &["thuedientu-hoanthue.xyz"]),
    ("EVN thong bao ban duoc hoan {a}.000d tien dien do tinh sai gia. Lien ket tai khoan tai {u} de nhan lai.", &["evn-hoantien.online"]),
    ("Tuyen CTV lam viec online tren TikTok, luong {a}0k-2tr/ngay, khong can kinh nghiem. Lien he Zalo qua {u}", &["tiktok-viec-lam.shop", "t.me/vieclam24h_vn"]),
    ("BHXH Viet Nam: so BHXH cua {n} chua dong bo, se bi dung huong. Cap nhat tai {u}", &["bhxh-dongbo.site"]),
];

/// Advertising (spam that is not fraud).
const ADS: [&str; 5] = [
    "QC: Du an can ho cao cap ven song, chi tu {a}0 trieu nhan nha ngay, chiet khau 12%. LH 0912{a}88. Tu choi QC soan TC gui 789",
    "Vay tien nhanh khong the chap, giai ngan trong 30 phut, lai suat 0% thang dau. Goi ngay 0867{a}55",
    "Khuyen mai lon: tang 50% gia tri the nap hom nay! Dang ky goi cuoc data 4G chi {a}k/thang",
    "QC Spa Thu Ha giam 70% dich vu tri nam, tang voucher {a}0k cho khach moi. Dat lich: 0983{a}21",
    "Bat dong san Lai Chau: dat nen so do rieng gia chi {a}0 trieu/lo, ho tro vay 70%. LH ngay",
];

/// What people report that turns out to be legitimate.
const HAM: [&str; 3] = [
    "Ma OTP cua ban la {a}8. Khong chia se ma nay voi bat ky ai. Vietcombank",
    "Quy khach da nap thanh cong {a}0.000d vao thue bao. Tran trong cam on",
    "Lich tiem chung mo rong dot {a} tai tram y te xa, de nghi phu huynh dua tre den dung gio",
];

/// Calls, described by the person reporting.
const CALLS: [&str; 5] = [
    "goi tu xung cong an yeu cau chuyen tien vao tai khoan tam giu",
    "cuoc goi quang cao bat dong san lien tuc",
    "mao danh nhan vien nha mang doi khoa sim 4G",
    "goi tu xung nhan vien ngan hang de nghi nang han muc the tin dung",
    "goi moi vay tien lai suat thap nhieu lan trong ngay",
];

const NAMES: [&str; 8] = [
    "Nguyen Van Hung",
    "Tran Thi Mai",
    "Le Van Nam",
    "Pham Thi Thu",
    "Hoang Van Duc",
    "Vu Thi Lan",
    "Dang Van Son",
    "Bui Thi Hoa",
];

fn mobile(d: &mut Dice) -> String {
    let p = *d.pick(&[
        "032", "033", "035", "038", "039", "070", "076", "079", "081", "083", "085", "056", "058",
        "086", "096", "097", "098", "091", "094", "088",
    ]);
    format!("{p}{:07}", d.below(10_000_000))
}

/// As people type the number: spaced, dotted, with +84, or with the pre-2018 prefix.
fn typed(d: &mut Dice, n: &str) -> String {
    let migrated = [
        ("032", "0162"),
        ("033", "0163"),
        ("038", "0168"),
        ("070", "0120"),
        ("079", "0121"),
        ("083", "0123"),
        ("056", "0186"),
    ];
    match d.below(8) {
        0 => format!("{} {} {}", &n[..4], &n[4..7], &n[7..]),
        1 => format!("{}.{}.{}", &n[..4], &n[4..7], &n[7..]),
        2 => format!("+84{}", &n[1..]),
        3 => match migrated.iter().find(|m| n.starts_with(m.0)) {
            Some((new, old)) => format!("{old}{}", &n[new.len()..]),
            None => n.to_string(),
        },
        _ => n.to_string(),
    }
}

fn fill(d: &mut Dice, t: &str, url: &str) -> String {
    t.replace("{u}", url)
        .replace("{n}", NAMES[d.below(NAMES.len())])
        .replace("{a}", &format!("{}", 1 + d.below(9)))
}

/// A report line as a person sends it to 5656.
fn line(d: &mut Dice, kind: char, sender: &str, content: &str) -> String {
    match d.below(10) {
        0 => format!("{} {} {}", kind.to_ascii_lowercase(), sender, content),
        1 => format!("{kind}[{sender}]{content}"),
        2 => format!("{kind} ({sender})({content})"),
        3 => format!("{kind}{} [{content}]", sender.replace(' ', "")),
        _ => format!("{kind} [{sender}][{content}]"),
    }
}

/// What the month of reports is made of: a line, who reported it, when.
struct Gen {
    dice: Dice,
    /// Per fraud campaign, the numbers it is sending from (it hops to new ones).
    fraud_senders: Vec<Vec<String>>,
    ad_senders: Vec<String>,
    call_senders: Vec<String>,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        let mut dice = Dice::new(seed);
        let fraud_senders = (0..FRAUD.len())
            .map(|_| (0..3).map(|_| mobile(&mut dice)).collect())
            .collect();
        let mut ad_senders: Vec<String> = (0..6).map(|_| mobile(&mut dice)).collect();
        ad_senders.extend(["BDS-LAICHAU", "VayNhanh247", "SpaThuHa"].map(String::from));
        let call_senders = (0..10)
            .map(|_| mobile(&mut dice))
            .chain(["02438251234".to_string(), "02133876111".to_string()])
            .collect();
        Gen {
            dice,
            fraud_senders,
            ad_senders,
            call_senders,
        }
    }

    /// One report: the raw line and the reporter.
    fn one(&mut self) -> (String, String) {
        let d = &mut self.dice;
        let reporter = mobile(d);
        let roll = d.below(100);
        let raw = if roll < 2 {
            (*d.pick(&[
                "xin chao toi muon phan anh so dien thoai lam phien",
                "5656",
                "Tin nhan rac lien tuc tu sang den gio",
                "S []",
            ]))
            .to_string()
        } else if roll < 52 {
            let c = d.below(FRAUD.len());
            let (t, urls) = FRAUD[c];
            // Now and then the campaign moves to a fresh number.
            if d.below(12) == 0 {
                let n = mobile(d);
                self.fraud_senders[c].push(n);
            }
            let senders = &self.fraud_senders[c];
            let s = senders[senders.len() - 1 - d.below(senders.len().min(3))].clone();
            let url = *d.pick(urls);
            let text = fill(d, t, url);
            let s = typed(d, &s);
            line(d, 'S', &s, &text)
        } else if roll < 75 {
            let t = *d.pick(&ADS);
            let s = self.ad_senders[d.below(self.ad_senders.len())].clone();
            let text = fill(d, t, "");
            line(d, 'S', &s, &text)
        } else if roll < 80 {
            // Each legitimate message from the one who really sends it.
            let k = d.below(HAM.len());
            let text = fill(d, HAM[k], "");
            line(d, 'S', ["Vietcombank", "VIETTEL", "TYT-XA"][k], &text)
        } else {
            let s = self.call_senders[d.below(self.call_senders.len())].clone();
            let s = typed(d, &s);
            let c = CALLS[d.below(CALLS.len())];
            line(d, 'V', &s, c)
        };
        (raw, reporter)
    }
}

fn actor(email: &str) -> Actor {
    Actor {
        user_id: None,
        email: email.to_string(),
    }
}

/// Seeds a month of reports, cases, campaigns and harmful items. Returns the reports stored.
pub async fn seed(store: &Store) -> Result<usize> {
    let now = now_ms();
    let ops = store.telecom_orgs(&Scope::All).await?;
    let org = |code: &str| ops.iter().find(|o| o.1 == code).map(|o| o.0);
    let mut g = Gen::new(5656);
    let mut total = 0usize;
    // Reports of days 30 → 3 ago through 5656, weighted towards the recent days.
    let mut by_op: Vec<Vec<NewSpamReport>> = vec![Vec::new(); OPERATORS.len()];
    let an = Analyser::load(store).await?;
    let weights: usize = OPERATORS.iter().map(|o| o.1).sum();
    for i in 0..2400 {
        let (raw, reporter) = g.one();
        let age = (30.0 * (1.0 - (i as f64 / 2400.0).sqrt())) as i64;
        let at = now - (age + 3) * DAY + g.dice.below(DAY as usize) as i64;
        let mut w = g.dice.below(weights);
        let k = OPERATORS.iter().position(|o| {
            if w < o.1 {
                true
            } else {
                w -= o.1;
                false
            }
        });
        by_op[k.unwrap_or(0)].push(an.line(&raw, Some(reporter), at, None));
    }
    for ((code, _, email), reports) in OPERATORS.iter().zip(by_op) {
        let Some(o) = org(code) else { continue };
        let meta = SpamImportMeta {
            source: "5656".into(),
            ..Default::default()
        };
        let out = sp::ingest(store, &Scope::All, &actor(email), o, &meta, &reports)
            .await
            .with_context(|| format!("seeding {code}'s reports"))?;
        total += out.rows as usize;
    }
    // Each operator's batch file from the Ministry system (its own columns), of two to five days ago.
    for (n, (code, _, email)) in OPERATORS.iter().enumerate() {
        let Some(o) = org(code) else { continue };
        let mut csv = String::from(
            "STT,Mã phản ánh,Thời gian phản ánh,Thuê bao phản ánh,Loại,Nguồn gửi,Nội dung\n",
        );
        for r in 0..150 {
            let (raw, reporter) = g.one();
            let rep = canhgac_spam::parse(&raw);
            let at = canhgac_domain::time::fmt_datetime(
                now - 2 * DAY - g.dice.below(3 * DAY as usize) as i64,
            );
            let (kind, src, content) = match rep {
                Ok(rep) => (
                    if rep.kind == canhgac_spam::Kind::Call {
                        "Cuộc gọi"
                    } else {
                        "Tin nhắn"
                    },
                    rep.senders[0].raw.clone(),
                    rep.content.replace('"', "'"),
                ),
                Err(_) => ("Tin nhắn", String::new(), raw.replace('"', "'")),
            };
            csv.push_str(&format!(
                "{},BTTTT-{}-{:05},{at},{reporter},{kind},\"{src}\",\"{content}\"\n",
                r + 1,
                2611 + n,
                r + 1
            ));
        }
        let file = format!("phan-anh-5656-{}.csv", code.to_lowercase());
        let out = sp::import_file(
            store,
            &Scope::All,
            &actor(email),
            o,
            csv.as_bytes(),
            &file,
            ColumnMap::default(),
            now,
        )
        .await
        .map_err(|e| anyhow::anyhow!("seeding {code}'s batch file: {e:?}"))?;
        total += out.rows as usize;
    }
    // Harmful links found in the reports, blocked or taken down.
    let mut n = 0usize;
    for (k, (_, urls)) in FRAUD.iter().enumerate() {
        for (j, u) in urls.iter().enumerate() {
            let (code, _, email) = OPERATORS[(k + j) % OPERATORS.len()];
            let Some(o) = org(code) else { continue };
            let a = actor(email);
            let kind = if u.starts_with("t.me") {
                "account"
            } else {
                "domain"
            };
            let cat = if k == 6 { "fraud" } else { "phishing" };
            let at = now - (4 + (k as i64 % 5)) * DAY;
            let id = sp::add_harmful(
                store,
                &Scope::All,
                &a,
                o,
                kind,
                u,
                cat,
                "Phản ánh của người dùng qua 5656",
                "Đường link xuất hiện trong nhiều phản ánh lừa đảo.",
                None,
                at,
            )
            .await?;
            n += 1;
            match (k + j) % 4 {
                0 => {
                    if kind == "account" {
                        sp::transition(
                            store,
                            &Scope::All,
                            &a,
                            id,
                            "takedown",
                            "Đã gửi yêu cầu gỡ bỏ tài khoản tới nền tảng Telegram.",
                        )
                        .await?;
                    } else {
                        sp::transition(
                            store,
                            &Scope::All,
                            &a,
                            id,
                            "blocked",
                            "Đã chặn phân giải tên miền trên hệ thống DNS của nhà mạng (RPZ).",
                        )
                        .await?;
                        sp::transition(store, &Scope::All, &a, id, "confirmed", "Kiểm tra lại từ thuê bao thử nghiệm: tên miền không còn truy cập được.").await?;
                    }
                }
                1 | 2 if kind != "account" => {
                    sp::transition(
                        store,
                        &Scope::All,
                        &a,
                        id,
                        "blocked",
                        "Đã chặn phân giải tên miền trên hệ thống DNS của nhà mạng (RPZ).",
                    )
                    .await?;
                }
                _ => {}
            }
        }
    }
    let dic = Actor::system("demo");
    sp::publish(store, &Scope::All, &dic, now)
        .await
        .map_err(|e| anyhow::anyhow!("publishing the harmful list: {e:?}"))?;
    // The last three days through 5656, after the list was published (their links are listed).
    let an = Analyser::load(store).await?;
    let mut by_op: Vec<Vec<NewSpamReport>> = vec![Vec::new(); OPERATORS.len()];
    for i in 0..450 {
        let (raw, reporter) = g.one();
        let at = now - 3 * DAY + (i as i64 * 3 * DAY / 450) + g.dice.below(HOUR as usize) as i64;
        by_op[i % OPERATORS.len()].push(an.line(&raw, Some(reporter), at.min(now), None));
    }
    for ((code, _, email), reports) in OPERATORS.iter().zip(by_op) {
        let Some(o) = org(code) else { continue };
        let meta = SpamImportMeta {
            source: "5656".into(),
            ..Default::default()
        };
        total += sp::ingest(store, &Scope::All, &actor(email), o, &meta, &reports)
            .await?
            .rows as usize;
    }
    // Cases handled: older cases measured (fraud blocked, some referred to the police, ads
    // warned, a legitimate sender dismissed) and most of them closed; recent ones open.
    let cases = store.spam_cases(&Scope::All, Some("open"), 100_000).await?;
    for (i, c) in cases.iter().enumerate() {
        if c.opened_at > now - 20 * HOUR || i % 20 == 0 {
            continue;
        }
        let email = OPERATORS
            .iter()
            .find(|o| o.0 == c.org_code)
            .map(|o| o.2)
            .unwrap_or("soc@viettel-laichau.vn");
        let a = actor(email);
        let items = store.directive_items_for(c.org_id).await?;
        let item_2c = items.iter().find(|x| x.3 == "2c").map(|x| x.0);
        let at_ticket = format!("Phiếu xử lý {}-{:05}", c.org_code, c.id);
        match c.label.as_str() {
            "fraud" => {
                sp::act(store, &Scope::All, &a, c.id, "block_sms", "Chặn chiều đi tin nhắn của thuê bao theo phản ánh lừa đảo; đã đối chiếu nội dung với mẫu giả mạo ngân hàng, cơ quan nhà nước.", &at_ticket, item_2c).await?;
                if c.reports >= 5 {
                    sp::act(store, &Scope::All, &a, c.id, "police", "Chuyển thông tin thuê bao và nội dung lừa đảo cho Phòng An ninh mạng Công an tỉnh.", "Công văn chuyển số 12/CV-ANM", None).await?;
                }
            }
            "spam" => {
                sp::act(store, &Scope::All, &a, c.id, "warn", "Gửi cảnh báo lần 1 tới chủ thuê bao về việc gửi tin nhắn quảng cáo không có sự đồng ý của người nhận.", &at_ticket, item_2c).await?;
            }
            _ => {
                sp::act(store, &Scope::All, &a, c.id, "dismiss", "Tin nhắn dịch vụ hợp lệ (mã xác thực, thông báo giao dịch) của đơn vị có đăng ký tên định danh; người dùng phản ánh nhầm.", "", None).await?;
                continue;
            }
        }
        if i % 3 != 0 {
            store
                .close_spam_case(
                    &Scope::All,
                    &a,
                    c.id,
                    "Đã xử lý xong, không còn phản ánh mới.",
                )
                .await?;
        }
    }
    let _ = n;
    Ok(total)
}

/// New reports arriving, a few every `every`, to a random operator.
pub async fn live(store: Store, every: std::time::Duration) {
    let mut g = Gen::new(now_ms() as u64);
    loop {
        tokio::time::sleep(every).await;
        let Ok(ops) = store.telecom_orgs(&Scope::All).await else {
            continue;
        };
        let Ok(an) = Analyser::load(&store).await else {
            continue;
        };
        let (code, _, email) = OPERATORS[g.dice.below(OPERATORS.len())];
        let Some(o) = ops.iter().find(|x| x.1 == code).map(|x| x.0) else {
            continue;
        };
        let n = 1 + g.dice.below(4);
        let reports: Vec<NewSpamReport> = (0..n)
            .map(|_| {
                let (raw, reporter) = g.one();
                an.line(&raw, Some(reporter), now_ms(), None)
            })
            .collect();
        let meta = SpamImportMeta {
            source: "5656".into(),
            ..Default::default()
        };
        if let Err(e) = sp::ingest(&store, &Scope::All, &actor(email), o, &meta, &reports).await {
            tracing::warn!("demo spam reports: {e}");
        }
    }
}
