//! Connection admission: how many connections one source and everyone together may hold open,
//! and for how long an idle one is kept. Shared by the HTTP server and the syslog listeners, so
//! neither 2,000 idle syslog sockets nor 3,000 half-sent HTTP requests can exhaust memory or
//! file descriptors; what was refused or timed out is counted for `/metrics`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Limits of one kind of connection.
#[derive(Clone, Debug)]
pub struct ConnLimits {
    /// Open connections in all.
    pub total: usize,
    /// Open connections from one source address.
    pub per_source: usize,
    /// How long a connection may send nothing (syslog) or take to send a request's headers
    /// (HTTP) before it is closed.
    pub idle: Duration,
}

impl ConnLimits {
    /// Defaults for the web server and API: browsers open a handful each.
    pub fn http() -> ConnLimits {
        ConnLimits {
            total: 2048,
            per_source: 128,
            idle: Duration::from_secs(10),
        }
    }

    /// Defaults for syslog over TCP/TLS: one or a few long-lived connections per sender.
    pub fn syslog() -> ConnLimits {
        ConnLimits {
            total: 1024,
            per_source: 32,
            idle: Duration::from_secs(300),
        }
    }
}

/// Admits connections within [`ConnLimits`] and counts.
pub struct Gate {
    limits: ConnLimits,
    per_source: Mutex<HashMap<IpAddr, usize>>,
    open: AtomicUsize,
    /// Connections refused at the limits.
    pub refused: AtomicU64,
    /// Connections closed for being idle or too slow.
    pub timed_out: AtomicU64,
}

impl Default for Gate {
    fn default() -> Self {
        Gate::new(ConnLimits::http())
    }
}

impl Gate {
    /// A gate with these limits.
    pub fn new(limits: ConnLimits) -> Gate {
        Gate {
            limits,
            per_source: Mutex::new(HashMap::new()),
            open: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
            timed_out: AtomicU64::new(0),
        }
    }

    /// The limits.
    pub fn limits(&self) -> &ConnLimits {
        &self.limits
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Admits a connection from `source` (exempt from the per-source limit when `exempt`, e.g.
    /// a trusted reverse proxy), or counts the refusal and returns `None`. The ticket gives the
    /// place back when dropped.
    pub fn admit(self: &Arc<Self>, source: IpAddr, exempt: bool) -> Option<Ticket> {
        let Ok(mut map) = self.per_source.lock() else {
            return None;
        };
        let mine = map.get(&source).copied().unwrap_or(0);
        if self.open.load(Ordering::Relaxed) >= self.limits.total
            || (!exempt && mine >= self.limits.per_source)
        {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        map.insert(source, mine + 1);
        self.open.fetch_add(1, Ordering::Relaxed);
        Some(Ticket {
            gate: self.clone(),
            source,
        })
    }
}

/// A place taken in a [`Gate`].
pub struct Ticket {
    gate: Arc<Gate>,
    source: IpAddr,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.gate.open.fetch_sub(1, Ordering::Relaxed);
        if let Ok(mut map) = self.gate.per_source.lock() {
            if let Some(n) = map.get_mut(&self.source) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&self.source);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_source_and_in_all() {
        let g = Arc::new(Gate::new(ConnLimits {
            total: 3,
            per_source: 2,
            idle: Duration::from_secs(1),
        }));
        let a = IpAddr::from([192, 0, 2, 1]);
        let b = IpAddr::from([192, 0, 2, 2]);
        let t1 = g.admit(a, false).expect("first");
        let _t2 = g.admit(a, false).expect("second");
        assert!(g.admit(a, false).is_none(), "third from one source");
        let _t3 = g.admit(b, false).expect("another source");
        assert!(
            g.admit(b, true).is_none(),
            "the total holds even for the exempt"
        );
        drop(t1);
        assert!(g.admit(a, false).is_some());
        assert_eq!(g.refused.load(Ordering::Relaxed), 2);
    }
}
