//! Syslog listeners: UDP (RFC 5426), TCP (RFC 6587), TLS (RFC 5425, rustls) and RELP
//! (rsyslog's reliable protocol). Each hands batches to the monitoring pipeline; TCP and TLS
//! wait when the pipeline is busy (so senders slow down), UDP counts what it must drop, and
//! RELP answers a message only once it is stored (or, in a process that only receives, once
//! the event stream holds it), so a sender loses nothing across a crash of this process.

use std::net::SocketAddr;
use std::sync::Arc;

use canhgac_ingest::framing::{FrameError, Framer};
use canhgac_ingest::relp::{frame_bytes, open_answer, RelpReader};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use crate::monitor::{Body, Monitor, Raw, TlsListen};
use crate::spool::Spool;

/// Binds every configured listener and serves them in the background. Returns the bound
/// addresses (UDP, TCP, TLS) so that port 0 can be used in tests.
pub async fn spawn(
    m: Arc<Monitor>,
) -> std::io::Result<(Option<SocketAddr>, Option<SocketAddr>, Option<SocketAddr>)> {
    spawn_with(m, None).await
}

/// Where a listener hands what it read: the disk spool when there is one, else the pipeline.
#[derive(Clone)]
struct Sink {
    m: Arc<Monitor>,
    spool: Option<Arc<Spool>>,
}

impl Sink {
    /// Waits for room; false when the pipeline has stopped.
    async fn submit(&self, records: Vec<Raw>) -> bool {
        match &self.spool {
            Some(s) => s.append(records).await,
            None => self.m.submit(records).await,
        }
    }

    /// Only if there is room now (UDP).
    fn try_submit(&self, records: Vec<Raw>) {
        match &self.spool {
            Some(s) => s.try_append(records),
            None => self.m.try_submit(records),
        }
    }
}

/// [`spawn`] with the listeners writing to a disk spool (`crate::spool`) instead of the
/// pipeline's memory queue.
pub async fn spawn_with(
    m: Arc<Monitor>,
    spool: Option<Arc<Spool>>,
) -> std::io::Result<(Option<SocketAddr>, Option<SocketAddr>, Option<SocketAddr>)> {
    let cfg = m.config().clone();
    let sink = Sink {
        m: m.clone(),
        spool,
    };
    let mut udp_addr = None;
    let mut tcp_addr = None;
    let mut tls_addr = None;
    if let Some(a) = cfg.syslog_udp {
        let sock = UdpSocket::bind(a).await?;
        udp_addr = Some(sock.local_addr()?);
        tokio::spawn(serve_udp(sock, sink.clone()));
    }
    if let Some(a) = cfg.syslog_tcp {
        let l = TcpListener::bind(a).await?;
        tcp_addr = Some(l.local_addr()?);
        tokio::spawn(serve_tcp(l, sink.clone(), None));
    }
    if let Some(t) = &cfg.syslog_tls {
        let acceptor = tls_acceptor(t)?;
        let l = TcpListener::bind(t.listen).await?;
        tls_addr = Some(l.local_addr()?);
        tokio::spawn(serve_tcp(l, sink.clone(), Some(acceptor)));
    }
    Ok((udp_addr, tcp_addr, tls_addr))
}

/// Binds the RELP listener, if configured, and serves it in the background; returns its
/// bound address.
pub async fn spawn_relp(m: Arc<Monitor>) -> std::io::Result<Option<SocketAddr>> {
    let Some(a) = m.config().syslog_relp else {
        return Ok(None);
    };
    let l = TcpListener::bind(a).await?;
    let addr = l.local_addr()?;
    tokio::spawn(async move {
        loop {
            let (sock, peer, ticket) = accept_admitted(&l, &m).await;
            let m = m.clone();
            tokio::spawn(async move {
                let _ticket = ticket;
                let _ = sock.set_nodelay(true);
                if let Err(e) = relp_session(sock, peer, m).await {
                    tracing::info!(%peer, error = %e, "syslog/relp session ended");
                }
            });
        }
    });
    Ok(Some(addr))
}

/// The largest RELP frame taken: librelp's own limit (128 KiB) or the configured message
/// limit, whichever is larger. A message over the message limit is kept cut, marked malformed.
const RELP_FRAME: usize = 128 * 1024;

/// What is owed to the sender, in the order of its commands.
enum Owed {
    /// An answer ready now (`open`, `close`, a refused command).
    Ready(u32, Vec<u8>),
    /// `200 OK` once the batch read with it is stored.
    Stored(u32),
}

/// One RELP session: frames are read as they arrive; the `syslog` messages of a read are
/// stored together, and only then answered, in order. If storing fails, the connection is
/// closed unanswered and the sender sends them again.
async fn relp_session<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    peer: SocketAddr,
    m: Arc<Monitor>,
) -> std::io::Result<()> {
    let max_message = m.config().max_message;
    let mut reader = RelpReader::new(max_message.max(RELP_FRAME));
    let software = concat!("canhgac,", env!("CARGO_PKG_VERSION"), ",https://canhgac.vn");
    let mut opened = false;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match read_or_idle(&mut s, &mut buf, &m, peer).await {
            Read::Idle => {
                let _ = s.write_all(&frame_bytes(0, "serverclose", b"")).await;
                return Ok(());
            }
            Read::End => return Ok(()),
            Read::Bytes(n) => n,
            Read::Failed(e) => return Err(e),
        };
        reader.push(&buf[..n]);
        let mut owed = Vec::new();
        let mut batch = Vec::new();
        let mut closing = false;
        let mut broken = None;
        while let Some(f) = reader.next_frame() {
            let f = match f {
                Ok(f) => f,
                Err(e) => {
                    broken = Some(e.to_string());
                    break;
                }
            };
            match (f.command.as_str(), opened) {
                // A hint (transaction 0) is not answered.
                _ if f.txnr == 0 => {}
                ("open", false) => match open_answer(&f.data, software) {
                    Some(a) => {
                        opened = true;
                        owed.push(Owed::Ready(f.txnr, a));
                    }
                    None => {
                        owed.push(Owed::Ready(f.txnr, b"500 no relp_version offered".to_vec()));
                        closing = true;
                        break;
                    }
                },
                ("syslog", true) => {
                    let mut data = f.data;
                    while matches!(data.last(), Some(b'\n' | b'\r' | b'\0')) {
                        data.pop();
                    }
                    let body = if data.len() > max_message {
                        data.truncate(max_message);
                        too_long(&data, max_message)
                    } else {
                        line(data)
                    };
                    batch.push(Raw::new("relp", Some(peer.ip()), body));
                    owed.push(Owed::Stored(f.txnr));
                }
                ("close", true) => {
                    owed.push(Owed::Ready(f.txnr, Vec::new()));
                    closing = true;
                    break;
                }
                (_, false) => {
                    owed.push(Owed::Ready(f.txnr, b"500 session not open".to_vec()));
                    closing = true;
                    break;
                }
                (_, true) => {
                    owed.push(Owed::Ready(f.txnr, b"500 command not supported".to_vec()));
                }
            }
        }
        if !batch.is_empty() {
            if let Err(e) = m.ingest(batch).await {
                // Unanswered: the sender keeps the messages and sends them again.
                tracing::warn!(%peer, error = %e, "syslog/relp messages not stored; closing unanswered");
                return Ok(());
            }
        }
        let mut out = Vec::new();
        for o in owed {
            match o {
                Owed::Ready(t, a) => out.extend(frame_bytes(t, "rsp", &a)),
                Owed::Stored(t) => out.extend(frame_bytes(t, "rsp", b"200 OK")),
            }
        }
        if closing || broken.is_some() {
            out.extend(frame_bytes(0, "serverclose", b""));
        }
        s.write_all(&out).await?;
        s.flush().await?;
        if let Some(e) = broken {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
        }
        if closing {
            return Ok(());
        }
    }
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

async fn serve_udp(sock: UdpSocket, m: Sink) {
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

/// The next connection within the connection limits (in all and per sender); one over them is
/// closed at once.
async fn accept_admitted(
    l: &TcpListener,
    m: &Monitor,
) -> (tokio::net::TcpStream, SocketAddr, crate::conns::Ticket) {
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
        match m.connections.admit(peer.ip(), false) {
            Some(ticket) => return (sock, peer, ticket),
            None => drop(sock),
        }
    }
}

async fn serve_tcp(l: TcpListener, sink: Sink, tls: Option<tokio_rustls::TlsAcceptor>) {
    let m = sink.m.clone();
    loop {
        let (sock, peer, ticket) = accept_admitted(&l, &m).await;
        let m = m.clone();
        let sink = sink.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _ticket = ticket;
            let idle = m.connections.limits().idle;
            match tls {
                None => read_stream(sock, peer, "tcp", sink).await,
                Some(acc) => match tokio::time::timeout(
                    idle.min(std::time::Duration::from_secs(10)),
                    acc.accept(sock),
                )
                .await
                {
                    Ok(Ok(s)) => read_stream(s, peer, "tls", sink).await,
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

/// What one read of a connection gave.
enum Read {
    /// The peer sent nothing for the idle limit (counted and logged).
    Idle,
    /// The peer closed the connection.
    End,
    /// This many bytes.
    Bytes(usize),
    /// The connection failed.
    Failed(std::io::Error),
}

/// Reads once, giving up after the connection limits' idle time.
async fn read_or_idle<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut [u8],
    m: &Monitor,
    peer: SocketAddr,
) -> Read {
    match tokio::time::timeout(m.connections.limits().idle, s.read(buf)).await {
        Err(_) => {
            m.connections
                .timed_out
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::info!(%peer, "syslog connection closed after being idle");
            Read::Idle
        }
        Ok(Ok(0)) => Read::End,
        Ok(Ok(n)) => Read::Bytes(n),
        Ok(Err(e)) => Read::Failed(e),
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
    sink: Sink,
) {
    let m = &sink.m;
    let mut framer = Framer::new(m.config().max_message);
    let mut buf = vec![0u8; 4096];
    loop {
        let n = match read_or_idle(&mut s, &mut buf, m, peer).await {
            Read::Idle | Read::End => break,
            Read::Bytes(n) => n,
            Read::Failed(e) => {
                tracing::info!(%peer, error = %e, "syslog connection ended with an error");
                break;
            }
        };
        framer.push(&buf[..n]);
        if n == buf.len() && buf.len() < MAX_READ {
            buf.resize(buf.len() * 2, 0);
        }
        if let Some(spool) = &sink.spool {
            // Straight into the spool's record format: one buffer a read, not a string a line.
            let mut block = Vec::with_capacity(n + n / 4);
            let (at, mut count) = (canhgac_domain::time::now_ms(), 0u64);
            while let Some(frame) = framer.next_frame_ref() {
                crate::spool::encode_frame(&mut block, transport, Some(peer.ip()), at, frame);
                count += 1;
            }
            if count > 0 && !spool.append_encoded(block, count).await {
                return;
            }
            continue;
        }
        let mut batch = Vec::new();
        while let Some(frame) = framer.next_frame() {
            batch.push(record(frame, peer, transport));
        }
        if !batch.is_empty() && !sink.submit(batch).await {
            return;
        }
    }
    if let Some(rest) = framer.finish() {
        let text = String::from_utf8_lossy(&rest).trim_end().to_string();
        if !text.is_empty() {
            sink.submit(vec![Raw::new(transport, Some(peer.ip()), Body::Line(text))])
                .await;
        }
    }
}

fn record(frame: Result<Vec<u8>, FrameError>, peer: SocketAddr, transport: &'static str) -> Raw {
    let body = match frame {
        Ok(bytes) => line(bytes),
        Err(FrameError::TooLong { head, max_len, .. }) => too_long(&head, max_len),
    };
    Raw::new(transport, Some(peer.ip()), body)
}

/// A message's bytes as a line to parse (invalid UTF-8 replaced).
fn line(bytes: Vec<u8>) -> Body {
    Body::Line(
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// An over-long message: its first `max_len` bytes, kept as malformed with the reason.
fn too_long(head: &[u8], max_len: usize) -> Body {
    Body::Malformed(
        String::from_utf8_lossy(head).into_owned(),
        too_long_reason(max_len),
    )
}

/// Why an over-long message is kept as malformed.
pub(crate) fn too_long_reason(max_len: usize) -> String {
    format!("message longer than {max_len} bytes; its first {max_len} bytes are kept")
}
