//! A short-lived cache of the figures that sum up many rows: the overview's counts, the wall's
//! panel, the triage's and the event list's histograms and totals, the log sources' summary.
//! Twenty officers refreshing one page cost one computation every couple of seconds, not twenty.
//!
//! - **Keyed by the caller's scope.** A figure computed for one set of organisations is never
//!   served to another: the key holds the scope's organisation ids (or the whole province), the
//!   figure's name, its parameters and the type of its value.
//! - **One computation at a time.** Requests that find a figure missing or expired wait for the
//!   one computing it. A failed computation is not kept; the next request tries again.
//! - **Read your own writes.** Every state-changing request through this server (any method but
//!   GET, HEAD and OPTIONS) empties the cache once it is answered, so an officer who closes an
//!   alert sees the count drop on the next page. What arrives by itself (logs, detections,
//!   another process's changes) shows within the time to live (`[server] figures_ttl_ms`,
//!   default 2,000 ms; 0 turns the cache off).
//! - **One request waits, not all.** When a figure has expired, the request that finds it so
//!   computes it anew; those that come while it does are answered with the figure it replaces,
//!   if that is at most [`STALE_FOR`] time-to-lives old and no change has been made since. So a
//!   slow figure (a histogram of ten million events) holds up one request every time to live
//!   instead of every request that arrives meanwhile.
//! - **Bounded.** At most [`MAX_ENTRIES`] figures; when full, expired ones are dropped, and if
//!   none is, all are.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use canhgac_domain::Scope;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most figures kept at once.
pub const MAX_ENTRIES: usize = 4096;

/// A figure being computed anew is served from the one it replaces while that is younger than
/// this many times the time to live.
pub const STALE_FOR: u32 = 5;

type Value = Arc<dyn Any + Send + Sync>;

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    name: &'static str,
    ty: TypeId,
    scope: Option<Vec<i64>>,
    params: String,
}

struct Slot {
    born: Instant,
    generation: u64,
    cell: Arc<tokio::sync::OnceCell<Value>>,
    /// The value this slot replaces (same key and generation) and when it was computed: served
    /// while `cell` is being filled.
    stale: Option<(Instant, Value)>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    slots: HashMap<Key, Slot>,
}

/// The cache (one per process, in [`AppState`]).
pub struct Figures {
    ttl: Duration,
    inner: Mutex<Inner>,
}

impl Figures {
    /// A cache whose figures live `ttl` (zero: nothing is kept).
    pub fn new(ttl: Duration) -> Figures {
        Figures {
            ttl,
            inner: Mutex::default(),
        }
    }

    /// The figure `name` with `params` for `scope`: the one computed less than the time to live
    /// ago, or `compute`'s value (computed once however many ask at the same time).
    pub async fn get<T, E, F, Fut>(
        &self,
        name: &'static str,
        scope: &Scope,
        params: &str,
        compute: F,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if self.ttl.is_zero() {
            return compute().await.map(Arc::new);
        }
        let key = Key {
            name,
            ty: TypeId::of::<T>(),
            scope: scope.ids().map(|s| s.to_vec()),
            params: params.to_string(),
        };
        let (cell, stale) = self.slot(key);
        let value = match (cell.get(), stale) {
            (Some(v), _) => v.clone(),
            (None, Some(old)) => old,
            (None, None) => cell
                .get_or_try_init(|| async { compute().await.map(|v| Arc::new(v) as Value) })
                .await?
                .clone(),
        };
        // The key holds the value's type, so the value is a T.
        Ok(value
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("a figure's key holds its type")))
    }

    /// The live slot for `key`, made anew when it is missing, expired or older than the last
    /// change; with the value to answer meanwhile if the slot's own is still being computed by
    /// another request (`None`: wait for it, or compute it).
    fn slot(&self, key: Key) -> (Arc<tokio::sync::OnceCell<Value>>, Option<Value>) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let generation = g.generation;
        let ttl = self.ttl;
        let live = |s: &Slot| s.generation == generation && s.born.elapsed() < ttl;
        let mut stale = None;
        if let Some(s) = g.slots.get(&key) {
            if live(s) {
                let old = s
                    .stale
                    .as_ref()
                    .filter(|(at, _)| at.elapsed() < ttl * STALE_FOR)
                    .map(|(_, v)| v.clone());
                return (s.cell.clone(), old);
            }
            if s.generation == generation {
                // Expired: this request computes it anew; the value it replaces is served to
                // those that come meanwhile (or, if it was never computed, what that one was
                // replacing).
                stale = match s.cell.get() {
                    Some(v) => Some((s.born, v.clone())),
                    None => s.stale.clone(),
                };
            }
        }
        if g.slots.len() >= MAX_ENTRIES {
            g.slots.retain(|_, s| live(s));
            if g.slots.len() >= MAX_ENTRIES {
                g.slots.clear();
            }
        }
        let cell = Arc::new(tokio::sync::OnceCell::new());
        g.slots.insert(
            key,
            Slot {
                born: Instant::now(),
                generation,
                cell: cell.clone(),
                stale,
            },
        );
        (cell, None)
    }

    /// Forgets every figure (a change was made).
    pub fn forget(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.generation += 1;
        g.slots.clear();
    }

    /// How many figures are kept (for tests).
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .slots
            .len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Middleware: a state-changing request empties the cache once it has been answered (its
/// change is then committed), so the next page shows it.
pub async fn forget_on_change(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let res = next.run(req).await;
    if changes {
        st.figures.forget();
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn orgs(ids: &[i64]) -> Scope {
        Scope::Orgs(ids.iter().copied().collect::<BTreeSet<_>>())
    }

    #[tokio::test]
    async fn kept_per_scope_and_computed_once() {
        let f = Figures::new(Duration::from_secs(60));
        let runs = AtomicUsize::new(0);
        let count = |n: i64| {
            let runs = &runs;
            move || async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(n)
            }
        };
        assert_eq!(*f.get("n", &orgs(&[1]), "", count(1)).await.unwrap(), 1);
        // Another scope never sees the first one's figure.
        assert_eq!(*f.get("n", &orgs(&[2]), "", count(2)).await.unwrap(), 2);
        assert_eq!(*f.get("n", &Scope::All, "", count(3)).await.unwrap(), 3);
        // Nor do other parameters.
        assert_eq!(*f.get("n", &orgs(&[1]), "x", count(4)).await.unwrap(), 4);
        // The same scope and parameters: kept.
        assert_eq!(*f.get("n", &orgs(&[1]), "", count(9)).await.unwrap(), 1);
        assert_eq!(runs.load(Ordering::SeqCst), 4);
        // A change forgets them all.
        f.forget();
        assert!(f.is_empty());
        assert_eq!(*f.get("n", &orgs(&[1]), "", count(5)).await.unwrap(), 5);
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_computation() {
        let f = Arc::new(Figures::new(Duration::from_secs(60)));
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (f, runs) = (f.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                *f.get("slow", &Scope::All, "", || async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok::<_, ()>(7u32)
                })
                .await
                .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 7);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failures_expiry_and_bound() {
        let f = Figures::new(Duration::from_millis(30));
        let r: Result<Arc<u8>, &str> = f.get("e", &Scope::All, "", || async { Err("down") }).await;
        assert_eq!(r.unwrap_err(), "down");
        // The failure was not kept.
        assert_eq!(
            *f.get("e", &Scope::All, "", || async { Ok::<_, &str>(1u8) })
                .await
                .unwrap(),
            1
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(
            *f.get("e", &Scope::All, "", || async { Ok::<_, &str>(2u8) })
                .await
                .unwrap(),
            2
        );
        for i in 0..(MAX_ENTRIES + 10) {
            let _ = f
                .get("b", &Scope::All, &i.to_string(), || async {
                    Ok::<_, ()>(i)
                })
                .await;
        }
        assert!(f.len() <= MAX_ENTRIES);
        // Off: computed every time.
        let off = Figures::new(Duration::ZERO);
        assert_eq!(
            *off.get("o", &Scope::All, "", || async { Ok::<_, ()>(1) })
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            *off.get("o", &Scope::All, "", || async { Ok::<_, ()>(2) })
                .await
                .unwrap(),
            2
        );
        assert!(off.is_empty());
    }

    #[tokio::test]
    async fn an_expired_figure_is_served_while_one_request_computes_it_anew() {
        let ttl = Duration::from_millis(200);
        let f = Arc::new(Figures::new(ttl));
        let get = |f: Arc<Figures>, v: u32, wait: u64| async move {
            *f.get("h", &Scope::All, "", || async move {
                tokio::time::sleep(Duration::from_millis(wait)).await;
                Ok::<_, ()>(v)
            })
            .await
            .unwrap()
        };
        assert_eq!(get(f.clone(), 1, 0).await, 1);
        tokio::time::sleep(ttl + Duration::from_millis(5)).await;
        // The first request after expiry computes (slowly); one arriving meanwhile gets the
        // old figure at once instead of waiting.
        let slow = tokio::spawn(get(f.clone(), 2, 100));
        tokio::time::sleep(Duration::from_millis(10)).await;
        let t = Instant::now();
        assert_eq!(get(f.clone(), 3, 0).await, 1);
        assert!(t.elapsed() < Duration::from_millis(50));
        assert_eq!(slow.await.unwrap(), 2);
        // Once computed, everyone gets the new one.
        assert_eq!(get(f.clone(), 4, 0).await, 2);
        // A change: nothing old is served; the next request waits for the fresh figure.
        tokio::time::sleep(ttl + Duration::from_millis(5)).await;
        f.forget();
        let slow = tokio::spawn(get(f.clone(), 5, 60));
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(get(f.clone(), 6, 0).await, 5);
        slow.await.unwrap();
        // Too old to serve: after STALE_FOR time-to-lives a request waits.
        tokio::time::sleep(ttl * (STALE_FOR + 1)).await;
        let slow = tokio::spawn(get(f.clone(), 7, 60));
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(get(f.clone(), 8, 0).await, 7);
        slow.await.unwrap();
    }
}
