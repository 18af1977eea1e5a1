//! What the demo province imports through the same paths as a user's: the monthly Botnet IP
//! lists, the national advisories (with the hosts' packages they affect) and a scanner's report.

use super::{
    host_ip, Calendar, Dice, ATTACKERS, DEMO_USERS, KEV_DUE_7ZIP, KEV_DUE_WINRAR, LISTED_SUBSCRIBER,
};
use anyhow::Result;
use canhgac_domain::Scope;
use canhgac_store::{Actor, Store};
use serde_json::json;

/// Two monthly Botnet IP lists in the DIC's spreadsheet form (Vietnamese headers), for the two
/// months before this one: the earlier lists the Health Department's portal and the Home
/// Affairs web server; the later lists the portal again (its task reopens and escalates), no
/// longer lists Home Affairs (its task is verified clean) and adds a Tam Đường server and a
/// MobiFone subscriber. Both carry the [`ATTACKERS`] among 300 other addresses. Imported
/// through the same path as a user's.
pub(crate) async fn seed_botnet_lists(
    store: &Store,
    dice: &mut Dice,
    cal: &Calendar,
) -> Result<()> {
    let actor = Actor {
        user_id: None,
        email: DEMO_USERS[1].0.to_string(),
    };
    let syt = host_ip(store, "syt-web01", true).await?;
    let snv = host_ip(store, "snv-web01", true).await?;
    let td = host_ip(store, "tamduong-web01", true).await?;
    let families = [
        "Mirai",
        "Gafgyt",
        "Emotet",
        "QakBot",
        "Andromeda",
        "Sality",
        "Conficker",
        "Ramnit",
    ];
    let background: Vec<String> = (0..400)
        .map(|_| {
            format!(
                "{}.{}.{}.{}",
                [45, 91, 103, 185, 194, 171, 113, 14][dice.below(8)],
                dice.below(256),
                dice.below(256),
                1 + dice.below(254)
            )
        })
        .collect();
    let mut lists = Vec::new();
    for (back, ours) in [
        (
            2,
            vec![
                (syt.clone(), "Mirai"),
                (snv.clone(), "Emotet"),
                ("100.66.14.20".to_string(), "Gafgyt"),
            ],
        ),
        (
            1,
            vec![
                (syt.clone(), "Mirai"),
                (td.clone(), "Andromeda"),
                ("198.51.100.90".to_string(), "Sality"),
                (LISTED_SUBSCRIBER.0.to_string(), LISTED_SUBSCRIBER.1),
            ],
        ),
    ] {
        let period = cal.period(back);
        // Found on the middle of that month, at 08:15.
        let (y, m) = cal.month(back);
        let found = format!("{:02}/{m:02}/{y} 08:15", 16 - back);
        let mut csv = String::from("STT,Địa chỉ IP,Tên mã độc,Thời gian phát hiện,Ghi chú\n");
        let mut n = 0;
        for (ip, fam) in &ours {
            n += 1;
            csv.push_str(&format!("{n},{ip},{fam},{found},\n"));
        }
        for (ip, fam) in ATTACKERS {
            n += 1;
            csv.push_str(&format!("{n},{ip},{fam},{found},\n"));
        }
        let take = if back == 2 { 0..300 } else { 100..400 };
        for ip in &background[take] {
            n += 1;
            csv.push_str(&format!(
                "{n},{ip},{},,\n",
                families[dice.below(families.len())]
            ));
        }
        csv.push_str(&format!("{},2001:db8:dead::/48,Mirai,,Dải IPv6\n", n + 1));
        lists.push((period, csv));
    }
    for (period, csv) in lists {
        let meta = canhgac_ops::botnet::ListMeta {
            name: None,
            source: "Sở TTTT (theo Cục An toàn thông tin)".into(),
            kind: "botnet".into(),
            period: period.clone(),
            version: "monthly".into(),
        };
        canhgac_ops::botnet::import_list(
            store,
            &actor,
            &meta,
            csv.as_bytes(),
            Some("danh-sach-ip-botnet.csv"),
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo botnet list {period}: {e:?}"))?;
    }
    Ok(())
}

/// National warnings and the KEV entries they concern, entered through the same path as a
/// DIC officer's form, so patch tasks, deadlines and compliance show on the demo.
pub(crate) async fn seed_advisories(store: &Store, cal: &Calendar) -> Result<()> {
    use canhgac_ops::patching::{import_kev, import_manual};
    use canhgac_vuln::formats::ManualAdvisory;
    let actor = Actor {
        user_id: None,
        email: DEMO_USERS[0].0.to_string(),
    };
    // Real CVEs and names; the dates are counted from today (see [`Calendar`]), three weeks
    // from dateAdded to dueDate as CISA gives. A patch task is due by its severity or the KEV
    // due date, whichever is earlier: the 7-Zip tasks are two days overdue (and escalated) on
    // purpose, the WinRAR ones due in two days, the rest by their severity.
    let kev_entry = |cve: &str, vendor: &str, product: &str, name: &str, due_in: i64| {
        json!({"cveID": cve, "vendorProject": vendor, "product": product, "vulnerabilityName": name,
            "dateAdded": cal.iso(due_in - 21), "dueDate": cal.iso(due_in), "knownRansomwareCampaignUse": "Unknown"})
    };
    let kev = json!({"title": "CISA Catalog of Known Exploited Vulnerabilities (demo extract)",
        "catalogVersion": cal.day(0).format("%Y.%m.%d").to_string(), "count": 3, "vulnerabilities": [
        kev_entry("CVE-2025-8088", "RARLAB", "WinRAR", "RARLAB WinRAR Path Traversal Vulnerability", KEV_DUE_WINRAR),
        kev_entry("CVE-2023-44487", "IETF", "HTTP/2", "HTTP/2 Rapid Reset Attack Vulnerability", -30),
        kev_entry("CVE-2025-0411", "7-Zip", "7-Zip", "7-Zip Mark of the Web Bypass Vulnerability", KEV_DUE_7ZIP)]});
    import_kev(store, &actor, kev.to_string().as_bytes())
        .await
        .map_err(|e| anyhow::anyhow!("demo KEV: {e:?}"))?;
    let warnings = [
        (
            "AIS-001",
            "WinRAR: lỗ hổng duyệt thư mục đang bị khai thác",
            "CVE-2025-8088",
            "generic",
            "",
            "RARLAB",
            "WinRAR",
            "7.13",
            "critical",
            "Cập nhật WinRAR lên 7.13 trở lên trên toàn bộ máy trạm; gỡ bỏ nếu không dùng.",
        ),
        (
            "AIS-002",
            "7-Zip: vượt qua cơ chế Mark-of-the-Web",
            "CVE-2025-0411",
            "generic",
            "",
            "7-Zip",
            "7-Zip",
            "24.09",
            "high",
            "Cập nhật 7-Zip lên 24.09 trở lên.",
        ),
        (
            "AIS-003",
            "Google Chrome: lỗi type confusion trong V8",
            "CVE-2024-11395",
            "generic",
            "",
            "Google",
            "Google Chrome",
            "131.0.6778.85",
            "high",
            "Cập nhật Chrome lên 131.0.6778.85 trở lên và khởi động lại trình duyệt.",
        ),
        (
            "AIS-004",
            "OpenSSL trên Debian 12",
            "CVE-2024-13176",
            "deb",
            "debian:12",
            "",
            "openssl",
            "3.0.16-1~deb12u1",
            "medium",
            "apt update && apt install openssl libssl3",
        ),
        (
            "AIS-005",
            "Django: SQL injection trong HasKey trên Oracle",
            "CVE-2024-53908",
            "pypi",
            "",
            "",
            "Django",
            "4.2.17",
            "high",
            "Nâng cấp Django lên 4.2.17 trở lên.",
        ),
        (
            "DSA-5724-1",
            "openssh: regreSSHion (đã vá trên các máy Debian 12 của tỉnh)",
            "CVE-2024-6387",
            "deb",
            "debian:12",
            "",
            "openssh-server",
            "1:9.2p1-2+deb12u3",
            "high",
            "apt install openssh-server",
        ),
    ];
    // The national warnings carry this month's number.
    let (y, mo) = cal.month(0);
    for (id, title, cves, scheme, distro, vendor, product, fixed, severity, rec) in warnings {
        let id = match id.strip_prefix("AIS-") {
            Some(n) => format!("AIS-{y}-{mo:02}-{n}"),
            None => id.to_string(),
        };
        let m = ManualAdvisory {
            id: id.clone(),
            title: title.into(),
            cves: cves.into(),
            scheme: canhgac_vuln::Scheme::parse(scheme),
            vendor: vendor.into(),
            product: product.into(),
            affected_from: String::new(),
            fixed: fixed.into(),
            severity: severity.into(),
            recommendation: rec.into(),
            distro: distro.into(),
        };
        import_manual(store, &actor, &m)
            .await
            .map_err(|e| anyhow::anyhow!("demo advisory {id}: {e:?}"))?;
    }
    Ok(())
}

/// A Nessus scan of six public-facing web servers, imported through the same path as an
/// officer's upload, so the findings page shows ranking (KEV, Internet, Botnet) and tasks.
pub(crate) async fn seed_scan(store: &Store, cal: &Calendar) -> Result<()> {
    let actor = Actor {
        user_id: None,
        email: DEMO_USERS[1].0.to_string(),
    };
    let mut xml = format!(
        "<?xml version=\"1.0\"?><NessusClientData_v2><Report name=\"Quet dinh ky thang {}\">",
        cal.period(0)
    );
    for (i, host) in [
        "syt-web01",
        "stttt-web01",
        "tamduong-web01",
        "snv-web01",
        "stc-web01",
        "vpubnd-web01",
    ]
    .iter()
    .enumerate()
    {
        let ip = host_ip(store, host, true).await?;
        xml.push_str(&format!("<ReportHost name=\"{ip}\"><HostProperties><tag name=\"host-ip\">{ip}</tag><tag name=\"host-fqdn\">{host}</tag></HostProperties>"));
        xml.push_str("<ReportItem port=\"443\" protocol=\"tcp\" severity=\"3\" pluginID=\"183390\" pluginName=\"HTTP/2 Rapid Reset DoS\"><cve>CVE-2023-44487</cve><cvss3_base_score>7.5</cvss3_base_score><solution>Cập nhật máy chủ web hoặc tắt HTTP/2.</solution></ReportItem>");
        if i % 2 == 0 {
            xml.push_str("<ReportItem port=\"443\" protocol=\"tcp\" severity=\"4\" pluginID=\"201198\" pluginName=\"Apache httpd &lt; 2.4.60 mod_rewrite SSRF\"><cve>CVE-2024-38476</cve><cvss3_base_score>9.8</cvss3_base_score><solution>Nâng cấp Apache httpd lên 2.4.60 trở lên.</solution></ReportItem>");
        }
        if i % 3 == 1 {
            xml.push_str("<ReportItem port=\"443\" protocol=\"tcp\" severity=\"2\" pluginID=\"15901\" pluginName=\"SSL Certificate Expiry\"><solution>Gia hạn chứng thư số.</solution></ReportItem>");
        }
        xml.push_str("</ReportHost>");
    }
    xml.push_str("</Report></NessusClientData_v2>");
    canhgac_ops::scans::import_scan(store, &Scope::All, &actor, xml.as_bytes())
        .await
        .map_err(|e| anyhow::anyhow!("demo scan: {e:?}"))?;
    Ok(())
}
