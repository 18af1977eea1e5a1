//! Decompression and size bombs, in a test binary of their own so that the process's peak
//! resident memory (`VmHWM`) measures them and nothing else: a 1 MB gzip that inflates to
//! 1 GiB (event import and retro-hunt), an XLSX whose sheet inflates 1000×, a workbook of
//! 150,000 rows, and 100,000 bad CSV rows. Each is refused with a small, clear answer and the
//! peak memory grows by less than [`BOUND_MIB`].

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::TestApp;
use std::io::Write;

/// The most the peak resident memory may grow over the whole test (MiB). The inflation limit
/// is 100× the upload (100 MiB here) and nothing is held twice.
const BOUND_MIB: u64 = 256;

fn peak_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// About 1 MB of gzip that inflates to 1 GiB: 64 members of 16 MiB of zeros each.
fn gzip_bomb() -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 16 << 20]).unwrap();
    let member = e.finish().unwrap();
    let mut out = Vec::new();
    for _ in 0..64 {
        out.extend_from_slice(&member);
    }
    out
}

/// A minimal workbook with this sheet, stored with `deflate`.
fn xlsx(sheet_xml: &[u8]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, &[u8]); 4] = [
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
    ];
    for (name, data) in parts {
        z.start_file(name, o).unwrap();
        z.write_all(data).unwrap();
    }
    z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    z.write_all(sheet_xml).unwrap();
    z.finish().unwrap().into_inner()
}

fn sheet(rows: usize, cell: impl Fn(usize) -> String) -> Vec<u8> {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    x.push_str(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>org</t></is></c><c r="B1" t="inlineStr"><is><t>cidr</t></is></c></row>"#);
    for i in 0..rows {
        let r = i + 2;
        x.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{}</t></is></c><c r="B{r}" t="inlineStr"><is><t>x</t></is></c></row>"#,
            cell(i)
        ));
    }
    x.push_str("</sheetData></worksheet>");
    x.into_bytes()
}

#[tokio::test]
async fn bombs_are_refused_within_a_memory_bound() {
    let app = TestApp::new().await;
    let admin = app.token("admin@t.vn").await;
    let staff = app.token("td-staff@t.vn").await;
    let before = peak_kib();

    // 1. Event import and retro-hunt: a 1 MB gzip of 1 GiB.
    let bomb = gzip_bomb();
    assert!(bomb.len() < 2 << 20, "{}", bomb.len());
    let r = app
        .api_bytes(
            "/api/v1/events/import?filename=bomb.log.gz",
            &staff,
            bomb.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(
        r.text.contains("bomb.log.gz: inflates to more than"),
        "{}",
        r.text
    );
    assert!(r.text.len() < 2048);
    let r = app
        .api_bytes("/api/v1/hunts?filename=bomb.log.gz", &staff, bomb)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("inflates to more than"), "{}", r.text);

    // 2. An XLSX whose sheet inflates far beyond its size (32 MiB in one cell, ~1000×).
    let huge = "A".repeat(32 << 20);
    let junk = xlsx(&sheet(1, |_| huge.clone()));
    drop(huge);
    let r = app
        .api_bytes("/api/v1/import/networks?filename=x.xlsx", &admin, junk)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("inflates to"), "{}", r.text);
    assert!(r.text.len() < 4096, "{} bytes", r.text.len());

    // 3. A workbook of 150,000 varied rows: refused at the row limit, with a short answer.
    let varied = xlsx(&sheet(150_000, |i| {
        format!("{:x}", (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }));
    let r = app
        .api_bytes("/api/v1/import/networks?filename=x.xlsx", &admin, varied)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("100000 data rows"), "{}", r.text);
    assert!(r.text.len() < 4096, "{} bytes", r.text.len());

    // 4. 100,000 bad CSV rows: the first hundred problems and how many more.
    let mut csv = String::from("org,cidr\n");
    for i in 0..100_000 {
        csv.push_str(&format!("NO-SUCH-{i},not-a-range\n"));
    }
    let r = app
        .api_bytes(
            "/api/v1/import/networks?filename=n.csv",
            &admin,
            csv.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let j = r.json();
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 101, "100 problems and the count of the rest");
    assert!(
        rows[100]["message"]
            .as_str()
            .unwrap()
            .contains("more problems not listed"),
        "{}",
        rows[100]
    );
    assert!(r.text.len() < 64 * 1024, "{} bytes", r.text.len());

    let grown_mib = peak_kib().saturating_sub(before) / 1024;
    eprintln!("peak resident memory grew by {grown_mib} MiB (bound {BOUND_MIB} MiB)");
    assert!(grown_mib < BOUND_MIB, "peak memory grew by {grown_mib} MiB");
}
