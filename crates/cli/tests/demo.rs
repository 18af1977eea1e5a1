//! `canhgac demo` as a newcomer starts it, twice on one machine: a busy web port is refused at
//! once with what to do, the banner claims only the syslog listeners that started, and
//! `demo-login.txt` lists every account with its role and the password.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn data_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("canhgac_demo_cli_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A port held on 127.0.0.1 for both UDP and TCP, as another demo holds 5514.
fn held_port() -> (u16, TcpListener, UdpSocket) {
    loop {
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if let Ok(udp) = UdpSocket::bind(("127.0.0.1", port)) {
            return (port, tcp, udp);
        }
    }
}

/// A running demo and the lines of its banner, up to the syslog line.
struct Demo {
    child: Child,
    banner: Vec<String>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_demo(data: &Path, args: &[&str]) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args([
            "demo",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--no-live",
        ])
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("CANHGAC_DEMO_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let mut demo = Demo {
        child,
        banner: Vec::new(),
    };
    // Seeding, six hours of log history and the SigmaHQ rules take a while in a debug build.
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(900))
            .unwrap_or_else(|_| panic!("no banner: {:?}", demo.banner));
        let done = line.trim_start().starts_with("Syslog");
        demo.banner.push(line);
        if done {
            return demo;
        }
    }
}

fn line_of<'a>(demo: &'a Demo, start: &str) -> &'a str {
    demo.banner
        .iter()
        .find(|l| l.trim_start().starts_with(start))
        .unwrap_or_else(|| panic!("'{start}' in {:#?}", demo.banner))
}

#[test]
fn a_busy_web_port_is_refused_at_once_with_what_to_do() {
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = held.local_addr().unwrap();
    let data = data_dir("web");
    let out = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(["demo", "--data", data.to_str().unwrap(), "--listen"])
        .arg(addr.to_string())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cổng web {addr} đang được dùng")),
        "{err}"
    );
    assert!(
        err.contains(&format!("The web port {addr} is in use")),
        "{err}"
    );
    assert!(
        err.contains(&format!("--listen 127.0.0.1:{}", addr.port() + 1)),
        "{err}"
    );
    // Refused before anything was seeded.
    assert!(!data.join("demo-login.txt").exists());
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn the_banner_claims_only_listeners_that_started_and_the_sheet_lists_every_account() {
    let data = data_dir("banner");
    let (port, tcp, udp) = held_port();
    let p = port.to_string();

    // Another program holds the syslog port: the banner says so and how to choose another.
    let first = start_demo(
        &data,
        &["--syslog-port", &p, "--password", "Demo-Password-42"],
    );
    let syslog = line_of(&first, "Syslog");
    assert!(syslog.contains("NOT LISTENING"), "{syslog}");
    assert!(syslog.contains("KHÔNG MỞ"), "{syslog}");
    assert!(
        syslog.contains(&format!("--syslog-port {}", port + 1)),
        "{syslog}"
    );
    assert!(!syslog.contains("UDP và TCP"), "{syslog}");
    // Every account, with its role and organisation, in the banner and in demo-login.txt.
    let sheet = std::fs::read_to_string(data.join("demo-login.txt")).unwrap();
    assert!(sheet.contains("Demo-Password-42"), "{sheet}");
    for (email, role, org) in [
        ("admin@stttt.laichau.gov.vn", "(dic_admin)", "STTTT — "),
        ("trucban@stttt.laichau.gov.vn", "(dic_operator)", "STTTT — "),
        ("quantri@syt.laichau.gov.vn", "(org_admin)", "SYT — Sở Y tế"),
        ("cntt@tamduong.laichau.gov.vn", "(org_staff)", "TAMDUONG — "),
        ("soc@viettel-laichau.vn", "(telecom_staff)", "VIETTEL — "),
        ("lanhdao@laichau.gov.vn", "(viewer)", "toàn tỉnh"),
    ] {
        for text in [sheet.as_str(), &first.banner.join("\n")] {
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(email))
                .unwrap_or_else(|| panic!("{email} in {text}"));
            assert!(line.contains(role) && line.contains(org), "{line}");
        }
    }
    drop(first);

    // The port is free again: the second start (same folder, password from the sheet) listens
    // and says so — and the port is then taken, by it.
    drop((tcp, udp));
    let second = start_demo(&data, &["--syslog-port", &p]);
    let syslog = line_of(&second, "Syslog");
    assert_eq!(
        syslog.trim(),
        format!("Syslog: UDP và TCP 127.0.0.1:{port} (logger -n 127.0.0.1 -P {port} --udp \"…\")")
    );
    assert!(second.banner.join("\n").contains("Demo-Password-42"));
    let mut taken = false;
    for _ in 0..100 {
        if UdpSocket::bind(("127.0.0.1", port)).is_err()
            && TcpListener::bind(("127.0.0.1", port)).is_err()
        {
            taken = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(taken, "the demo listens on {port} as it said");
    drop(second);

    // --syslog-port 0: no listener, and the banner says that.
    let third = start_demo(&data, &["--syslog-port", "0"]);
    assert!(line_of(&third, "Syslog").contains("--syslog-port 0"));
    drop(third);
    let _ = std::fs::remove_dir_all(&data);
}
