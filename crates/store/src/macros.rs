//! Query helpers compiled once per backend.

/// Runs `$body` with `$pool` bound to the concrete pool; the body is compiled once per
/// backend, so each query is written once.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:block) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Pg($pool) => $body,
        }
    };
}

/// Binds every value of a slice to a query.
macro_rules! bind_all {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for v in $vals {
            q = match v {
                $crate::SqlVal::Int(i) => q.bind(*i),
                $crate::SqlVal::Text(s) => q.bind(s.clone()),
                $crate::SqlVal::Real(r) => q.bind(*r),
            };
        }
        q
    }};
}

/// Inserts an audit row on an executor (a transaction).
macro_rules! audit_insert {
    ($ex:expr, $entry:expr) => {{
        let e = $entry;
        sqlx::query(
            "INSERT INTO audit (at, user_id, user_email, org_id, action, entity, entity_id, before_json, after_json) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(e.at)
        .bind(e.user_id)
        .bind(e.user_email)
        .bind(e.org_id)
        .bind(e.action)
        .bind(e.entity)
        .bind(e.entity_id)
        .bind(e.before_json)
        .bind(e.after_json)
        .execute($ex)
        .await?;
    }};
}

/// Writes an entry on an incident's timeline (an executor: a transaction).
macro_rules! timeline_insert {
    ($ex:expr, $id:expr, $at:expr, $actor:expr, $kind:expr, $text:expr, $ref_id:expr) => {
        sqlx::query(
            "INSERT INTO incident_timeline (incident_id, at, actor, kind, text, ref_id) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($id)
        .bind($at)
        .bind($actor)
        .bind($kind)
        .bind($text)
        .bind($ref_id)
        .execute($ex)
        .await?
    };
}

/// Replaces the CVE rows of a finding or an advisory (`$table` is `scan_finding_cves` or
/// `advisory_cves`, `$col` its owner column) with the CVEs of its comma-separated list, on an
/// executor (a transaction), so KEV lookups join on the CVE instead of matching substrings.
macro_rules! cve_refs_replace {
    ($tx:expr, $table:literal, $col:literal, $id:expr, $cves:expr) => {{
        sqlx::query(concat!("DELETE FROM ", $table, " WHERE ", $col, " = $1"))
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        for chunk in $crate::cve_list($cves).chunks(200) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("($1, ${})", i + 2))
                .collect();
            let sql = format!(
                concat!(
                    "INSERT INTO ",
                    $table,
                    " (",
                    $col,
                    ", cve) VALUES {} ON CONFLICT DO NOTHING"
                ),
                values.join(", ")
            );
            let mut q = sqlx::query(&sql).bind($id);
            for c in chunk {
                q = q.bind(c.as_str());
            }
            q.execute(&mut *$tx).await?;
        }
    }};
}
