//! The demo province's directives: dispatch 737/STTTT-BCVTCNTT itself — items 1a–1d to every
//! provincial agency and district, 2a–2d to the telecom operators, clause 3's contact points (the
//! incident-report contacts) on its page — issued ten days before the demo starts, with due
//! dates around the start so that some items are late, some due within two days (reminded) and
//! most ahead. About half of the recipients reported items done with evidence, some only
//! acknowledged, the rest have not answered. The original file is the dispatch's text rendered
//! as a PDF, marked as a rendering.

use canhgac_domain::duty::local_date;
use canhgac_domain::time::now_ms;
use canhgac_domain::work::WorkEvent;
use canhgac_domain::Scope;
use canhgac_ops::directives::{issue, remind, DirectiveForm};
use canhgac_pdf::{Document, Weight};
use canhgac_store::{Actor, Store};

/// The dispatch's items: number, audience, days from the demo's start to the due day, text.
const ITEMS: &[(&str, &str, i64, &str)] = &[
    ("1a", "so-nganh, huyen", -2, "Củng cố và ưu tiên nguồn lực, nhân lực cho nhiệm vụ ứng trực, giám sát 24/7; chủ động theo dõi thường xuyên, liên tục các hệ thống giám sát an toàn thông tin tập trung, hệ thống phòng, chống mã độc tập trung đảm bảo phát hiện, xử lý, khắc phục kịp thời tấn công mạng, cảnh báo mã độc được xác minh."),
    ("1b", "so-nganh, huyen", 5, "Kiểm tra, cập nhật đầy đủ các bản vá an toàn thông tin cho hệ thống thông tin theo cảnh báo của Cục An toàn thông tin và các cơ quan, tổ chức liên quan."),
    ("1c", "so-nganh, huyen", 12, "Rà soát, kiểm tra, đánh giá, khắc phục các lỗ hổng bảo mật; săn lùng mối nguy hại và bóc gỡ phần mềm độc hại cho toàn bộ máy chủ, máy trạm (ưu tiên các hệ thống có địa chỉ IP trong Danh sách IP mạng Botnet); thường trực tiếp nhận và xử lý cảnh báo qua Nền tảng Điều phối xử lý sự cố an toàn thông tin mạng quốc gia (IRlab.vn)."),
    ("1d", "so-nganh, huyen", 1, "Sẵn sàng triển khai kế hoạch ứng phó, xử lý sự cố tấn công mạng và nhanh chóng khôi phục hoạt động bình thường của hệ thống thông tin khi xảy ra sự cố."),
    ("2a", "vien-thong", -1, "Tăng cường nguồn nhân lực, phân công nhân lực trực giám sát, hỗ trợ và khắc phục sự cố bảo đảm hạ tầng viễn thông, Internet an toàn, thông suốt."),
    ("2b", "vien-thong", 7, "Rà soát, triển khai đầy đủ các biện pháp bảo vệ, bảo đảm phát hiện sớm và kịp thời ngăn chặn hoạt động tấn công mạng, phát tán thông tin xấu độc, thông tin vi phạm pháp luật trên hệ thống, hạ tầng mạng lưới, nền tảng số thuộc phạm vi quản lý."),
    ("2c", "vien-thong", 3, "Tăng cường theo dõi, xử lý các phản ánh của người dùng về tin nhắn rác, cuộc gọi rác, đặc biệt là tin nhắn, cuộc gọi lừa đảo qua hệ thống tiếp nhận phản ánh do Bộ TT&TT (Cục An toàn thông tin) chia sẻ; xử lý triệt để các trường hợp người dùng phản ánh."),
    ("2d", "vien-thong", 14, "Thực hiện nghiêm và kịp thời các biện pháp xử lý theo yêu cầu của Bộ TT&TT (Cục An toàn thông tin) và cơ quan chức năng có thẩm quyền."),
];

const TITLE: &str = "Tăng cường công tác bảo đảm an toàn thông tin mạng trong thời gian nghỉ lễ";

fn letter_pdf(date: &str) -> anyhow::Result<Vec<u8>> {
    let mut d = Document::new("737/STTTT-BCVTCNTT").map_err(|e| anyhow::anyhow!("{e}"))?;
    d.centered(
        "UBND TỈNH LAI CHÂU — SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        10.0,
        Weight::Bold,
    );
    d.centered(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc",
        10.0,
        Weight::Bold,
    );
    d.gap(8.0);
    d.centered(
        &format!("Số: 737/STTTT-BCVTCNTT — Lai Châu, ngày {date}"),
        10.0,
        Weight::Regular,
    );
    d.centered(&format!("V/v {TITLE}"), 11.0, Weight::Bold);
    d.paragraph("(Bản dựng lại từ nội dung công văn cho dữ liệu mẫu; ngày tháng tính từ ngày chạy bản trình diễn.)", 8.0, Weight::Regular, 0.0);
    d.gap(6.0);
    d.paragraph("Kính gửi: Các Sở, ban, ngành tỉnh; UBND các huyện, thành phố; Các doanh nghiệp Viễn thông.", 10.0, Weight::Regular, 0.0);
    d.paragraph(
        "1. Tăng cường triển khai hoạt động bảo đảm an toàn thông tin mạng:",
        10.0,
        Weight::Bold,
        0.0,
    );
    for (code, _, _, text) in ITEMS.iter().filter(|i| i.0.starts_with('1')) {
        d.paragraph(
            &format!("{}) {text}", &code[1..]),
            10.0,
            Weight::Regular,
            14.0,
        );
    }
    d.paragraph(
        "2. Các doanh nghiệp cung cấp dịch vụ viễn thông, Internet:",
        10.0,
        Weight::Bold,
        0.0,
    );
    for (code, _, _, text) in ITEMS.iter().filter(|i| i.0.starts_with('2')) {
        d.paragraph(
            &format!("{}) {text}", &code[1..]),
            10.0,
            Weight::Regular,
            14.0,
        );
    }
    d.paragraph("3. Trong trường hợp cần hỗ trợ giám sát, xử lý, ứng cứu sự cố đề nghị liên hệ: VNCERT/CC — 024.3640.4421, đường dây nóng 086.9100.317, ir@vncert.vn; NCSC — 02432091616, đường dây nóng 0389942878, ais@mic.gov.vn; Phòng Bưu chính - Viễn thông - CNTT, Sở TT&TT — 02133798798.", 10.0, Weight::Regular, 0.0);
    d.gap(10.0);
    d.paragraph("GIÁM ĐỐC", 10.0, Weight::Bold, 300.0);
    Ok(d.finish())
}

/// A stable choice per recipient and item: 0–9.
fn dice(org: &str, item: &str) -> u64 {
    org.bytes()
        .chain(item.bytes())
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 10
}

/// Seeds the dispatch (once). Returns how many tasks it made.
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    let all = Scope::All;
    if !store.directives(&all).await?.is_empty() {
        return Ok(0);
    }
    let codes = store.org_codes().await?;
    let Some(dic) = codes.get("STTTT").copied() else {
        return Ok(0);
    };
    let today = local_date(now_ms());
    let day = |n: i64| {
        (today + chrono::Duration::days(n))
            .format("%d/%m/%Y")
            .to_string()
    };
    let items = ITEMS
        .iter()
        .map(|(c, a, d, t)| format!("{c} | {a} | {} | {t}", day(*d)))
        .collect::<Vec<_>>()
        .join("\n");
    let issued = day(-10);
    let form = DirectiveForm {
        number: "737/STTTT-BCVTCNTT".into(),
        issued_on: issued.clone(),
        issuer: "Giám đốc Sở Thông tin và Truyền thông".into(),
        title: TITLE.into(),
        summary: "Đề nghị các cơ quan, tổ chức, doanh nghiệp tăng cường bảo đảm an toàn thông tin mạng cho các hệ thống thuộc phạm vi quản lý trong dịp nghỉ lễ; mục 3 nêu các đầu mối hỗ trợ ứng cứu sự cố.".into(),
        items,
        file: Some(("737-STTTT-BCVTCNTT.pdf".into(), letter_pdf(&issued)?)),
    };
    let id = issue(store, &all, &Actor::system("demo"), dic, &form).await?;
    let tasks = store.directive_tasks(&all, id).await?;
    let items = store.directive_items(&all, id).await?;
    let now = now_ms();
    for t in &tasks {
        let Some(it) = items.iter().find(|i| i.id == t.item_id) else {
            continue;
        };
        let roll = dice(&t.org_code, &it.code);
        // Before the due date most answer; after it, fewer did.
        let (done, acked) = if it.due_at < now {
            (roll < 6, roll < 8)
        } else {
            (roll < 4, roll < 7)
        };
        if !acked {
            continue;
        }
        let person = store.duty_people(&all, t.org_id).await?.into_iter().next();
        let actor = match &person {
            Some(p) => Actor {
                user_id: Some(p.id),
                email: p.email.clone(),
            },
            None => Actor::system("demo"),
        };
        store
            .apply_work_event(
                &all,
                &actor,
                t.work_item_id,
                &WorkEvent::Start,
                Some("Đã tiếp nhận văn bản"),
                None,
            )
            .await?;
        if done {
            let (note, evidence) = match it.code.as_str() {
                "1a" | "2a" => ("Đã bố trí lịch trực 24/7 trong dịp nghỉ lễ, phân công cán bộ theo dõi hệ thống giám sát và phòng, chống mã độc tập trung.", "Lịch trực kèm theo; quyết định phân công trực"),
                "1b" => ("Đã rà soát và cập nhật bản vá theo cảnh báo của Cục An toàn thông tin cho toàn bộ máy chủ.", "Báo cáo kiểm kê phần mềm sau cập nhật"),
                "1c" => ("Đã rà quét lỗ hổng, săn lùng mã độc trên các máy có địa chỉ trong Danh sách IP Botnet; không còn phát hiện.", "Kết quả rà quét; biên bản bóc gỡ"),
                "2c" => ("Đã tiếp nhận và xử lý các phản ánh tin nhắn rác, cuộc gọi lừa đảo; chặn các số vi phạm.", "Bảng tổng hợp phản ánh đã xử lý"),
                _ => ("Đã triển khai theo yêu cầu.", "Báo cáo kết quả thực hiện"),
            };
            if roll == 0 {
                let file = format!(
                    "Đơn vị;Nội dung;Kết quả\n{};{};Đã hoàn thành\n",
                    t.org_code, it.code
                );
                store
                    .add_directive_evidence(
                        &all,
                        &actor,
                        t.work_item_id,
                        &format!("minh-chung-{}-{}.csv", t.org_code, it.code),
                        file.as_bytes(),
                    )
                    .await?;
            }
            store
                .apply_work_event(
                    &all,
                    &actor,
                    t.work_item_id,
                    &WorkEvent::ReportDone,
                    Some(note),
                    Some(evidence),
                )
                .await?;
        }
    }
    // The reminders that would have gone out by now (no mail server in the demo).
    remind(store, None, now).await?;
    Ok(tasks.len())
}
