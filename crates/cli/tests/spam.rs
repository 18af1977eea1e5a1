//! `canhgac spam parse` as a pipe: one JSON object per input line, bad lines answered, never
//! dropped.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn report_lines_in_json_lines_out() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(["spam", "parse"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("V (0985931054)(Cuộc gọi quảng cáo)\ns 0162.123.4567 vay tien nhanh\nS [VCB][Tai khoan bi khoa]\nxin chao\n".as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("run");
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        (lines[0]["kind"].as_str(), lines[0]["sender"].as_str()),
        (Some("call"), Some("+84985931054"))
    );
    assert_eq!(lines[0]["content"], "Cuộc gọi quảng cáo");
    assert_eq!(
        (lines[1]["kind"].as_str(), lines[1]["sender"].as_str()),
        (Some("sms"), Some("+84321234567"))
    );
    assert_eq!(lines[2]["sender"], "VCB");
    assert_eq!(
        (lines[3]["line"].as_u64(), lines[3]["text"].as_str()),
        (Some(4), Some("xin chao"))
    );
    assert!(lines[3]["error"].is_string());
}
