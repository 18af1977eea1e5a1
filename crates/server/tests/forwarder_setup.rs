//! The forwarder configurations the monitoring page shows work as printed: each is copied from
//! the page into the real program's configuration, the program is pointed at a running server,
//! and what it sends is stored in the right format — rsyslog (`*.* @@host:port`), syslog-ng
//! (`destination … syslog(…)`) and nginx (`access_log syslog:server=…`, a path-traversal request
//! raising SigmaHQ's rule).
//!
//! The programs: syslog-ng from Debian (installed by `.ci/run`); rsyslog and nginx unpacked from
//! Debian's packages into `target/peers` by `.ci/run` (rsyslog conflicts with syslog-ng when
//! installed; see ../shared/DEPENDENCIES.md). Each case is skipped where its program is missing,
//! except under CI.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use canhgac_domain::signal::SignalKind;
use canhgac_ops::monitor::MonitorConfig;
use canhgac_store::{EventFilter, SignalFilter, Store};
use common::{unique, TestApp};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

fn peers() -> PathBuf {
    std::env::var_os("CANHGAC_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/peers"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn missing(what: &str) {
    assert!(!in_ci(), "{what} is missing under CI: .ci/run provides it");
    eprintln!("{what} is missing: this case is skipped here (.ci/run provides it)");
}

/// The text of the `<pre>` that is (or follows) the element `id="{id}"` on a page, unescaped.
fn snippet(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} on the page"));
    let tag = html[..at].rfind('<').unwrap();
    let rest = &html[tag..];
    let pre = rest.find("<pre").unwrap();
    let start = pre + rest[pre..].find('>').unwrap() + 1;
    let end = start + rest[start..].find("</pre>").unwrap();
    rest[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

async fn wait_events(store: &Store, q: &str) -> Vec<canhgac_store::EventRow> {
    for _ in 0..150 {
        let (rows, _) = store
            .search_events(
                &canhgac_domain::Scope::All,
                &EventFilter {
                    q: Some(q.to_string()),
                    limit: Some(10),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if !rows.is_empty() {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no event with {q:?} arrived");
}

/// rsyslogd from target/peers in the foreground with `conf`, once its input socket is there.
async fn start_rsyslogd(conf: &Path, dir: &Path, sock: &Path) -> Kill {
    let libs = peers().join("usr/lib/x86_64-linux-gnu");
    let child = Kill(
        Command::new(peers().join("usr/sbin/rsyslogd"))
            .env("LD_LIBRARY_PATH", &libs)
            .arg("-M")
            .arg(libs.join("rsyslog"))
            .arg("-n")
            .arg("-f")
            .arg(conf)
            .arg("-i")
            .arg(dir.join("rsyslog.pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..50 {
        if sock.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child
}

/// Runs rsyslogd in `dir` with a local socket input and `action` (a line the monitoring page
/// prints), logs one sshd line through it whose source port is `port`, and waits for the event.
async fn through_rsyslog(
    store: &Store,
    dir: &Path,
    action: &str,
    port: u16,
) -> Vec<canhgac_store::EventRow> {
    std::fs::create_dir_all(dir).unwrap();
    let sock = dir.join("rsyslog.sock");
    let conf = dir.join("rsyslog.conf");
    std::fs::write(
        &conf,
        format!(
            "global(workDirectory=\"{d}\")\nmodule(load=\"imuxsock\" SysSock.Use=\"off\")\n\
             input(type=\"imuxsock\" Socket=\"{s}\" CreatePath=\"on\")\n{action}\n",
            d = dir.display(),
            s = sock.display()
        ),
    )
    .unwrap();
    let _child = start_rsyslogd(&conf, dir, &sock).await;
    let out = Command::new("logger")
        .arg("-u")
        .arg(&sock)
        .args([
            "-t",
            "sshd",
            &format!("Accepted password for root from 203.0.113.9 port {port} ssh2"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_events(store, &format!("port {port}")).await
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printed_configurations_work_in_the_real_programs() {
    let dir = std::env::temp_dir().join(unique("canhgac_fwd"));
    std::fs::create_dir_all(&dir).unwrap();
    let (udp, tcp, relp) = (free_port(), free_port(), free_port());
    let cfg = MonitorConfig {
        bundled_rules: false,
        syslog_udp: Some(udp),
        syslog_tcp: Some(tcp),
        syslog_relp: Some(relp),
        ..MonitorConfig::default()
    };
    let store = Store::open_sqlite(&dir.join("db")).await.unwrap();
    let app = TestApp::with_monitor(store, cfg).await;
    let admin = app.token("admin@t.vn").await;
    let rule = canhgac_ops::monitor::bundled_rule_text(
        "sigma/rules/web/webserver_generic/web_path_traversal_exploitation_attempt.yml",
    )
    .unwrap();
    let r = app
        .api_bytes(
            "/api/v1/rules?filename=r.yml",
            &admin,
            rule.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    canhgac_ops::listen::spawn(app.state.monitor.clone())
        .await
        .unwrap();
    canhgac_ops::listen::spawn_relp(app.state.monitor.clone())
        .await
        .unwrap();
    let page = app.session("admin@t.vn").await.get("/monitor").await;
    assert_eq!(page.status, StatusCode::OK);
    let ran = |what: &str| eprintln!("{what}: the printed configuration delivered");

    // rsyslog: the one line the page prints, after a local socket input.
    let rsyslogd = peers().join("usr/sbin/rsyslogd");
    if rsyslogd.exists() {
        let line = snippet(&page.text, "fw-rsyslog-tcp");
        assert_eq!(line, format!("*.* @@127.0.0.1:{}", tcp.port()));
        let rows = through_rsyslog(&app.store, &dir.join("tcp"), &line, 4801).await;
        assert_eq!(rows[0].service.as_deref(), Some("sshd"), "{:?}", rows[0]);
        assert_eq!(rows[0].transport, "tcp");
        ran("rsyslog");
    } else {
        missing("rsyslogd (target/peers)");
    }

    // rsyslog over RELP: the page's omrelp action, as printed.
    let libs = peers().join("usr/lib/x86_64-linux-gnu");
    if rsyslogd.exists() && libs.join("rsyslog/omrelp.so").exists() {
        let action = snippet(&page.text, "fw-rsyslog-relp");
        assert!(
            action.contains(&format!("port=\"{}\"", relp.port())),
            "{action}"
        );
        let rows = through_rsyslog(&app.store, &dir.join("relp"), &action, 4802).await;
        assert_eq!(rows[0].transport, "relp", "{:?}", rows[0]);
        assert_eq!(rows[0].service.as_deref(), Some("sshd"), "{:?}", rows[0]);
        ran("rsyslog omrelp");
    } else {
        missing("rsyslogd with omrelp (target/peers)");
    }

    // syslog-ng: the page's destination and log statement, after a file source.
    if Command::new("sh")
        .args(["-c", "command -v syslog-ng"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let conf_text = snippet(&page.text, "fw-syslog-ng");
        assert!(
            conf_text.contains(&format!("port({})", tcp.port())),
            "{conf_text}"
        );
        let input = dir.join("input.log");
        std::fs::write(&input, "").unwrap();
        let conf = dir.join("syslog-ng.conf");
        std::fs::write(
            &conf,
            format!(
                "@version: 3.38\n@include \"scl.conf\"\nsource s_src {{ file(\"{}\" follow-freq(0.1)); }};\n{conf_text}\n",
                input.display()
            ),
        )
        .unwrap();
        let _child = Kill(
            Command::new("syslog-ng")
                .arg("--foreground")
                .arg(format!("--cfgfile={}", conf.display()))
                .arg(format!("--persist-file={}", dir.join("persist").display()))
                .arg(format!("--pidfile={}", dir.join("sng.pid").display()))
                .arg(format!("--control={}", dir.join("ctl").display()))
                .arg("--no-caps")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&input)
            .unwrap();
        writeln!(
            f,
            "Nov 25 02:00:05 web01 sshd[811]: Accepted password for root from 203.0.113.9 port 4802 ssh2"
        )
        .unwrap();
        drop(f);
        let rows = wait_events(&app.store, "port 4802").await;
        assert_eq!(rows[0].service.as_deref(), Some("sshd"), "{:?}", rows[0]);
        ran("syslog-ng");
    } else {
        missing("syslog-ng");
    }

    // nginx: the page's access_log and error_log lines in an http block; a request for
    // /index.php?page=../../../etc/passwd is an access line over syslog, a web request, and
    // raises the path-traversal rule.
    let nginx = peers().join("usr/sbin/nginx");
    if nginx.exists() {
        let lines = snippet(&page.text, "fw-nginx");
        assert!(
            lines.contains(&format!("syslog:server=127.0.0.1:{}", udp.port())),
            "{lines}"
        );
        let web = free_port();
        let tmp = dir.join("nginx-tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let conf = dir.join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "worker_processes 1;\npid {d}/nginx.pid;\nevents {{ worker_connections 16; }}\nhttp {{\n\
                 client_body_temp_path {t}; proxy_temp_path {t}; fastcgi_temp_path {t};\n\
                 uwsgi_temp_path {t}; scgi_temp_path {t};\n{lines}\n\
                 server {{ listen {web}; location / {{ return 404; }} }}\n}}\n",
                d = dir.display(),
                t = tmp.display()
            ),
        )
        .unwrap();
        let _child = Kill(
            Command::new(&nginx)
                .arg("-p")
                .arg(&dir)
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg(dir.join("nginx-error.log"))
                .args(["-g", "daemon off; master_process off;"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let mut sent = false;
        for _ in 0..50 {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            if let Ok(mut s) = tokio::net::TcpStream::connect(web).await {
                s.write_all(
                    b"GET /index.php?page=../../../etc/passwd HTTP/1.1\r\nHost: web01\r\nUser-Agent: canhgac-fwd-test\r\nConnection: close\r\n\r\n",
                )
                .await
                .unwrap();
                let mut buf = Vec::new();
                let _ = s.read_to_end(&mut buf).await;
                assert!(String::from_utf8_lossy(&buf).contains("404"));
                sent = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(sent, "nginx did not start");
        let rows = wait_events(&app.store, "canhgac-fwd-test").await;
        assert_eq!(
            rows[0].category.as_deref(),
            Some("webserver"),
            "{:?}",
            rows[0]
        );
        assert_eq!(rows[0].transport, "udp");
        let fields: serde_json::Value = serde_json::from_str(&rows[0].fields).unwrap();
        assert_eq!(fields["cs-uri-query"], "page=../../../etc/passwd");
        // The alert is raised right after the event is stored: wait for it.
        let mut titles = Vec::new();
        for _ in 0..100 {
            let (alerts, _) = app
                .store
                .list_signals(
                    &canhgac_domain::Scope::All,
                    &SignalFilter {
                        kind: Some(SignalKind::SigmaAlert),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            titles = alerts.into_iter().map(|a| a.title).collect::<Vec<_>>();
            if titles
                .iter()
                .any(|t| t.starts_with("Path Traversal Exploitation Attempts"))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            titles
                .iter()
                .any(|t| t.starts_with("Path Traversal Exploitation Attempts")),
            "{titles:?}"
        );
        ran("nginx");
    } else {
        missing("nginx (target/peers)");
    }
}
