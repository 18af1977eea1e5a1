//! Messages classified (and parsed) per second on one core: `cargo bench -p canhgac-spam`.
//! The messages are the report-shaped sentences below, varied by number so that no two are the
//! same; a real report's message is about this long (60–200 characters).

use std::time::Instant;

const TEXTS: [&str; 8] = [
    "[VCB] Tai khoan cua Quy khach da bi tam khoa do chua xac thuc sinh trac hoc. Truy cap vcb-sinhtrachoc.xyz de xac thuc trong 24h",
    "Chúc mừng quý khách đã trúng thưởng 500 triệu đồng từ chương trình tri ân khách hàng, liên hệ 0985931054 để nhận thưởng",
    "QC: Sieu uu dai thang 12, giam gia 50% tat ca san pham tai cua hang. Tu choi QC soan TC gui 9199",
    "Con oi toi nay me ve muon, con an com truoc nhe, nho khoa cua",
    "3i Dang Ki Tang 88K, Nap Dau Tang 188K, Va Nhieu Uu Dai Khac. Thang Rut Cuc Nhanh. tixa1kv.Gezne.de dk",
    "Xin chào, tôi là trưởng phòng nhân sự của Công ty HVS. Công ty đang tuyển nhân viên bán thời gian, lương trả hàng ngày",
    "Dang ky thanh cong goi D3 (15.000d/3GB). Hieu luc den 21:44 30/11/2022. De huy, soan HUY D3 gui 888. CSKH 18001091",
    "DIEN LUC thong bao khach hang PE12DN0456789 co hoa don chua thanh toan, de nghi thanh toan trong 2 ngay tai evn-hoadon.top",
];

fn main() {
    let model = canhgac_spam::Model::embedded();
    let n = 400_000;
    let msgs: Vec<String> = (0..n)
        .map(|i| format!("{} {}", TEXTS[i % TEXTS.len()], i))
        .collect();
    let mut runs = Vec::new();
    let mut fraud = 0;
    for _ in 0..5 {
        let t = Instant::now();
        fraud = 0;
        for m in &msgs {
            if model.classify(m, false).label == canhgac_spam::Label::Fraud {
                fraud += 1;
            }
        }
        runs.push(n as f64 / t.elapsed().as_secs_f64());
    }
    runs.sort_by(f64::total_cmp);
    println!("classify (label, score, reasons): median {:.0} messages/s on one core ({fraud} of {n} fraud)", runs[2]);
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut s = 0.0f32;
        for m in &msgs {
            s += model.score(m);
        }
        std::hint::black_box(s);
        runs.push(n as f64 / t.elapsed().as_secs_f64());
    }
    runs.sort_by(f64::total_cmp);
    println!("score only: median {:.0} messages/s on one core", runs[2]);
    let t = Instant::now();
    let mut total = 0;
    for m in &msgs {
        total += canhgac_spam::fold(m).len();
    }
    println!(
        "fold only: {:.0} messages/s ({total} bytes)",
        n as f64 / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut total = 0;
    for m in &msgs {
        total += canhgac_spam::urls(m).len() + usize::from(canhgac_spam::phone::has_number(m));
    }
    println!(
        "links and numbers only: {:.0} messages/s ({total})",
        n as f64 / t.elapsed().as_secs_f64()
    );
    let lines: Vec<String> = (0..n)
        .map(|i| format!("s 0985 931 {:03} {}", i % 1000, TEXTS[i % TEXTS.len()]))
        .collect();
    let t = Instant::now();
    let ok = lines
        .iter()
        .filter(|l| canhgac_spam::parse(l).is_ok())
        .count();
    println!(
        "parse 5656 lines: {:.0} lines/s ({ok} of {n} parsed)",
        n as f64 / t.elapsed().as_secs_f64()
    );
}
