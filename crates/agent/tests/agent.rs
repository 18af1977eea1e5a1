//! A real `canhgac-agent` process against a real server over loopback TLS (a self-made
//! certificate, pinned): enrolment with a one-time token (spent once), heartbeats, log shipping,
//! file-integrity changes, a scan that finds the EICAR test file with a YARA rule set and a hash
//! list uploaded through the compiler, verification with quarantine, the automatic re-scan that
//! closes the removal task by proof, the server killed while lines are written and restarted
//! (every line stored once), and revocation.

use canhgac_domain::agent::AgentConfig;
use canhgac_domain::{EntityKind, Scope};
use canhgac_ops::malware::RuleCheck;
use canhgac_server::{AppState, RuleChecker, ServerConfig};
use canhgac_store::{Actor, EventFilter, NewScan, Store};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

const EICAR_RULE: &str = r#"
rule EICAR_Test_File {
  meta:
    description = "The EICAR anti-virus test string"
  strings:
    $e = "$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$"
  condition:
    $e
}
"#;

struct Check;

impl RuleCheck for Check {
    fn check(&self, kind: &str, file_name: &str, content: &str) -> Result<usize, Vec<String>> {
        if kind == "yara" {
            let (rules, errors) =
                canhgac_malware::Rules::compile(&[(file_name.into(), content.into())]);
            if !errors.is_empty() {
                return Err(errors.into_iter().map(|e| e.message).collect());
            }
            Ok(rules.map_or(0, |r| r.len()))
        } else {
            let mut l = canhgac_malware::HashList::default();
            let errs = l.add(file_name, content);
            if !errs.is_empty() {
                return Err(errs.into_iter().map(|e| e.message).collect());
            }
            Ok(l.len())
        }
    }
}

fn eicar() -> Vec<u8> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read(here.join("../../testdata/yara/eicar_test_string.txt")).expect("testdata eicar")
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for<F, Fut>(what: &str, secs: u64, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting for {what}");
}

fn tls() -> (Arc<rustls::ServerConfig>, String) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("cert");
    let der = made.cert.der().to_vec();
    let pin = hex::encode(Sha256::digest(&der));
    let key =
        rustls::pki_types::PrivateKeyDer::try_from(made.signing_key.serialize_der()).expect("key");
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![rustls::pki_types::CertificateDer::from(der)], key)
    .expect("tls");
    (Arc::new(cfg), pin)
}

async fn listen(
    addr: &str,
    tls: Arc<rustls::ServerConfig>,
    state: AppState,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let l = tokio::net::TcpListener::bind(addr).await.expect("bind");
    let a = l.local_addr().expect("addr");
    let h = tokio::spawn(async move {
        let _ = canhgac_server::serve_tls(l, tls, state).await;
    });
    (a, h)
}

async fn count_lines(store: &Store, marker: &str) -> i64 {
    let f = EventFilter {
        q: Some(marker.into()),
        limit: Some(1),
        ..Default::default()
    };
    store
        .search_events(&Scope::All, &f)
        .await
        .expect("search")
        .1
}

fn write_lines(path: &Path, from: usize, n: usize, marker: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("log");
    for i in from..from + n {
        writeln!(f, "<13>Dec  4 10:00:00 web01 app[42]: {marker} line {i}").expect("write");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_agent_enrols_ships_scans_quarantines_and_survives_a_server_restart() {
    let root = std::env::temp_dir().join(format!("cg-agent-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (db, state_dir, logs, watched, data) = (
        root.join("db"),
        root.join("state"),
        root.join("app.log"),
        root.join("etc"),
        root.join("data"),
    );
    for d in [&db, &state_dir, &watched, &data] {
        std::fs::create_dir_all(d).expect("dir");
    }
    std::fs::write(watched.join("sshd_config"), "PermitRootLogin no\n").expect("fim file");
    std::fs::write(data.join("clean.txt"), "nothing to see\n").expect("clean");
    let sample = data.join("invoice.pdf.exe");
    std::fs::write(&sample, eicar()).expect("eicar");
    let sample_sha = hex::encode(Sha256::digest(eicar()));

    let store = Store::open_sqlite(&db).await.expect("store");
    let admin = Actor::system("test");
    let org = store
        .create(
            EntityKind::Org,
            &Scope::All,
            &admin,
            json!({"code": "SYT", "name": "Sở Y tế", "kind": "agency"})
                .as_object()
                .expect("obj"),
        )
        .await
        .expect("org")["id"]
        .as_i64()
        .expect("id");
    let cfg = ServerConfig {
        rule_check: Some(RuleChecker(Arc::new(Check))),
        ..ServerConfig::default()
    };
    let state = AppState::new(store.clone(), cfg.clone());
    let (tls, pin) = tls();
    let (addr, server) = listen("127.0.0.1:0", tls.clone(), state).await;
    let url = format!("https://{addr}");

    // Rule sets through the compiler: a broken one is refused with the compiler's words.
    let bad = canhgac_ops::malware::upload_set(
        &store,
        &Check,
        &Scope::All,
        &admin,
        "broken",
        "yara",
        "broken.yar",
        b"rule x { condition: nonsense }",
        "",
    )
    .await;
    assert!(
        matches!(bad, Err(canhgac_ops::malware::UploadError::Refused(ref e)) if !e.is_empty()),
        "{bad:?}"
    );
    canhgac_ops::malware::upload_set(
        &store,
        &Check,
        &Scope::All,
        &admin,
        "eicar",
        "yara",
        "eicar.yar",
        EICAR_RULE.as_bytes(),
        "test",
    )
    .await
    .expect("yara set");
    canhgac_ops::malware::upload_set(
        &store,
        &Check,
        &Scope::All,
        &admin,
        "known-bad",
        "hashes",
        "known-bad.txt",
        format!("{sample_sha} EICAR-Test\n").as_bytes(),
        "test",
    )
    .await
    .expect("hash list");

    // Enrolment: the token works once, over TLS pinned to the server's certificate.
    let (_, token) = canhgac_ops::agents::create_token(
        &store,
        &Scope::All,
        &admin,
        org,
        "web01",
        canhgac_domain::time::now_ms(),
    )
    .await
    .expect("token");
    let bin = env!("CARGO_BIN_EXE_canhgac-agent");
    let enrol = |dir: &Path, pin: &str| {
        Command::new(bin)
            .args([
                "enrol",
                "--server",
                &url,
                "--token",
                &token,
                "--pin",
                &format!("sha256:{pin}"),
                "--state-dir",
            ])
            .arg(dir)
            .output()
            .expect("enrol")
    };
    let wrong = enrol(&root.join("other"), &"00".repeat(32));
    assert!(!wrong.status.success(), "a wrong pin must fail");
    let ok = enrol(&state_dir, &pin);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let again = enrol(&root.join("again"), &pin);
    assert!(!again.status.success(), "a token enrols one agent only");
    let agents = store.agents(&Scope::All).await.expect("agents");
    assert_eq!(agents.len(), 1);
    let agent = agents[0].clone();
    assert!(agent.host_id.is_some(), "the agent's host is registered");

    // Settings for a quick test.
    let conf = AgentConfig {
        log_files: vec![logs.display().to_string()],
        journal: false,
        fim_paths: vec![watched.display().to_string()],
        fim_every_secs: 1,
        scan_paths: vec![data.display().to_string()],
        scan_every_hours: 0,
        heartbeat_secs: 1,
        cpu_pct: 100,
        ..AgentConfig::default()
    };
    store
        .set_agent_config(&Scope::All, &admin, agent.id, &conf)
        .await
        .expect("config");
    let marker = "cgmark7731";
    write_lines(&logs, 0, 50, marker);
    let _run = Kill(
        Command::new(bin)
            .args(["run", "--tick-ms", "200", "--dpkg-status"])
            .arg(root.join("no-dpkg"))
            .arg("--state-dir")
            .arg(&state_dir)
            .spawn()
            .expect("run"),
    );
    wait_for("50 log lines", 30, || async {
        count_lines(&store, marker).await == 50
    })
    .await;
    let seen = store
        .agent(&Scope::All, agent.id)
        .await
        .expect("agent")
        .expect("row");
    assert!(seen.last_seen.is_some() && !seen.ports.is_empty());

    // File integrity: a change to a watched file is an alert.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    std::fs::write(watched.join("sshd_config"), "PermitRootLogin yes\n").expect("change");
    wait_for("the file change", 30, || async {
        !store
            .fim_changes(&Scope::All, Some(agent.id), 10)
            .await
            .expect("fim")
            .is_empty()
    })
    .await;
    let fim = store
        .fim_changes(&Scope::All, Some(agent.id), 10)
        .await
        .expect("fim");
    assert_eq!(fim[0].change, "modified");
    assert!(fim[0].signal_id.is_some());

    // An ordered scan finds the EICAR file by both rule set and hash list.
    let scan = store
        .create_scan(
            &Scope::All,
            &admin,
            &NewScan {
                org_id: org,
                kind: "ordered".into(),
                title: "test".into(),
                paths: vec![],
                target: String::new(),
                agents: vec![agent.id],
            },
        )
        .await
        .expect("scan");
    wait_for("the scan to finish", 60, || async {
        store
            .scan_hosts(&Scope::All, scan)
            .await
            .expect("hosts")
            .iter()
            .all(|h| h.state == "done")
    })
    .await;
    let alerts = store
        .malware_alerts(&Scope::All, None, None, 10)
        .await
        .expect("alerts");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert.sha256, sample_sha);
    assert_eq!(alert.state, "unverified");
    let mut rules = alert.rules();
    rules.sort();
    assert_eq!(
        rules,
        ["eicar:EICAR_Test_File", "known-bad:hash:sha256"],
        "a second opinion from the hash list"
    );

    // Verified with quarantine: the agent moves the file, a re-scan is ordered and comes back
    // clean, and the removal task closes by proof.
    let v = canhgac_ops::malware::verify(
        &store,
        &Scope::All,
        &admin,
        alert.id,
        "EICAR test file, two sets agree",
        true,
        canhgac_domain::time::now_ms(),
    )
    .await
    .expect("verify");
    let task = v.task_id.expect("removal task");
    wait_for("the removal task to close", 60, || async {
        let w = store
            .work_item(&Scope::All, task)
            .await
            .expect("task")
            .expect("row");
        !w.state.is_open()
    })
    .await;
    assert!(!sample.exists(), "the file left its folder");
    let q = store
        .quarantine_list(&Scope::All, Some(agent.id), None)
        .await
        .expect("quarantine");
    assert_eq!(q[0].state, "quarantined");
    assert!(state_dir
        .join("quarantine")
        .join(q[0].id.to_string())
        .exists());

    // The server goes away while lines are written; restarted, it gets each line once.
    server.abort();
    let _ = server.await;
    write_lines(&logs, 50, 100, marker);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let state = AppState::new(store.clone(), cfg.clone());
    let (_, server) = listen(&addr.to_string(), tls.clone(), state).await;
    wait_for("150 log lines", 60, || async {
        count_lines(&store, marker).await >= 150
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        count_lines(&store, marker).await,
        150,
        "no line lost, none twice"
    );

    // Restore on command puts the file back.
    store
        .order_restore(&Scope::All, &admin, q[0].id)
        .await
        .expect("restore");
    wait_for("the restore", 30, || async { sample.exists() }).await;

    // Revoked, the agent is refused.
    store
        .revoke_agent(&Scope::All, &admin, agent.id)
        .await
        .expect("revoke");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = store
        .agent(&Scope::All, agent.id)
        .await
        .expect("agent")
        .expect("row")
        .last_seen;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = store
        .agent(&Scope::All, agent.id)
        .await
        .expect("agent")
        .expect("row")
        .last_seen;
    assert_eq!(before, after, "a revoked agent's heartbeats are refused");
    server.abort();
    let _ = std::fs::remove_dir_all(&root);
}
