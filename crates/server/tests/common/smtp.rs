//! A minimal SMTP server for tests (RFC 5321's happy path): it refuses RCPT for addresses that
//! start with `refuse` and keeps every message it accepts, so a test sees exactly what the
//! platform sent over a real SMTP conversation.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message the server took.
#[derive(Debug, Clone, Default)]
pub struct Taken {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message as sent (headers and body, CRLF lines, dot-stuffing kept).
    pub data: String,
}

/// Starts the server on a free local port: the port and what it takes.
pub async fn start() -> (u16, Arc<Mutex<Vec<Taken>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let taken = Arc::new(Mutex::new(Vec::new()));
    let keep = taken.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                let _ = w.write_all(b"220 test.local ESMTP\r\n").await;
                let mut cur = Taken::default();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        break;
                    }
                    let cmd = line.trim_end().to_string();
                    let upper = cmd.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-test.local\r\n250 8BITMIME\r\n"
                    } else if let Some(from) = upper.strip_prefix("MAIL FROM:").map(|_| &cmd[10..])
                    {
                        cur = Taken {
                            from: from.trim().trim_matches(['<', '>']).to_string(),
                            ..Default::default()
                        };
                        b"250 2.1.0 Ok\r\n"
                    } else if let Some(to) = upper.strip_prefix("RCPT TO:").map(|_| &cmd[8..]) {
                        let to = to.trim().trim_matches(['<', '>']).to_string();
                        if to.starts_with("refuse") {
                            b"550 5.1.1 Recipient address rejected\r\n"
                        } else {
                            cur.to.push(to);
                            b"250 2.1.5 Ok\r\n"
                        }
                    } else if upper == "DATA" {
                        let _ = w
                            .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                            .await;
                        loop {
                            line.clear();
                            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            cur.data.push_str(&line);
                        }
                        keep.lock().expect("lock").push(cur.clone());
                        b"250 2.0.0 Ok: queued as T1\r\n"
                    } else if upper == "QUIT" {
                        let _ = w.write_all(b"221 2.0.0 Bye\r\n").await;
                        break;
                    } else if upper == "RSET" || upper == "NOOP" {
                        b"250 2.0.0 Ok\r\n"
                    } else {
                        b"502 5.5.2 Command not recognized\r\n"
                    };
                    if w.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, taken)
}

/// The decoded `Subject:` of a message: RFC 2047 encoded words (base64 or Q) joined, folding
/// whitespace between two encoded words dropped.
pub fn subject(data: &str) -> String {
    use base64::Engine;
    let mut raw = String::new();
    let mut lines = data.split("\r\n");
    while let Some(l) = lines.next() {
        if let Some(v) = l.strip_prefix("Subject: ") {
            raw.push_str(v);
            for cont in lines.by_ref() {
                if cont.starts_with(' ') || cont.starts_with('\t') {
                    raw.push(' ');
                    raw.push_str(cont.trim_start());
                } else {
                    break;
                }
            }
            break;
        }
    }
    let mut out = String::new();
    let mut prev_encoded = false;
    for token in raw.split_whitespace() {
        let Some(w) = token.strip_prefix("=?").and_then(|t| t.strip_suffix("?=")) else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(token);
            prev_encoded = false;
            continue;
        };
        if !prev_encoded && !out.is_empty() {
            out.push(' ');
        }
        prev_encoded = true;
        let mut parts = w.splitn(3, '?');
        let (_cs, enc, text) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        match enc.to_ascii_lowercase().as_str() {
            "b" => out.push_str(
                &String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .expect("base64"),
                )
                .expect("utf-8"),
            ),
            _ => out.push_str(&text.replace('_', " ")),
        }
    }
    out
}
