//! Alerts announced between processes (M15): on PostgreSQL a new or counted-up alert is
//! announced with `NOTIFY` and every process sharing the database relays what the others
//! announce into its own live feed, so a browser sees the alerts wherever they were raised.
//! SQLite is one process: there is nothing to relay.

use crate::{Pool, Result, Store};

/// The channel alerts are announced on.
const ALERT_CHANNEL: &str = "canhgac_alerts";

/// The largest announcement PostgreSQL carries is 8000 bytes; larger ones are not sent.
pub const MAX_ANNOUNCEMENT: usize = 7900;

impl Store {
    /// Announces alerts to the other processes on the same PostgreSQL database, all in one
    /// statement (one commit, however many); nothing on SQLite. An announcement over
    /// [`MAX_ANNOUNCEMENT`] bytes is dropped (the alert itself is stored; only its live notice
    /// is lost).
    pub async fn announce_alerts(&self, payloads: &[String]) -> Result<()> {
        if let Pool::Pg(p) = &self.pool {
            let fit: Vec<&str> = payloads
                .iter()
                .filter(|a| {
                    let ok = a.len() <= MAX_ANNOUNCEMENT;
                    if !ok {
                        tracing::warn!(bytes = a.len(), "alert announcement too long; not sent");
                    }
                    ok
                })
                .map(String::as_str)
                .collect();
            if fit.is_empty() {
                return Ok(());
            }
            sqlx::query("SELECT pg_notify($1, a) FROM unnest($2::text[]) WITH ORDINALITY AS t(a, n) ORDER BY n")
                .bind(ALERT_CHANNEL)
                .bind(&fit)
                .execute(p)
                .await?;
        }
        Ok(())
    }

    /// Calls `deliver` with every announcement on the database (its own included) while the
    /// returned task runs; `None` on SQLite. A lost connection is re-established.
    pub fn relay_alerts<F>(&self, deliver: F) -> Option<tokio::task::JoinHandle<()>>
    where
        F: Fn(String) + Send + Sync + 'static,
    {
        let Pool::Pg(p) = &self.pool else {
            return None;
        };
        let pool = p.clone();
        Some(tokio::spawn(async move {
            loop {
                let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "alert relay cannot connect; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                        continue;
                    }
                };
                if let Err(e) = listener.listen(ALERT_CHANNEL).await {
                    tracing::warn!(error = %e, "alert relay cannot listen; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    continue;
                }
                loop {
                    match listener.recv().await {
                        Ok(n) => deliver(n.payload().to_string()),
                        Err(e) => {
                            tracing::warn!(error = %e, "alert relay lost its connection");
                            break;
                        }
                    }
                }
            }
        }))
    }
}
