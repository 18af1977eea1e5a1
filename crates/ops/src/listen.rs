//! Syslog listeners: UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425, rustls). Each hands
//! batches to the monitoring pipeline; TCP and TLS wait when the pipeline is busy (so senders
//! slow down), UDP counts what it must drop.

use std::net::SocketAddr;
use std::sync::Arc;

use canhgac_ingest::framing::{FrameError, Framer};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, UdpSocket};

use crate::monitor::{Body, Monitor, Raw, TlsListen};

/// Binds every configured listener and serves them in the background. Returns the bound
/// addresses (UDP, TCP, TLS) so that port 0 can be used in tests.
pub async fn spawn(
    m: Arc<Monitor>,
) -> std::io::Result<(Option<SocketAddr>, Option<SocketAddr>, Option<SocketAddr>)> {
    let cfg = m.config().clone();
    let mut udp_addr = None;
    let mut tcp_addr = None;
    let mut tls_addr = None;
    if let Some(a) = cfg.syslog_udp {
        let sock = UdpSocket::bind(a).await?;
        udp_addr = Some(sock.local_addr()?);
        tokio::spawn(serve_udp(sock, m.clone()));
    }
    if let Some(a) = cfg.syslog_tcp {
        let l = TcpListener::bind(a).await?;
        tcp_addr = Some(l.local_addr()?);
        tokio::spawn(serve_tcp(l, m.clone(), None));
    }
    if let Some(t) = &cfg.syslog_tls {
        let acceptor = tls_acceptor(t)?;
        let l = TcpListener::bind(t.listen).await?;
        tls_addr = Some(l.local_addr()?);
        tokio::spawn(serve_tcp(l, m.clone(), Some(acceptor)));
    }
    Ok((udp_addr, tcp_addr, tls_addr))
}

fn tls_acceptor(t: &TlsListen) -> std::io::Result<tokio_rustls::TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, e: String| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}: {e}"))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&t.cert)
        .map_err(|e| bad(&t.cert.display().to_string(), e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(&t.cert.display().to_string(), e.to_string()))?;
    let key = PrivateKeyDer::from_pem_file(&t.key)
        .map_err(|e| bad(&t.key.display().to_string(), e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("TLS", e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad("TLS certificate", e.to_string()))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

async fn serve_udp(sock: UdpSocket, m: Arc<Monitor>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, peer) = match sock.recv_from(&mut buf).await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "syslog/udp receive failed");
                continue;
            }
        };
        let text = String::from_utf8_lossy(&buf[..n]);
        let line = text.trim_end_matches(['\n', '\r', '\0']).to_string();
        if line.is_empty() {
            continue;
        }
        m.try_submit(vec![Raw::new("udp", Some(peer.ip()), Body::Line(line))]);
    }
}

async fn serve_tcp(l: TcpListener, m: Arc<Monitor>, tls: Option<tokio_rustls::TlsAcceptor>) {
    loop {
        let (sock, peer) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "syslog accept failed");
                // Out of descriptors: give the others a moment instead of spinning.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        // Within the connection limits (in all and per sender), else closed at once.
        let Some(ticket) = m.connections.admit(peer.ip(), false) else {
            drop(sock);
            continue;
        };
        let m = m.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _ticket = ticket;
            let idle = m.connections.limits().idle;
            match tls {
                None => read_stream(sock, peer, "tcp", m).await,
                Some(acc) => match tokio::time::timeout(
                    idle.min(std::time::Duration::from_secs(10)),
                    acc.accept(sock),
                )
                .await
                {
                    Ok(Ok(s)) => read_stream(s, peer, "tls", m).await,
                    Ok(Err(e)) => tracing::info!(%peer, error = %e, "syslog/tls handshake failed"),
                    Err(_) => {
                        m.connections
                            .timed_out
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                },
            }
        });
    }
}

/// The read buffer starts small and doubles, up to this, only while reads fill it: an idle
/// connection costs a few kilobytes, a busy one reads in large pieces.
const MAX_READ: usize = 256 * 1024;

/// Reads one connection to its end (or until it has been silent for the idle limit): frames
/// become records, handed over a read at a time.
async fn read_stream<S: AsyncRead + Unpin>(
    mut s: S,
    peer: SocketAddr,
    transport: &'static str,
    m: Arc<Monitor>,
) {
    let idle = m.connections.limits().idle;
    let mut framer = Framer::new(m.config().max_message);
    let mut buf = vec![0u8; 4096];
    loop {
        let n = match tokio::time::timeout(idle, s.read(&mut buf)).await {
            Err(_) => {
                m.connections
                    .timed_out
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::info!(%peer, "syslog connection closed after being idle");
                break;
            }
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => n,
            Ok(Err(e)) => {
                tracing::info!(%peer, error = %e, "syslog connection ended with an error");
                break;
            }
        };
        framer.push(&buf[..n]);
        if n == buf.len() && buf.len() < MAX_READ {
            buf.resize(buf.len() * 2, 0);
        }
        let mut batch = Vec::new();
        while let Some(frame) = framer.next_frame() {
            batch.push(record(frame, peer, transport));
        }
        if !batch.is_empty() && !m.submit(batch).await {
            return;
        }
    }
    if let Some(rest) = framer.finish() {
        let text = String::from_utf8_lossy(&rest).trim_end().to_string();
        if !text.is_empty() {
            m.submit(vec![Raw::new(transport, Some(peer.ip()), Body::Line(text))])
                .await;
        }
    }
}

fn record(frame: Result<Vec<u8>, FrameError>, peer: SocketAddr, transport: &'static str) -> Raw {
    let body = match frame {
        Ok(bytes) => Body::Line(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
        Err(FrameError::TooLong { head, max_len, .. }) => Body::Malformed(
            String::from_utf8_lossy(&head).into_owned(),
            format!("message longer than {max_len} bytes; its first {max_len} bytes are kept"),
        ),
    };
    Raw::new(transport, Some(peer.ip()), body)
}
