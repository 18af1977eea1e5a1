//! HTTPS to the server: rustls over a TCP connection, one request per connection
//! (`Connection: close`), with either the web PKI's roots or a pinned certificate (the SHA-256
//! of the server's certificate, shown in the enrolment command when the server made its own).

use anyhow::{anyhow, bail, Context, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

/// Largest answer read.
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// The server: its address and how its certificate is checked.
#[derive(Clone)]
pub struct Client {
    host: String,
    port: u16,
    tls: Arc<rustls::ClientConfig>,
    /// `Bearer` credential.
    pub credential: Option<String>,
}

#[derive(Debug)]
struct Pinned {
    sha256: Vec<u8>,
    algs: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if Sha256::digest(end_entity.as_ref()).as_slice() == self.sha256.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the server's certificate is not the pinned one".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// An HTTP answer.
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Body.
    pub body: Vec<u8>,
}

impl Client {
    /// A client for `https://host[:port]`, pinned to a certificate hash (`sha256:<hex>`) if
    /// given, else checked against the web PKI.
    pub fn new(url: &str, pin: Option<&str>) -> Result<Client> {
        let rest = url
            .strip_prefix("https://")
            .ok_or_else(|| anyhow!("the server address must start with https://"))?;
        let authority = rest.split('/').next().unwrap_or_default();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
                h.trim_matches(['[', ']']).to_string(),
                p.parse().context("port")?,
            ),
            _ => (authority.to_string(), 443),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?;
        let tls = match pin {
            Some(p) => {
                let hexed = p.strip_prefix("sha256:").unwrap_or(p);
                let sha256 = hex::decode(hexed).context("the pin is not hexadecimal")?;
                if sha256.len() != 32 {
                    bail!("the pin is not a SHA-256 (64 hex digits)");
                }
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(Pinned {
                        sha256,
                        algs: provider.signature_verification_algorithms,
                    }))
                    .with_no_client_auth()
            }
            None => {
                let roots = rustls::RootCertStore::from_iter(
                    webpki_roots::TLS_SERVER_ROOTS.iter().cloned(),
                );
                builder.with_root_certificates(roots).with_no_client_auth()
            }
        };
        Ok(Client {
            host,
            port,
            tls: Arc::new(tls),
            credential: None,
        })
    }

    /// One request; the answer whatever its status.
    pub fn request(&self, method: &str, path: &str, body: Option<&[u8]>) -> Result<Answer> {
        let name = ServerName::try_from(self.host.clone()).context("server name")?;
        let mut conn = rustls::ClientConnection::new(self.tls.clone(), name)?;
        let addr = format!("{}:{}", self.host, self.port);
        let sock = std::net::ToSocketAddrs::to_socket_addrs(&addr)?
            .next()
            .ok_or_else(|| anyhow!("{addr}: no address"))?;
        let mut tcp = TcpStream::connect_timeout(&sock, Duration::from_secs(10))
            .with_context(|| format!("cannot reach {addr}"))?;
        tcp.set_read_timeout(Some(Duration::from_secs(120)))?;
        tcp.set_write_timeout(Some(Duration::from_secs(60)))?;
        let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: canhgac-agent/{}\r\nConnection: close\r\nAccept: application/json\r\n",
            self.host,
            env!("CARGO_PKG_VERSION")
        );
        if let Some(c) = &self.credential {
            head.push_str(&format!("Authorization: Bearer {c}\r\n"));
        }
        if let Some(b) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        head.push_str("\r\n");
        tls.write_all(head.as_bytes())?;
        if let Some(b) = body {
            tls.write_all(b)?;
        }
        tls.flush()?;
        let mut raw = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match tls.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    raw.extend_from_slice(&buf[..n]);
                    if raw.len() > MAX_ANSWER {
                        bail!("the answer is larger than {MAX_ANSWER} bytes");
                    }
                }
                // A server that closes without close_notify after a complete answer.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => break,
                Err(e) => return Err(e.into()),
            }
        }
        parse_answer(&raw)
    }

    /// A JSON request with a JSON answer; any status but 200 is an error naming the server's
    /// words.
    pub fn json<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T> {
        let bytes = body.map(serde_json::to_vec).transpose()?;
        let a = self.request(method, path, bytes.as_deref())?;
        if a.status != 200 {
            bail!(
                "HTTP {}: {}",
                a.status,
                String::from_utf8_lossy(&a.body)
                    .chars()
                    .take(500)
                    .collect::<String>()
            );
        }
        serde_json::from_slice(&a.body).context("the server's answer is not the JSON expected")
    }
}

fn parse_answer(raw: &[u8]) -> Result<Answer> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("the server's answer has no header end"))?;
    let head = std::str::from_utf8(&raw[..end]).context("header")?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("bad status line"))?;
    let mut chunked = false;
    let mut length = None;
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            } else if k == "content-length" {
                length = v.parse::<usize>().ok();
            }
        }
    }
    let rest = &raw[end + 4..];
    let body = if chunked {
        let mut out = Vec::new();
        let mut p = rest;
        loop {
            let nl = p
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(|| anyhow!("bad chunk"))?;
            let size = usize::from_str_radix(
                std::str::from_utf8(&p[..nl])?
                    .split(';')
                    .next()
                    .unwrap_or("0")
                    .trim(),
                16,
            )?;
            p = &p[nl + 2..];
            if size == 0 {
                break;
            }
            if p.len() < size + 2 {
                bail!("a chunk is cut short");
            }
            out.extend_from_slice(&p[..size]);
            p = &p[size + 2..];
        }
        out
    } else {
        let n = length.unwrap_or(rest.len()).min(rest.len());
        rest[..n].to_vec()
    };
    Ok(Answer { status, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_with_length_or_chunks() {
        let a = parse_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}").expect("plain");
        assert_eq!((a.status, a.body.as_slice()), (200, b"{}".as_slice()));
        let a = parse_answer(b"HTTP/1.1 401 No\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
            .expect("chunked");
        assert_eq!((a.status, a.body.as_slice()), (401, b"abcde".as_slice()));
        assert!(parse_answer(b"garbage").is_err());
    }

    #[test]
    fn addresses_and_pins_are_checked() {
        assert!(Client::new("http://x", None).is_err());
        assert!(Client::new("https://127.0.0.1:8443", Some("sha256:abcd")).is_err());
        let c = Client::new(
            "https://127.0.0.1:8443",
            Some(&format!("sha256:{}", "ab".repeat(32))),
        )
        .expect("client");
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 8443));
    }
}
