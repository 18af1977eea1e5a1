//! Vulnerability review through the API: reports of four scanners, de-duplication per host
//! and vulnerability, ranking, and remediation closed only by a clean re-scan.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::json;

fn nessus(hosts: &[(&str, bool)]) -> String {
    let mut x = String::from("<?xml version=\"1.0\"?><NessusClientData_v2><Report name=\"r\">");
    for (ip, vulnerable) in hosts {
        x.push_str(&format!("<ReportHost name=\"{ip}\"><HostProperties><tag name=\"host-ip\">{ip}</tag></HostProperties>"));
        if *vulnerable {
            x.push_str("<ReportItem port=\"22\" protocol=\"tcp\" severity=\"3\" pluginID=\"201194\" pluginName=\"OpenSSH regreSSHion\"><cve>CVE-2024-6387</cve><cvss3_base_score>8.1</cvss3_base_score></ReportItem>");
        }
        x.push_str("</ReportHost>");
    }
    x + "</Report></NessusClientData_v2>"
}

#[tokio::test]
async fn findings_are_deduplicated_ranked_and_closed_by_a_clean_rescan() {
    findings_are_deduplicated_ranked_and_closed_by_a_clean_rescan_on(&TestApp::new().await).await;
}

#[tokio::test]
async fn findings_are_deduplicated_ranked_and_closed_by_a_clean_rescan_on_postgres() {
    match TestApp::new_postgres().await {
        Some(app) => {
            findings_are_deduplicated_ranked_and_closed_by_a_clean_rescan_on(&app).await;
            app.cleanup().await;
        }
        None => eprintln!(
            "CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here (CI sets it)"
        ),
    }
}

async fn findings_are_deduplicated_ranked_and_closed_by_a_clean_rescan_on(app: &TestApp) {
    let staff = app.token("td-staff@t.vn").await;
    // TAMDUONG's host is 198.51.100.49.
    let r = app
        .api_bytes(
            "/api/v1/scans",
            &staff,
            nessus(&[("198.51.100.49", true), ("192.0.2.77", true)]).into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let rep = r.json();
    assert_eq!(
        (
            rep["scanner"].clone(),
            rep["new"].clone(),
            rep["unmapped"].clone()
        ),
        (json!("nessus"), json!(1), json!(["192.0.2.77"]))
    );
    // The same vulnerability from OpenVAS is the same finding.
    let openvas = "<report id=\"r\"><report id=\"r\"><results><result id=\"a\"><name>OpenSSH RCE</name><host>198.51.100.49</host><port>22/tcp</port><nvt oid=\"1.3.6.1\"><name>OpenSSH RCE</name><refs><ref type=\"cve\" id=\"CVE-2024-6387\"/></refs></nvt><threat>High</threat><severity>8.1</severity></result></results></report></report>";
    let r = app
        .api_bytes("/api/v1/scans", &staff, openvas.as_bytes().to_vec())
        .await
        .json();
    assert_eq!(r["new"], 0, "de-duplicated across scanners");
    let f = app
        .api("get", "/api/v1/findings", Some(&staff), None)
        .await
        .json();
    let ssh = f["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["vuln_key"] == "CVE-2024-6387")
        .unwrap();
    let log4j = f["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["vuln_key"] == "CVE-2021-44228")
        .unwrap();
    assert!(
        log4j["score"].as_f64().unwrap() > ssh["score"].as_f64().unwrap(),
        "critical Log4Shell ranks above"
    );
    assert_eq!(
        ssh["botnet_listed"], true,
        "the host is on the fixture's Botnet list"
    );
    let task = ssh["work_item_id"].as_i64().unwrap();
    let w = app
        .api(
            "get",
            &format!("/api/v1/work-items/{task}"),
            Some(&staff),
            None,
        )
        .await
        .json();
    assert_eq!(w["kind"], "vuln_remediation");
    // Reported fixed: waits for proof.
    let r = app
        .api(
            "post",
            &format!("/api/v1/work-items/{task}/events"),
            Some(&staff),
            Some(json!({"action": "report_done"})),
        )
        .await
        .json();
    assert_eq!(r["state"], "awaiting_proof");
    // A clean Nessus re-scan of the host closes it.
    let r = app
        .api_bytes(
            "/api/v1/scans",
            &staff,
            nessus(&[("198.51.100.49", false)]).into_bytes(),
        )
        .await
        .json();
    assert_eq!(r["fixed"], 1);
    // The answer names the registered host it covered and the task the clean re-scan closed.
    assert_eq!(
        r["covered"],
        json!([{"host_id": ssh["host_id"], "hostname": ssh["hostname"], "org_id": ssh["org_id"], "org_code": "TAMDUONG",
                "findings": 0, "fixed": 1, "tasks_closed": 1}]),
        "{r}"
    );
    assert_eq!(
        app.api(
            "get",
            &format!("/api/v1/work-items/{task}"),
            Some(&staff),
            None
        )
        .await
        .json()["state"],
        "closed"
    );
    // Seen again: reopened and escalated.
    let r = app
        .api_bytes(
            "/api/v1/scans",
            &staff,
            nessus(&[("198.51.100.49", true)]).into_bytes(),
        )
        .await
        .json();
    assert_eq!(r["reopened"], 1);
    let w = app
        .api(
            "get",
            &format!("/api/v1/work-items/{task}"),
            Some(&staff),
            None,
        )
        .await
        .json();
    assert_eq!(
        (w["state"].clone(), w["escalated"].clone()),
        (json!("in_progress"), json!(true))
    );
}

#[tokio::test]
async fn trivy_and_bad_reports() {
    let app = TestApp::new().await;
    let admin = app.token("admin@t.vn").await;
    let trivy = r#"{"ArtifactName":"198.51.100.65","ArtifactType":"vm","Results":[{"Target":"debian","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-13176","PkgName":"openssl","InstalledVersion":"3.0.15","FixedVersion":"3.0.16","Severity":"MEDIUM","Title":"timing"}]}]}"#;
    let r = app
        .api_bytes("/api/v1/scans", &admin, trivy.as_bytes().to_vec())
        .await;
    assert_eq!(r.json()["new"], 1, "{}", r.text);
    let r = app.api_bytes("/api/v1/scans", &admin, b"<NessusClientData_v2><Report><ReportHost name=\"x\"><ReportItem severity=\"3\"></ReportItem>".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["error"].as_str().unwrap().contains("pluginID"),
        "{}",
        r.text
    );
    let viewer = app.token("viewer@t.vn").await;
    assert_eq!(
        app.api_bytes("/api/v1/scans", &viewer, trivy.as_bytes().to_vec())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_import_page_says_what_a_rescan_covered_and_closed() {
    let app = TestApp::new().await;
    let b = app.session("td-staff@t.vn").await;
    let host = format!("{}-web01", common::marker("TAMDUONG"));
    // The fixture's Nuclei scan found Log4Shell on TAMDUONG's host (198.51.100.49). A clean
    // Nuclei re-scan of it, with a result that names no host.
    let rescan = "{\"template-id\":\"tech-detect\",\"info\":{\"name\":\"Tech\",\"severity\":\"info\"},\"ip\":\"198.51.100.49\",\"port\":\"443\"}\n{\"template-id\":\"nameserver-fingerprint\",\"info\":{\"severity\":\"info\"},\"type\":\"dns\"}\n";
    let r = b
        .upload("/findings", &[("file", "nuclei.jsonl", rescan.as_bytes())])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for want in [
        "Đã nhập báo cáo Nuclei (JSON từng dòng): 0 phát hiện; 0 mới, 0 tái xuất hiện, 1 đã khắc phục.",
        "Bỏ qua 1 mục của báo cáo:",
        "dòng 2 (<code>nameserver-fingerprint</code>): không ghi tên, địa chỉ hay đường dẫn của máy",
        "Máy trong danh mục được lần quét này bao phủ",
        &host,
        "Quét lại sạch: đã đóng 1 nhiệm vụ",
    ] {
        assert!(r.text.contains(want), "{want:?} not on the page:\n{}", r.text);
    }
    let staff = app.token("td-staff@t.vn").await;
    let f = app
        .api("get", "/api/v1/findings?state=open", Some(&staff), None)
        .await
        .json();
    assert!(
        !f["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["vuln_key"] == "CVE-2021-44228"),
        "Log4Shell closed: {f}"
    );
    // Refusals say what the file was taken for.
    let legacy =
        br#"[{"Target": "debian (debian 10.8)", "Type": "debian", "Vulnerabilities": []}]"#;
    let r = b
        .upload("/findings", &[("file", "trivy.json", legacy.as_slice())])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("báo cáo Trivy dạng mảng cũ (trước bản 0.20)"),
        "{}",
        r.text
    );
    let r = b
        .upload(
            "/findings",
            &[("file", "x.json", br#"{"scan": 1}"#.as_slice())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains(
            "Chưa nhập gì: tệp là tài liệu JSON nhưng không phải báo cáo rà quét đọc được."
        ),
        "{}",
        r.text
    );
    // A Trivy cluster report: its resources are not registered hosts.
    let k8s = br#"{"ClusterName":"td","Resources":[{"Namespace":"default","Kind":"Deployment","Name":"web","Results":[{"Target":"Deployment/web","Misconfigurations":[{"ID":"KSV001","Title":"t","Severity":"MEDIUM","Status":"FAIL"}]}]}]}"#;
    let r = b
        .upload("/findings", &[("file", "k8s.json", k8s.as_slice())])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r
        .text
        .contains("Đã nhập báo cáo Trivy quét cụm Kubernetes (JSON): 1 phát hiện"));
    assert!(r
        .text
        .contains("Báo cáo không bao phủ máy nào trong danh mục của bạn"));
    assert!(r.text.contains("default/Deployment/web"));
}
