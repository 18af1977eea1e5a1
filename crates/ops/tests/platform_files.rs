//! National-platform alert files that do not read: an XLSX export with a bad row, a file that
//! is not a workbook at all, an XLSX attached to an alert e-mail — each refused whole, with the
//! file, the attachment and the row named.
#![allow(clippy::unwrap_used)]

use canhgac_ops::platform::parse_table;
use canhgac_ops::platform_mail::parse_mail;

fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    canhgac_sheets::write_xlsx(
        "Cảnh báo",
        &["Mã cảnh báo", "Thời gian", "Đối tượng", "Mức độ"],
        rows,
    )
    .unwrap()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

#[test]
fn an_xlsx_export_reads_and_a_bad_row_refuses_the_whole_file() {
    let good = workbook(&[
        row(&["IRL-X-1", "01/12/2026 08:30", "192.0.2.31", "cao"]),
        row(&["IRL-X-2", "", "phish.example", "thấp"]),
    ]);
    let a = parse_table(&good, "irlab.xlsx", &[]).unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(
        a[0].time.map(canhgac_domain::time::fmt_datetime).as_deref(),
        Some("01/12/2026 08:30"),
        "dd/mm/yyyy read in Viet Nam time"
    );
    let bad = workbook(&[
        row(&["IRL-X-1", "01/12/2026 08:30", "192.0.2.31", "cao"]),
        row(&["", "", "192.0.2.32", "cao"]),
        row(&["IRL-X-3", "32/13/2026 25:00", "192.0.2.33", "khẩn"]),
    ]);
    let e = parse_table(&bad, "irlab.xlsx", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("irlab.xlsx: row 3: field id is missing"), "{e}");
    assert!(
        e.contains("irlab.xlsx: row 4: field severity 'khẩn'"),
        "{e}"
    );
    assert!(
        e.contains("irlab.xlsx: row 4: field time '32/13/2026 25:00'"),
        "{e}"
    );
}

#[test]
fn a_file_that_is_not_a_workbook_is_named() {
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend_from_slice(&[0u8; 64]);
    let e = parse_table(&zip, "hong.xlsx", &[]).unwrap_err().to_string();
    assert!(e.contains("hong.xlsx"), "{e}");
}

#[test]
fn an_xlsx_attached_to_an_alert_mail_is_read_and_its_bad_row_named() {
    use base64::Engine;
    let mail = |xlsx: &[u8]| {
        let b64 = base64::engine::general_purpose::STANDARD.encode(xlsx);
        let wrapped: Vec<String> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        format!(
            "From: NCSC <ais@mic.gov.vn>\r\nSubject: Canh bao\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Danh sách cảnh báo đính kèm.\r\n--zz\r\n\
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=\"ds.xlsx\"\r\n\
Content-Disposition: attachment; filename=\"ds.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--zz--\r\n",
            wrapped.join("\r\n")
        )
    };
    let good = workbook(&[row(&["IRL-Y-1", "", "192.0.2.41", "trung bình"])]);
    let a = parse_mail(mail(&good).as_bytes(), "ncsc.eml").unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].target, "192.0.2.41");
    let bad = workbook(&[row(&["IRL-Y-2", "", "", "cao"])]);
    let e = parse_mail(mail(&bad).as_bytes(), "ncsc.eml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ncsc.eml: ds.xlsx: row 2: field target is missing"),
        "{e}"
    );
}
