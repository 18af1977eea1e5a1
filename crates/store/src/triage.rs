//! Triage views over signals: alerts grouped by host and time (see [`crate::GROUP_WINDOW_MS`]), time
//! histograms of alerts and events, and the last event a host sent.

use crate::signals::{per_org, severity_rank, signal_where, SIGNAL_COLS};
use crate::{Params, Result, SignalFilter, SignalRow, SignalSort, Store};
use canhgac_domain::signal::Severity;
use canhgac_domain::Scope;
use serde::Serialize;
use std::collections::HashMap;

/// A group of alerts on a triage list: alerts of one kind, organisation and host raised within
/// [`crate::GROUP_WINDOW_MS`] of the group's first one. Every member is listed; a group hides nothing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertGroup {
    /// The group's id (its first alert's id).
    pub group_id: i64,
    /// The highest severity among the members shown (wire name).
    #[schema(value_type = String)]
    pub severity: Severity,
    /// Alerts in the group that match the filter.
    pub alerts: i64,
    /// Occurrences counted by those alerts.
    pub hits: i64,
    /// Of them, not yet resolved.
    pub open: i64,
    /// First occurrence (Unix ms).
    pub first_seen: i64,
    /// Last occurrence (Unix ms).
    pub last_seen: i64,
    /// Whether every member was raised by the same stored event.
    pub same_event: bool,
    /// The members, first raised first.
    pub members: Vec<SignalRow>,
}

/// One bar of a time histogram.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema, PartialEq, Eq)]
pub struct Bucket {
    /// Start of the bucket (Unix ms).
    pub start: i64,
    /// How many.
    pub count: i64,
}

fn group_order(sort: SignalSort) -> String {
    match sort {
        SignalSort::Newest => "MAX(s.last_seen) DESC, s.group_id DESC".into(),
        SignalSort::Oldest => "MAX(s.last_seen), s.group_id".into(),
        SignalSort::Severity => format!(
            "MAX({}) DESC, MAX(s.last_seen) DESC",
            severity_rank("s.severity")
        ),
        SignalSort::Count => "SUM(s.count) DESC, MAX(s.last_seen) DESC".into(),
        SignalSort::Org => "MIN(o.code), MAX(s.last_seen) DESC".into(),
        SignalSort::Host => "MIN(lower(COALESCE(s.host_name, ''))), MAX(s.last_seen) DESC".into(),
        SignalSort::Title => "MIN(s.title), MAX(s.last_seen) DESC".into(),
    }
}

/// Spreads `rows` of `(bucket index, count)` over `n` buckets from `since`.
fn fill(since: i64, bucket_ms: i64, n: usize, rows: Vec<(i64, i64)>) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = (0..n)
        .map(|i| Bucket {
            start: since + i as i64 * bucket_ms,
            count: 0,
        })
        .collect();
    for (i, c) in rows {
        if let Some(b) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
            b.count += c;
        }
    }
    out
}

impl Store {
    /// Alert groups matching a filter (every member filtered the same way), in the filter's
    /// order, with the number of groups.
    pub async fn alert_groups(
        &self,
        scope: &Scope,
        f: &SignalFilter,
    ) -> Result<(Vec<AlertGroup>, i64)> {
        let total = self.count_alert_groups(scope, f).await?;
        Ok((self.alert_group_page(scope, f).await?, total))
    }

    /// How many alert groups match a filter, up to [`crate::COUNT_CAP`] + 1 (the filter's page
    /// and order do not change it). It reads every matching alert's group, so a caller that
    /// shows it on every view keeps it a moment (`server::figures`).
    pub async fn count_alert_groups(&self, scope: &Scope, f: &SignalFilter) -> Result<i64> {
        let mut p = Params::default();
        let w = signal_where(scope, f, &mut p, self.like());
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT DISTINCT s.group_id FROM signals s{w} LIMIT {}) c",
            crate::COUNT_CAP + 1
        );
        Ok(on_pool!(self, pool => {
            bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &p.vals).fetch_one(pool).await?
        }))
    }

    /// One page of the alert groups matching a filter, in the filter's order.
    pub async fn alert_group_page(
        &self,
        scope: &Scope,
        f: &SignalFilter,
    ) -> Result<Vec<AlertGroup>> {
        let mut p = Params::default();
        let w = signal_where(scope, f, &mut p, self.like());
        let limit = f.limit.unwrap_or(50).clamp(1, 500);
        let offset = f.offset.unwrap_or(0).max(0);
        let rank = severity_rank("s.severity");
        let agg = format!(
            "SELECT s.group_id, COUNT(*), CAST(SUM(s.count) AS BIGINT), CAST(MAX({rank}) AS BIGINT), \
             MIN(s.first_seen), MAX(s.last_seen), \
             CAST(SUM(CASE WHEN s.state IN ('resolved', 'false_positive') THEN 0 ELSE 1 END) AS BIGINT) \
             FROM signals s LEFT JOIN orgs o ON o.id = s.org_id{w}"
        );
        type Agg = (Option<i64>, i64, i64, i64, i64, i64, i64);
        let aggs: Vec<Agg> = if f.sort == SignalSort::Newest {
            // Newest first (the default): the groups in the order their alerts are met walking
            // the alerts from the most recently seen (each group first met at its newest alert,
            // ties by group id as in the other orders), read in growing slices until the page is
            // full; then only those groups are summed. The other orders sum every group.
            let want = (offset + limit) as usize;
            let mut take = want as i64 * 4;
            let order = loop {
                let order = "s.last_seen DESC, s.group_id DESC";
                let rows: Vec<Option<i64>> = match per_org(
                    scope,
                    f,
                    self.like(),
                    "s.group_id, s.last_seen",
                    order,
                    take,
                ) {
                    // A few organisations: one ordered slice each, merged.
                    Some((union, mp)) => {
                        let scan = format!(
                            "SELECT u.group_id FROM ({union}) u ORDER BY u.last_seen DESC, u.group_id DESC LIMIT {take}"
                        );
                        on_pool!(self, pool => {
                            bind_all!(sqlx::query_scalar::<_, Option<i64>>(&scan), &mp.vals).fetch_all(pool).await?
                        })
                    }
                    None => {
                        let scan = format!(
                            "SELECT s.group_id FROM signals s{w} ORDER BY {order} LIMIT {take}"
                        );
                        on_pool!(self, pool => {
                            bind_all!(sqlx::query_scalar::<_, Option<i64>>(&scan), &p.vals).fetch_all(pool).await?
                        })
                    }
                };
                let mut met = std::collections::HashSet::new();
                let order: Vec<i64> = rows
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|g| met.insert(*g))
                    .collect();
                if order.len() >= want || (rows.len() as i64) < take {
                    break order;
                }
                take *= 4;
            };
            let page: Vec<i64> = order
                .into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .collect();
            if page.is_empty() {
                Vec::new()
            } else {
                let list: Vec<String> = page.iter().map(i64::to_string).collect();
                let sql = format!(
                    "{agg} AND s.group_id IN ({}) GROUP BY s.group_id",
                    list.join(",")
                );
                let mut rows: Vec<Agg> = on_pool!(self, pool => {
                    bind_all!(sqlx::query_as::<_, Agg>(&sql), &p.vals).fetch_all(pool).await?
                });
                let at: HashMap<i64, usize> =
                    page.iter().enumerate().map(|(i, g)| (*g, i)).collect();
                rows.sort_by_key(|r| r.0.and_then(|g| at.get(&g).copied()).unwrap_or(usize::MAX));
                rows
            }
        } else {
            let sql = format!(
                "{agg} GROUP BY s.group_id ORDER BY {} LIMIT {limit} OFFSET {offset}",
                group_order(f.sort)
            );
            on_pool!(self, pool => {
                bind_all!(sqlx::query_as::<_, Agg>(&sql), &p.vals).fetch_all(pool).await?
            })
        };
        let ids: Vec<i64> = aggs.iter().filter_map(|a| a.0).collect();
        let mut members: HashMap<i64, Vec<SignalRow>> = HashMap::new();
        if !ids.is_empty() {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            let sql = format!(
                "SELECT {SIGNAL_COLS} FROM signals s LEFT JOIN orgs o ON o.id = s.org_id{w} \
                 AND s.group_id IN ({}) ORDER BY s.first_seen, s.id",
                list.join(",")
            );
            let rows: Vec<SignalRow> = on_pool!(self, pool => {
                bind_all!(sqlx::query_as::<_, SignalRow>(&sql), &p.vals).fetch_all(pool).await?
            });
            for r in rows {
                members
                    .entry(r.group_id.unwrap_or(r.id))
                    .or_default()
                    .push(r);
            }
        }
        let groups = aggs
            .into_iter()
            .filter_map(|(gid, alerts, hits, rank, first, last, open)| {
                let gid = gid?;
                let members = members.remove(&gid).unwrap_or_default();
                let events: Vec<Option<i64>> = members
                    .iter()
                    .map(|m| {
                        m.payload
                            .as_deref()
                            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                            .and_then(|v| v["event_id"].as_i64())
                    })
                    .collect();
                let same_event = members.len() > 1
                    && events.first().is_some_and(Option::is_some)
                    && events.windows(2).all(|w| w[0] == w[1]);
                Some(AlertGroup {
                    group_id: gid,
                    severity: Severity::ALL[(rank.clamp(1, 5) - 1) as usize],
                    alerts,
                    hits,
                    open,
                    first_seen: first,
                    last_seen: last,
                    same_event,
                    members,
                })
            })
            .collect();
        Ok(groups)
    }

    /// The ids of the signals in some groups, in scope and matching a filter (for bulk actions
    /// on the groups a person ticked).
    pub async fn signals_in_groups(
        &self,
        scope: &Scope,
        f: &SignalFilter,
        groups: &[i64],
    ) -> Result<Vec<i64>> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let mut p = Params::default();
        let w = signal_where(scope, f, &mut p, self.like());
        let list: Vec<String> = groups.iter().take(500).map(i64::to_string).collect();
        let sql = format!(
            "SELECT s.id FROM signals s{w} AND s.group_id IN ({}) ORDER BY s.id",
            list.join(",")
        );
        on_pool!(self, pool => {
            Ok(bind_all!(sqlx::query_scalar::<_, i64>(&sql), &p.vals).fetch_all(pool).await?)
        })
    }

    /// How many signals matching a filter were first raised in each of `n` buckets of
    /// `bucket_ms` from `since`.
    pub async fn signal_histogram(
        &self,
        scope: &Scope,
        f: &SignalFilter,
        since: i64,
        bucket_ms: i64,
        n: usize,
    ) -> Result<Vec<Bucket>> {
        let mut p = Params::default();
        let w = signal_where(scope, f, &mut p, self.like());
        self.histogram("signals s", "s.first_seen", &w, p, since, bucket_ms, n)
            .await
    }

    /// How many events matching a filter arrived (by event time) in each of `n` buckets of
    /// `bucket_ms` from `since`.
    pub async fn event_histogram(
        &self,
        scope: &Scope,
        f: &crate::EventFilter,
        since: i64,
        bucket_ms: i64,
        n: usize,
    ) -> Result<Vec<Bucket>> {
        let mut p = Params::default();
        let w = self.event_where(scope, f, &mut p);
        self.histogram("events e", "e.at", &w, p, since, bucket_ms, n)
            .await
    }

    /// Counts the rows of `from` (already narrowed by `w`, whose values are in `p`) by buckets
    /// of `time` (Unix ms).
    #[allow(clippy::too_many_arguments)]
    async fn histogram(
        &self,
        from: &str,
        time: &str,
        w: &str,
        mut p: Params,
        since: i64,
        bucket_ms: i64,
        n: usize,
    ) -> Result<Vec<Bucket>> {
        let bucket_ms = bucket_ms.max(1000);
        let s0 = p.int(since);
        let b = p.int(bucket_ms);
        let end = p.int(since + bucket_ms * n as i64);
        let sql = format!(
            "SELECT CAST(({time} - {s0}) / {b} AS BIGINT) AS k, COUNT(*) FROM {from}{w} \
             AND {time} >= {s0} AND {time} < {end} GROUP BY k"
        );
        let rows: Vec<(i64, i64)> = on_pool!(self, pool => {
            bind_all!(sqlx::query_as::<_, (i64, i64)>(&sql), &p.vals).fetch_all(pool).await?
        });
        Ok(fill(since, bucket_ms, n, rows))
    }

    /// When a registered host in scope last sent an event: `(event id, received at)`.
    pub async fn last_event_of_host(
        &self,
        scope: &Scope,
        host_id: i64,
    ) -> Result<Option<(i64, i64)>> {
        let sql = format!(
            "SELECT a.last_event_id, a.last_received FROM host_activity a JOIN hosts h ON h.id = a.host_id \
             WHERE a.host_id = $1{}",
            crate::scope_sql(scope, "h.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (i64, i64)>(&sql).bind(host_id).fetch_optional(pool).await?)
        })
    }
}
