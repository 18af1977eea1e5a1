//! The live alert feed (server-sent events).

/// The live alert feed for one caller: only alerts of organisations they may see (alerts of no
/// known organisation only for province-wide roles).
pub fn alert_sse(
    st: &crate::AppState,
    c: crate::auth::Caller,
) -> axum::response::sse::Sse<
    impl futures_core::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
> {
    use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
    use tokio::sync::broadcast::error::RecvError;
    let rx = st.monitor.alerts.subscribe();
    let scope = c.scope.clone();
    let province_wide = scope.ids().is_none();
    let stream = futures_util::stream::unfold(rx, move |mut rx| {
        let scope = scope.clone();
        async move {
            loop {
                match rx.recv().await {
                    Ok(n) => {
                        let visible = match n.org_id {
                            Some(o) => scope.contains(o),
                            None => province_wide,
                        };
                        if !visible {
                            continue;
                        }
                        let ev = SseEvent::default()
                            .event("alert")
                            .json_data(&n)
                            .unwrap_or_default();
                        return Some((Ok(ev), rx));
                    }
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
