//! Outgoing e-mail over SMTP (lettre): reports to the national coordinator and escalations.
//! The server is named by a URL — `smtp://host:25` (plain, for a relay on the local network),
//! `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://user:pass@host:465` (TLS) —
//! and the sender by its address. Each message is one SMTP conversation with a time limit.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How long one message may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A message to send.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Recipients.
    pub to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// One attachment: file name, MIME type, bytes.
    pub attachment: Option<(String, String, Vec<u8>)>,
}

/// The mail server and the sender's address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    describe: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

/// Whether `s` reads as an e-mail address.
pub fn is_address(s: &str) -> bool {
    s.trim().parse::<Address>().is_ok()
}

impl Mailer {
    /// From a server URL (see the module's notes) and the sender's address.
    pub fn from_url(url: &str, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("sender address `{from}`: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("mail server URL: {e}"))?
            .timeout(Some(TIMEOUT))
            .build();
        // The URL may carry a password: describe the server without it.
        let host = url
            .rsplit_once('@')
            .map(|(_, h)| h)
            .unwrap_or_else(|| url.split_once("://").map(|(_, h)| h).unwrap_or(url));
        Ok(Mailer {
            transport,
            describe: format!("SMTP {host} as {from}"),
            from,
        })
    }

    /// A plain SMTP server on `host:port` without TLS or log-in (a relay on the local network,
    /// or a test's own server).
    pub fn plain(host: &str, port: u16, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("sender address `{from}`: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(TIMEOUT))
            .build();
        Ok(Mailer {
            transport,
            describe: format!("SMTP {host}:{port} as {from}"),
            from,
        })
    }

    /// The server and sender, for the settings page (no password).
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// Sends one message; returns the server's reply, or why it failed (in English).
    pub async fn send(&self, mail: &Mail) -> Result<String, String> {
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(mail.subject.clone());
        for to in &mail.to {
            let mb: Mailbox = to
                .trim()
                .parse()
                .map_err(|e| format!("recipient `{to}`: {e}"))?;
            b = b.to(mb);
        }
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone());
        let msg = match &mail.attachment {
            Some((name, mime, bytes)) => {
                let ct = ContentType::parse(mime).map_err(|e| format!("attachment type: {e}"))?;
                b.multipart(
                    MultiPart::mixed()
                        .singlepart(text)
                        .singlepart(Attachment::new(name.clone()).body(bytes.clone(), ct)),
                )
            }
            None => b.singlepart(text),
        }
        .map_err(|e| format!("message: {e}"))?;
        match self.transport.send(msg).await {
            Ok(r) => Ok(format!(
                "{} {}",
                r.code(),
                r.message().collect::<Vec<_>>().join(" ")
            )),
            Err(e) => Err(e.to_string()),
        }
    }
}
