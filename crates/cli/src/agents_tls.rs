//! The agents' side of the server in the binary: the rule checker (yara-x, linked only here)
//! and the HTTPS listener agents reach, with a certificate from the configuration or one made
//! and kept in the data folder (then pinned by the enrolment command).

use anyhow::{Context, Result};
use canhgac_server::{AppState, RuleChecker};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// Checks rule sets with yara-x and hash lists with the scanner's own parser.
pub struct MalwareCheck;

impl canhgac_ops::malware::RuleCheck for MalwareCheck {
    fn check(&self, kind: &str, file_name: &str, content: &str) -> Result<usize, Vec<String>> {
        match kind {
            "yara" => {
                let (rules, errors) = canhgac_malware::Rules::compile(&[(
                    file_name.to_string(),
                    content.to_string(),
                )]);
                if !errors.is_empty() {
                    return Err(errors.into_iter().map(|e| e.message).collect());
                }
                Ok(rules.map_or(0, |r| r.len()))
            }
            _ => {
                let mut list = canhgac_malware::HashList::default();
                let errors = list.add(file_name, content);
                if !errors.is_empty() {
                    return Err(errors
                        .into_iter()
                        .map(|e| format!("{} line {}: {}", e.file, e.line, e.message))
                        .collect());
                }
                Ok(list.len())
            }
        }
    }
}

/// The checker the server is given.
pub fn checker() -> RuleChecker {
    RuleChecker(Arc::new(MalwareCheck))
}

/// The TLS settings for the agents' listener and the certificate's SHA-256 when self-made.
pub fn tls_config(
    data: &Path,
    cert: Option<&Path>,
    key: Option<&Path>,
    names: Vec<String>,
) -> Result<(Arc<rustls::ServerConfig>, Option<String>)> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (cert_path, key_path, own) = match (cert, key) {
        (Some(c), Some(k)) => (c.to_path_buf(), k.to_path_buf(), false),
        _ => {
            let dir = data.join("agent-tls");
            let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
            if !c.exists() || !k.exists() {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                let made = rcgen::generate_simple_self_signed(names)
                    .context("cannot make the agents' TLS certificate")?;
                std::fs::write(&c, made.cert.pem())?;
                crate::write_private(&k, &made.signing_key.serialize_pem())?;
            }
            (c, k, true)
        }
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .with_context(|| format!("cannot read {}", cert_path.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} is not a PEM certificate", cert_path.display()))?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .with_context(|| format!("cannot read the key {}", key_path.display()))?;
    let pin = own
        .then(|| {
            certs
                .first()
                .map(|c| hex::encode(Sha256::digest(c.as_ref())))
        })
        .flatten();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the agents' certificate and key do not go together")?;
    Ok((Arc::new(config), pin))
}

/// Binds the agents' listener and serves it in the background.
pub async fn start(
    listen: SocketAddr,
    tls: Arc<rustls::ServerConfig>,
    state: AppState,
) -> Result<SocketAddr> {
    let l = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen for agents on {listen}"))?;
    let addr = l.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = canhgac_server::serve_tls(l, tls, state).await {
            tracing::error!(error = %e, "the agents' listener stopped");
        }
    });
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canhgac_ops::malware::RuleCheck;

    #[test]
    fn the_checker_gives_the_compilers_own_words() {
        let c = MalwareCheck;
        let errs = c
            .check(
                "yara",
                "bad.yar",
                "rule bad { strings: $a = \"x\" condition: $b }",
            )
            .expect_err("refused");
        assert!(errs[0].contains("unknown pattern `$b`"), "{errs:?}");
        assert_eq!(
            c.check(
                "yara",
                "ok.yar",
                "rule a { condition: true } rule b { condition: false }"
            ),
            Ok(2)
        );
        let errs = c
            .check("hashes", "list.txt", "zz not a hash\n")
            .expect_err("refused");
        assert!(errs[0].contains("list.txt line 1"), "{errs:?}");
        assert_eq!(
            c.check(
                "hashes",
                "main.hdb",
                "44d88612fea8a8f36de82e1278abb02f:68:Eicar\n"
            ),
            Ok(1)
        );
    }

    #[test]
    fn a_self_made_certificate_is_kept_and_pinned() {
        let dir = std::env::temp_dir().join(format!("cg-agent-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (_, pin) = tls_config(&dir, None, None, vec!["localhost".into()]).expect("made");
        let (_, again) = tls_config(&dir, None, None, vec!["localhost".into()]).expect("kept");
        assert_eq!(pin, again, "the same certificate after a restart");
        assert_eq!(pin.map(|p| p.len()), Some(64));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
