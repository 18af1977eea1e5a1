//! The storage test suite, run against both backends: SQLite always, PostgreSQL when
//! `CANHGAC_TEST_DATABASE_URL` names a server (then it must be reachable: no skipping).

#![allow(clippy::unwrap_used)]

use canhgac_domain::entity::{EntityKind, Record};
use canhgac_domain::signal::{Dedup, Severity, SignalKind, SignalState};
use canhgac_domain::work::{Proof, WorkEvent, WorkKind};
use canhgac_domain::{Role, Scope};
use canhgac_store::{
    Actor, AuditQuery, KevRow, ListQuery, NewAdvisory, NewScanFinding, NewSignal, NewUser,
    NewWorkItem, SignalFilter, Store, StoreError, WorkFilter,
};
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::collections::BTreeSet;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        canhgac_domain::time::now_ms() % 1_000_000
    )
}

async fn sqlite() -> Store {
    let dir = std::env::temp_dir().join(unique("canhgac_store_test"));
    Store::open_sqlite(&dir).await.expect("open sqlite")
}

/// A fresh database on the PostgreSQL server named by the environment, or `None`; the
/// name is returned so the test can drop it when done.
async fn postgres() -> Option<(Store, String)> {
    let url = std::env::var("CANHGAC_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let base = PgConnectOptions::from_str(&url)
        .expect("CANHGAC_TEST_DATABASE_URL is not a valid PostgreSQL URL");
    let mut admin = base
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {url}: {e}"));
    let name = unique("canhgac_t");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("create test database");
    admin.close().await.ok();
    Some((
        Store::open_postgres_with(base.database(&name))
            .await
            .expect("open postgres test database"),
        name,
    ))
}

async fn drop_postgres(name: &str) {
    let url = std::env::var("CANHGAC_TEST_DATABASE_URL").unwrap_or_default();
    if let Ok(mut admin) = PgConnectOptions::from_str(&url)
        .expect("url")
        .connect()
        .await
    {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(super::sqlite().await).await;
            }
            #[tokio::test]
            async fn postgres() {
                match super::postgres().await {
                    Some((store, name)) => {
                        super::$name(store).await;
                        super::drop_postgres(&name).await;
                    }
                    None => eprintln!("CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here (CI sets it)"),
                }
            }
        })*
    };
}

both_backends!(
    registry_scope_and_validation,
    audit_is_append_only,
    users_sessions_and_tokens,
    import_is_all_or_nothing,
    signals_deduplicate,
    deduplication_stays_inside_an_organisation,
    alerts_group_by_host_and_time_inside_an_organisation,
    hosts_remember_their_last_event,
    registry_claims_are_exclusive,
    work_items_keep_their_closing_rules,
    events_get_their_own_ids,
    a_job_lease_has_one_holder,
    guarded_batches_move_their_cursor_once,
    outboxed_alerts_count_up_in_one_pass,
    kev_matches_whole_cves
);

/// A periodic job's lease: one holder at a time, renewed by it, taken over only once lapsed;
/// many processes asking at once, one wins.
async fn a_job_lease_has_one_holder(s: Store) {
    let t = 1_000_000;
    assert!(s.take_lease("pager", "a", 90_000, t).await.expect("take"));
    assert!(
        !s.take_lease("pager", "b", 90_000, t + 1)
            .await
            .expect("refused"),
        "a holds it"
    );
    assert!(
        s.take_lease("pager", "a", 90_000, t + 30_000)
            .await
            .expect("renew"),
        "a renews"
    );
    assert!(!s
        .take_lease("pager", "b", 90_000, t + 119_999)
        .await
        .expect("still a's"));
    // a died: its lease lapses and b takes the job; a, back, does not get it.
    assert!(s
        .take_lease("pager", "b", 90_000, t + 120_000)
        .await
        .expect("taken over"));
    assert!(!s
        .take_lease("pager", "a", 90_000, t + 120_001)
        .await
        .expect("b's now"));
    // Leases are per job.
    assert!(s
        .take_lease("reports", "a", 90_000, t + 120_001)
        .await
        .expect("another job"));
    // Twenty processes at once on a lapsed lease: exactly one wins.
    let later = t + 1_000_000;
    let tries: Vec<_> = (0..20)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.take_lease("retention", &format!("p{i}"), 60_000, later)
                    .await
                    .expect("try")
            })
        })
        .collect();
    let mut won = 0;
    for t in tries {
        won += usize::from(t.await.expect("task"));
    }
    assert_eq!(won, 1);
    let leases = s.leases().await.expect("leases");
    assert_eq!(
        leases.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["pager", "reports", "retention"]
    );
    assert_eq!(leases[0].holder, "b");
    s.release_lease("pager", "a").await.expect("not a's: no-op");
    assert_eq!(s.leases().await.expect("leases").len(), 3);
    s.release_lease("pager", "b").await.expect("release");
    assert!(s
        .take_lease("pager", "a", 90_000, t + 120_002)
        .await
        .expect("free again"));
}

fn rec(v: Value) -> Record {
    v.as_object().cloned().expect("object")
}

fn admin() -> Actor {
    Actor {
        user_id: None,
        email: "test@canhgac".into(),
    }
}

struct Province {
    dic: i64,
    a: i64,
    a1: i64,
    b: i64,
}

async fn province(s: &Store) -> Province {
    let all = Scope::All;
    let mk = |code: &str, kind: &str, parent: Option<i64>| {
        rec(
            json!({"code": code, "name": format!("Đơn vị {code}"), "kind": kind, "parent_id": parent}),
        )
    };
    let dic = s
        .create(EntityKind::Org, &all, &admin(), &mk("STTTT", "dic", None))
        .await
        .expect("dic")["id"]
        .as_i64()
        .expect("id");
    let a = s
        .create(
            EntityKind::Org,
            &all,
            &admin(),
            &mk("SYT", "agency", Some(dic)),
        )
        .await
        .expect("a")["id"]
        .as_i64()
        .expect("id");
    let a1 = s
        .create(
            EntityKind::Org,
            &all,
            &admin(),
            &mk("syt-bv", "agency", Some(a)),
        )
        .await
        .expect("a1")["id"]
        .as_i64()
        .expect("id");
    let b = s
        .create(
            EntityKind::Org,
            &all,
            &admin(),
            &mk("TAMDUONG", "district", Some(dic)),
        )
        .await
        .expect("b")["id"]
        .as_i64()
        .expect("id");
    Province { dic, a, a1, b }
}

/// Registers a server of `org` with one address; its id.
async fn server(s: &Store, org: i64, hostname: &str, ip: &str) -> i64 {
    s.create(
        EntityKind::Host,
        &Scope::All,
        &admin(),
        &rec(json!({"org_id": org, "hostname": hostname, "kind": "server", "ips": ip})),
    )
    .await
    .expect("host")["id"]
        .as_i64()
        .expect("id")
}

fn scope_of(s: &[(i64, Option<i64>)], role: Role, org: Option<i64>) -> Scope {
    Scope::for_user(role, org, s)
}

async fn registry_scope_and_validation(s: Store) {
    let p = province(&s).await;
    let tree = s.org_tree().await.expect("tree");
    let a_scope = scope_of(&tree, Role::OrgAdmin, Some(p.a));
    let b_scope = scope_of(&tree, Role::OrgStaff, Some(p.b));
    assert!(
        a_scope.contains(p.a1),
        "an organisation's scope includes its children"
    );

    let sys = s
        .create(
            EntityKind::System,
            &a_scope,
            &admin(),
            &rec(json!({"org_id": p.a1, "name": "HIS", "level": 3})),
        )
        .await
        .expect("system");
    let host = s
        .create(EntityKind::Host, &a_scope, &admin(), &rec(json!({"org_id": p.a1, "hostname": "bv-app01", "kind": "server", "ips": "10.0.0.5 2001:db8::5", "system_id": sys["id"]})))
        .await
        .expect("host");
    assert_eq!(host["system_name"], "HIS");
    assert_eq!(host["system_level"], 3);
    assert_eq!(host["org_code"], "SYT-BV");
    assert_eq!(host["ips"], "10.0.0.5, 2001:db8::5");
    let hid = host["id"].as_i64().expect("id");
    s.create(
        EntityKind::Host,
        &b_scope,
        &admin(),
        &rec(json!({"org_id": p.b, "hostname": "td-pc01", "kind": "workstation"})),
    )
    .await
    .expect("b host");

    // Scope cuts reads.
    assert!(
        s.get(EntityKind::Host, &b_scope, hid)
            .await
            .expect("get")
            .is_none(),
        "B cannot read A's host"
    );
    assert!(s
        .get(EntityKind::Host, &a_scope, hid)
        .await
        .expect("get")
        .is_some());
    let b_hosts = s
        .list(EntityKind::Host, &b_scope, &ListQuery::default())
        .await
        .expect("list");
    assert_eq!(b_hosts.total, 1);
    assert_eq!(b_hosts.items[0]["hostname"], "td-pc01");
    let all_hosts = s
        .list(EntityKind::Host, &Scope::All, &ListQuery::default())
        .await
        .expect("list");
    assert_eq!(all_hosts.total, 2);

    // An agency of two organisations (SYT and its hospital): its hosts by name across both,
    // page by page, as one list would be (each organisation's are read apart and merged).
    for (org, name) in [
        (p.a, "m-03"),
        (p.a1, "m-01"),
        (p.a, "m-02"),
        (p.a1, "m-04"),
        (p.a, "m-05"),
    ] {
        s.create(
            EntityKind::Host,
            &a_scope,
            &admin(),
            &rec(json!({"org_id": org, "hostname": name, "kind": "server"})),
        )
        .await
        .expect("agency host");
    }
    let page = |offset: i64| ListQuery {
        limit: Some(2),
        offset: Some(offset),
        q: Some("m-0".into()),
        ..Default::default()
    };
    let mut names = Vec::new();
    for offset in [0, 2, 4] {
        let got = s
            .list(EntityKind::Host, &a_scope, &page(offset))
            .await
            .expect("page");
        assert_eq!(got.total, 5, "the agency's matching hosts, on every page");
        names.extend(
            got.items
                .iter()
                .map(|r| r["hostname"].as_str().unwrap_or_default().to_string()),
        );
    }
    assert_eq!(
        names,
        ["m-01", "m-02", "m-03", "m-04", "m-05"],
        "merged in name order"
    );
    let b_hosts = s
        .list(EntityKind::Host, &b_scope, &ListQuery::default())
        .await
        .expect("list");
    assert_eq!(b_hosts.total, 1, "another organisation's list is untouched");
    let orgs_b = s
        .list(EntityKind::Org, &b_scope, &ListQuery::default())
        .await
        .expect("orgs");
    assert_eq!(
        orgs_b
            .items
            .iter()
            .map(|r| r["code"].as_str().unwrap_or_default())
            .collect::<Vec<_>>(),
        vec!["TAMDUONG"]
    );

    // Scope cuts writes: B cannot change, move into, or delete A's records.
    let e = s
        .update(
            EntityKind::Host,
            &b_scope,
            &admin(),
            hid,
            &rec(json!({"os": "x"})),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    let e = s
        .delete(EntityKind::Host, &b_scope, &admin(), hid)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    let e = s
        .create(
            EntityKind::Host,
            &b_scope,
            &admin(),
            &rec(json!({"org_id": p.a, "hostname": "x", "kind": "server"})),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
    let e = s
        .create(
            EntityKind::Org,
            &b_scope,
            &admin(),
            &rec(json!({"code": "NEW", "name": "n", "kind": "agency"})),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
    // A cannot move its host to B's organisation.
    let e = s
        .update(
            EntityKind::Host,
            &a_scope,
            &admin(),
            hid,
            &rec(json!({"org_id": p.b})),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
    // A host's system must belong to the same organisation.
    let e = s.create(EntityKind::Host, &Scope::All, &admin(), &rec(json!({"org_id": p.b, "hostname": "td-srv", "kind": "server", "system_id": sys["id"]}))).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid(f) if f[0].field == "system_id"),
        "{e:?}"
    );

    // Validation reports every field.
    let e = s
        .create(
            EntityKind::Host,
            &a_scope,
            &admin(),
            &rec(json!({"org_id": p.a, "kind": "toaster", "ips": "1.2.3"})),
        )
        .await
        .unwrap_err();
    let StoreError::Invalid(fields) = e else {
        panic!("expected Invalid")
    };
    let names: BTreeSet<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["hostname", "kind", "ips"]));

    // Uniqueness and references.
    let e = s
        .create(
            EntityKind::Host,
            &a_scope,
            &admin(),
            &rec(json!({"org_id": p.a1, "hostname": "bv-app01", "kind": "server"})),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    let e = s
        .delete(EntityKind::Org, &Scope::All, &admin(), p.a)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(_)),
        "an organisation with records cannot be deleted: {e:?}"
    );
    let e = s
        .update(
            EntityKind::Org,
            &Scope::All,
            &admin(),
            p.a,
            &rec(json!({"parent_id": p.a1})),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid(f) if f[0].field == "parent_id"),
        "no cycles: {e:?}"
    );

    // Search, filters, paging.
    for i in 0..12 {
        s.create(EntityKind::Software, &a_scope, &admin(), &rec(json!({"org_id": p.a1, "host_id": hid, "name": format!("pkg{i:02}"), "version": "1.0", "scheme": "deb"}))).await.expect("sw");
    }
    let page = s
        .list(
            EntityKind::Software,
            &a_scope,
            &ListQuery {
                filters: vec![("host_id".into(), hid.to_string())],
                limit: Some(5),
                offset: Some(10),
                ..Default::default()
            },
        )
        .await
        .expect("page");
    assert_eq!((page.total, page.items.len()), (12, 2));
    assert_eq!(page.items[0]["name"], "pkg10");
    let found = s
        .list(
            EntityKind::Host,
            &Scope::All,
            &ListQuery {
                q: Some("2001:DB8::5".into()),
                ..Default::default()
            },
        )
        .await
        .expect("q");
    assert_eq!(found.total, 1, "search is case-insensitive and covers IPs");
    let by_org = s
        .list(
            EntityKind::Host,
            &Scope::All,
            &ListQuery {
                org_id: Some(p.b),
                ..Default::default()
            },
        )
        .await
        .expect("org");
    assert_eq!(by_org.total, 1);
    let bad = s
        .list(
            EntityKind::Host,
            &Scope::All,
            &ListQuery {
                filters: vec![("password".into(), "x".into())],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(bad, StoreError::Invalid(_)));

    // Partial update keeps other fields.
    let upd = s
        .update(
            EntityKind::Host,
            &a_scope,
            &admin(),
            hid,
            &rec(json!({"os": "Debian 12"})),
        )
        .await
        .expect("update");
    assert_eq!(upd["os"], "Debian 12");
    assert_eq!(upd["hostname"], "bv-app01");
    let counts = s.counts(&a_scope).await.expect("counts");
    assert!(counts.contains(&(EntityKind::Software, 12)));
    let _ = p.dic;
}

async fn audit_is_append_only(s: Store) {
    let p = province(&s).await;
    let actor = Actor {
        user_id: Some(42),
        email: "officer@stttt.vn".into(),
    };
    let h = s
        .create(
            EntityKind::Host,
            &Scope::All,
            &actor,
            &rec(json!({"org_id": p.b, "hostname": "h1", "kind": "server"})),
        )
        .await
        .expect("create");
    let id = h["id"].as_i64().expect("id");
    s.update(
        EntityKind::Host,
        &Scope::All,
        &actor,
        id,
        &rec(json!({"os": "RHEL 9"})),
    )
    .await
    .expect("update");
    s.delete(EntityKind::Host, &Scope::All, &actor, id)
        .await
        .expect("delete");
    let (entries, total) = s
        .list_audit(
            &Scope::All,
            &AuditQuery {
                entity: Some("hosts".into()),
                entity_id: Some(id),
                ..Default::default()
            },
        )
        .await
        .expect("audit");
    assert_eq!(total, 3);
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["delete", "update", "create"]);
    assert_eq!(
        entries[1].before.as_ref().and_then(|b| b.get("os")),
        Some(&Value::Null)
    );
    assert_eq!(
        entries[1].after.as_ref().and_then(|a| a.get("os")),
        Some(&json!("RHEL 9"))
    );
    assert!(entries
        .iter()
        .all(|e| e.user_email == "officer@stttt.vn" && e.org_id == Some(p.b)));
    // Scoped audit: B's scope sees B's entries, not A's.
    let tree = s.org_tree().await.expect("tree");
    let (a_entries, _) = s
        .list_audit(
            &Scope::for_user(Role::OrgAdmin, Some(p.a), &tree),
            &AuditQuery::default(),
        )
        .await
        .expect("a audit");
    assert!(a_entries
        .iter()
        .all(|e| e.org_id.is_some_and(|o| o == p.a || o == p.a1)));
    // The database itself refuses to rewrite history.
    let sql_update = "UPDATE audit SET user_email = 'nobody'";
    let sql_delete = "DELETE FROM audit";
    let pool = s.clone();
    let raw = |sql: &'static str| {
        let pool = pool.clone();
        async move { raw_exec(&pool, sql).await }
    };
    assert!(
        raw(sql_update).await.is_err(),
        "audit rows cannot be updated"
    );
    assert!(
        raw(sql_delete).await.is_err(),
        "audit rows cannot be deleted"
    );
}

async fn raw_exec(s: &Store, sql: &str) -> Result<u64, sqlx::Error> {
    s.execute_raw_for_tests(sql).await
}

async fn users_sessions_and_tokens(s: Store) {
    let p = province(&s).await;
    let tree = s.org_tree().await.expect("tree");
    let a_scope = Scope::for_user(Role::OrgAdmin, Some(p.a), &tree);
    let nu = |email: &str, role: Role, org: Option<i64>| NewUser {
        email: email.into(),
        full_name: "Cán bộ".into(),
        password_hash: "$argon2id$fake".into(),
        role,
        org_id: org,
    };
    let u = s
        .create_user(
            &a_scope,
            &admin(),
            &nu("Staff@SYT.vn", Role::OrgStaff, Some(p.a1)),
        )
        .await
        .expect("user");
    assert_eq!(u.email, "staff@syt.vn");
    assert!(matches!(
        s.create_user(&a_scope, &admin(), &nu("x@b.vn", Role::OrgStaff, Some(p.b)))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        s.create_user(&a_scope, &admin(), &nu("y@x.vn", Role::Viewer, None))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        s.create_user(&Scope::All, &admin(), &nu("z@x.vn", Role::OrgStaff, None))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.create_user(
            &Scope::All,
            &admin(),
            &nu("staff@syt.vn", Role::Viewer, None)
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    let viewer = s
        .create_user(
            &Scope::All,
            &admin(),
            &nu("lanhdao@x.vn", Role::Viewer, None),
        )
        .await
        .expect("viewer");
    let listed: Vec<String> = s
        .list_users(&a_scope)
        .await
        .expect("users")
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(
        listed,
        vec!["staff@syt.vn"],
        "an org admin sees only its own users"
    );
    assert!(s
        .user_in_scope(&a_scope, viewer.id)
        .await
        .expect("get")
        .is_none());

    s.create_session("hash-1", u.id, "csrf-1", 60_000)
        .await
        .expect("session");
    s.create_session("hash-old", u.id, "csrf-2", -1)
        .await
        .expect("expired session");
    let (su, csrf) = s.session("hash-1").await.expect("get").expect("live");
    assert_eq!((su.id, csrf.as_str()), (u.id, "csrf-1"));
    assert!(
        s.session("hash-old").await.expect("get").is_none(),
        "expired sessions do not authenticate"
    );
    s.create_api_token("tok-1", u.id, "script", 60_000)
        .await
        .expect("token");
    assert_eq!(
        s.api_token_user("tok-1").await.expect("tok").map(|u| u.id),
        Some(u.id)
    );
    assert!(s
        .api_token_user("tok-unknown")
        .await
        .expect("tok")
        .is_none());

    // A new password ends sessions and tokens; disabling ends access.
    s.update_user(
        &a_scope,
        &admin(),
        u.id,
        None,
        None,
        None,
        None,
        Some("$argon2id$new"),
    )
    .await
    .expect("pw");
    assert!(s.session("hash-1").await.expect("get").is_none());
    assert!(s.api_token_user("tok-1").await.expect("tok").is_none());
    s.create_session("hash-2", u.id, "c", 60_000)
        .await
        .expect("session");
    s.update_user(
        &a_scope,
        &admin(),
        u.id,
        None,
        None,
        None,
        Some(false),
        None,
    )
    .await
    .expect("disable");
    assert!(
        s.session("hash-2").await.expect("get").is_none(),
        "disabled accounts do not authenticate"
    );
    // An org admin cannot move a user out of its scope.
    let e = s
        .update_user(
            &a_scope,
            &admin(),
            u.id,
            None,
            None,
            Some(Some(p.b)),
            None,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)));
    s.create_session("hash-old-2", viewer.id, "c", -1)
        .await
        .expect("expired session");
    assert!(s.purge_expired().await.expect("purge") >= 1);
    let (entries, _) = s
        .list_audit(
            &Scope::All,
            &AuditQuery {
                entity: Some("users".into()),
                ..Default::default()
            },
        )
        .await
        .expect("audit");
    assert!(
        entries.iter().all(|e| !e
            .after
            .as_ref()
            .is_some_and(|a| a.to_string().contains("argon2"))),
        "no password hash in the audit log"
    );
}

async fn import_is_all_or_nothing(s: Store) {
    let p = province(&s).await;
    let good = |n: &str| {
        EntityKind::Host
            .validate(&rec(
                json!({"org_id": p.b, "hostname": n, "kind": "server"}),
            ))
            .0
    };
    let batch = vec![good("h1"), good("h2"), good("h1")];
    let e = s
        .import(EntityKind::Host, &Scope::All, &admin(), &batch)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert_eq!(
        s.list(EntityKind::Host, &Scope::All, &ListQuery::default())
            .await
            .expect("list")
            .total,
        0,
        "nothing of a failed import is kept"
    );
    let (_, audit_total) = s
        .list_audit(
            &Scope::All,
            &AuditQuery {
                entity: Some("hosts".into()),
                ..Default::default()
            },
        )
        .await
        .expect("audit");
    assert_eq!(audit_total, 0, "nor its audit rows");
    assert_eq!(
        s.import(EntityKind::Host, &Scope::All, &admin(), &batch[..2])
            .await
            .expect("import"),
        2
    );
    let tree = s.org_tree().await.expect("tree");
    let a_scope = Scope::for_user(Role::OrgStaff, Some(p.a), &tree);
    let e = s
        .import(EntityKind::Host, &a_scope, &admin(), &[good("h9")])
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Forbidden(_)),
        "an import cannot write outside the caller's scope"
    );
}

async fn signals_deduplicate(s: Store) {
    let p = province(&s).await;
    let sig = |at: i64| NewSignal {
        kind: SignalKind::SigmaAlert,
        source: "sigma:ssh-bruteforce".into(),
        title: "SSH brute force".into(),
        severity: Severity::Medium,
        org_id: Some(p.a),
        host_id: None,
        dedup_key: "ssh:bv-app01".into(),
        seen_at: at,
        window_ms: 300_000,
        payload: json!({"src": "203.0.113.9"}),
        host_name: Some("bv-app01".into()),
        src_ip: Some("203.0.113.9".into()),
    };
    let (id, d) = s.raise_signal(&sig(1_000_000)).await.expect("raise");
    assert_eq!(d, Dedup::Raise);
    let (id2, d) = s.raise_signal(&sig(1_060_000)).await.expect("again");
    assert_eq!((id2, d), (id, Dedup::CountUp(id)));
    let (id3, d) = s.raise_signal(&sig(2_000_000)).await.expect("later");
    assert_eq!(d, Dedup::Raise);
    assert_ne!(id3, id);
    let row = s.signal(&Scope::All, id).await.expect("get").expect("row");
    assert_eq!(
        (row.count, row.first_seen, row.last_seen),
        (2, 1_000_000, 1_060_000)
    );

    let tree = s.org_tree().await.expect("tree");
    let b_scope = Scope::for_user(Role::OrgStaff, Some(p.b), &tree);
    assert!(s.signal(&b_scope, id).await.expect("get").is_none());
    assert_eq!(
        s.list_signals(&b_scope, &SignalFilter::default())
            .await
            .expect("list")
            .1,
        0
    );
    assert!(matches!(
        s.transition_signal(&b_scope, &admin(), id, SignalState::Acknowledged)
            .await,
        Err(StoreError::NotFound)
    ));
    let r = s
        .transition_signal(&Scope::All, &admin(), id, SignalState::Acknowledged)
        .await
        .expect("ack");
    assert_eq!(r.state, "acknowledged");
    assert!(matches!(
        s.transition_signal(&Scope::All, &admin(), id, SignalState::New)
            .await,
        Err(StoreError::Conflict(_))
    ));
    s.transition_signal(&Scope::All, &admin(), id, SignalState::Resolved)
        .await
        .expect("resolve");
    let (open, n) = s
        .list_signals(
            &Scope::All,
            &SignalFilter {
                open_only: true,
                ..Default::default()
            },
        )
        .await
        .expect("open");
    assert_eq!((n, open[0].id), (1, id3));
}

/// The probe's case: one organisation's event with another's host name (or with no host)
/// built the same de-duplication key and was counted into the other's alert. The store keys
/// de-duplication by organisation and kind, whatever key the caller builds.
async fn deduplication_stays_inside_an_organisation(s: Store) {
    let p = province(&s).await;
    let sig = |org: Option<i64>, kind: SignalKind, at: i64| NewSignal {
        kind,
        source: "sigma:x".into(),
        title: "x".into(),
        severity: Severity::High,
        org_id: org,
        host_id: None,
        dedup_key: "sigma:rule-1:syt-app02".into(),
        seen_at: at,
        window_ms: 300_000,
        payload: json!({}),
        host_name: Some("syt-app02".into()),
        src_ip: None,
    };
    let (a_id, d) = s
        .raise_signal(&sig(Some(p.a), SignalKind::SigmaAlert, 1_000))
        .await
        .expect("a");
    assert_eq!(d, Dedup::Raise);
    // Same key, other organisation: a signal of its own, the first one untouched.
    let (b_id, d) = s
        .raise_signal(&sig(Some(p.b), SignalKind::SigmaAlert, 2_000))
        .await
        .expect("b");
    assert_eq!(d, Dedup::Raise);
    assert_ne!(a_id, b_id);
    // The first organisation's next event counts into its own signal, not the newer one.
    let (a2, d) = s
        .raise_signal(&sig(Some(p.a), SignalKind::SigmaAlert, 3_000))
        .await
        .expect("a again");
    assert_eq!((a2, d), (a_id, Dedup::CountUp(a_id)));
    // No organisation, and another kind: apart again.
    let (n_id, d) = s
        .raise_signal(&sig(None, SignalKind::SigmaAlert, 4_000))
        .await
        .expect("none");
    assert_eq!(d, Dedup::Raise);
    assert!(n_id != a_id && n_id != b_id);
    let (k_id, d) = s
        .raise_signal(&sig(Some(p.a), SignalKind::BotnetFinding, 5_000))
        .await
        .expect("kind");
    assert_eq!(d, Dedup::Raise);
    assert_ne!(k_id, a_id);
    let a = s.signal(&Scope::All, a_id).await.expect("get").expect("a");
    let b = s.signal(&Scope::All, b_id).await.expect("get").expect("b");
    assert_eq!((a.count, a.last_seen), (2, 3_000));
    assert_eq!((b.count, b.last_seen, b.org_id), (1, 2_000, Some(p.b)));
}

/// Alerts of several rules on one host within minutes form one group (listed with all its
/// members); another organisation's host of the same name, or the same host later, starts a
/// group of its own; filters, bulk selection and the histogram see the same alerts.
async fn alerts_group_by_host_and_time_inside_an_organisation(s: Store) {
    use canhgac_store::{SignalFilter, SignalSort};
    let p = province(&s).await;
    let min = 60_000;
    let t0 = 1_700_000_000_000;
    let sig = |org: i64, rule: &str, host: &str, at: i64, sev: Severity, event: i64| NewSignal {
        kind: SignalKind::SigmaAlert,
        source: rule.into(),
        title: format!("{rule} — {host}"),
        severity: sev,
        org_id: Some(org),
        host_id: None,
        dedup_key: format!("sigma:{org}:{rule}:{host}"),
        seen_at: at,
        window_ms: 5 * min,
        payload: json!({"event_id": event}),
        host_name: Some(host.into()),
        src_ip: Some("45.155.205.233".into()),
    };
    // One PowerShell command, three rules, one event: one group.
    let (g1, _) = s
        .raise_signal(&sig(p.a, "r1", "syt-pc01", t0, Severity::Medium, 7))
        .await
        .expect("1");
    let (m2, _) = s
        .raise_signal(&sig(p.a, "r2", "SYT-PC01", t0 + 1000, Severity::High, 7))
        .await
        .expect("2");
    let (m3, _) = s
        .raise_signal(&sig(p.a, "r3", "syt-pc01", t0 + 2000, Severity::Low, 7))
        .await
        .expect("3");
    // Another organisation's host of the same name: its own group.
    let (other, _) = s
        .raise_signal(&sig(p.b, "r1", "syt-pc01", t0 + 3000, Severity::High, 8))
        .await
        .expect("b");
    // The same host a quarter of an hour later: a new group.
    let (late, _) = s
        .raise_signal(&sig(
            p.a,
            "r4",
            "syt-pc01",
            t0 + 15 * min,
            Severity::Critical,
            9,
        ))
        .await
        .expect("late");
    let get = |id: i64| {
        let s = s.clone();
        async move {
            s.signal(&Scope::All, id)
                .await
                .expect("get")
                .expect("signal")
        }
    };
    assert_eq!(get(g1).await.group_id, Some(g1));
    assert_eq!(get(m2).await.group_id, Some(g1));
    assert_eq!(get(m3).await.group_id, Some(g1));
    assert_eq!(get(other).await.group_id, Some(other));
    assert_eq!(get(late).await.group_id, Some(late));
    assert_eq!(get(m2).await.src_ip.as_deref(), Some("45.155.205.233"));

    let all = SignalFilter {
        kind: Some(SignalKind::SigmaAlert),
        ..Default::default()
    };
    let (groups, total) = s.alert_groups(&Scope::All, &all).await.expect("groups");
    assert_eq!(total, 3);
    let first = groups.iter().find(|g| g.group_id == g1).expect("group 1");
    assert_eq!((first.alerts, first.open), (3, 3));
    assert_eq!(first.severity, Severity::High);
    assert!(first.same_event);
    let members: Vec<i64> = first.members.iter().map(|m| m.id).collect();
    assert_eq!(members, vec![g1, m2, m3]);
    // Newest first by default; by severity the critical group leads.
    assert_eq!(groups[0].group_id, late);
    let by_sev = SignalFilter {
        sort: SignalSort::Severity,
        ..all.clone()
    };
    let (groups, _) = s
        .alert_groups(&Scope::All, &by_sev)
        .await
        .expect("by severity");
    assert_eq!(groups[0].group_id, late);
    // A caller of one organisation sees only its groups, and cannot select another's.
    let (mine, total) = s
        .alert_groups(&Scope::Orgs([p.a].into_iter().collect()), &all)
        .await
        .expect("scoped");
    assert_eq!(total, 2);
    assert!(mine
        .iter()
        .all(|g| g.members.iter().all(|m| m.org_id == Some(p.a))));
    let picked = s
        .signals_in_groups(
            &Scope::Orgs([p.a].into_iter().collect()),
            &all,
            &[g1, other],
        )
        .await
        .expect("pick");
    assert_eq!(picked, vec![g1, m2, m3]);
    // Filters apply in the store: by severity, host, rule, text, time.
    let high = SignalFilter {
        severity: Some(Severity::High),
        ..all.clone()
    };
    assert_eq!(s.list_signals(&Scope::All, &high).await.expect("high").1, 2);
    let host = SignalFilter {
        host: Some("SYT-pc01".into()),
        org_id: Some(p.a),
        ..all.clone()
    };
    assert_eq!(s.list_signals(&Scope::All, &host).await.expect("host").1, 4);
    let rule = SignalFilter {
        source: Some("r2".into()),
        ..all.clone()
    };
    assert_eq!(
        s.list_signals(&Scope::All, &rule).await.expect("rule").0[0].id,
        m2
    );
    let text = SignalFilter {
        q: Some("R3 PC01".into()),
        ..all.clone()
    };
    assert_eq!(s.list_signals(&Scope::All, &text).await.expect("q").1, 1);
    let literal = SignalFilter {
        q: Some("%".into()),
        ..all.clone()
    };
    assert_eq!(s.list_signals(&Scope::All, &literal).await.expect("%").1, 0);
    let recent = SignalFilter {
        since: Some(t0 + 10 * min),
        ..all.clone()
    };
    assert_eq!(
        s.list_signals(&Scope::All, &recent).await.expect("since").0[0].id,
        late
    );
    let hist = s
        .signal_histogram(&Scope::All, &all, t0, 5 * min, 4)
        .await
        .expect("histogram");
    let counts: Vec<i64> = hist.iter().map(|b| b.count).collect();
    assert_eq!(counts, vec![4, 0, 0, 1]);
    assert_eq!(hist[1].start, t0 + 5 * min);
}

/// Addresses and ranges are claimed by one organisation (and its own parents and children):
/// another's overlapping range or address is refused, special ranges always, and the refusal
/// names the owner to the DIC only.
async fn registry_claims_are_exclusive(s: Store) {
    let p = province(&s).await;
    let tree = s.org_tree().await.expect("tree");
    let a_admin = Scope::for_user(Role::OrgAdmin, Some(p.a), &tree);
    let b_staff = Scope::for_user(Role::OrgStaff, Some(p.b), &tree);
    let net = |org: i64, cidr: &str| rec(json!({"org_id": org, "cidr": cidr}));
    let host = |org: i64, name: &str, ips: &str| {
        rec(json!({"org_id": org, "hostname": name, "kind": "server", "ips": ips}))
    };
    s.create(
        EntityKind::Network,
        &a_admin,
        &admin(),
        &net(p.a, "203.0.113.0/24"),
    )
    .await
    .expect("A's LAN");
    s.create(
        EntityKind::Host,
        &a_admin,
        &admin(),
        &host(p.a, "syt-app02", "203.0.113.10"),
    )
    .await
    .expect("A's server");
    // A's own sub-unit may take a part of A's range and an address in it.
    s.create(
        EntityKind::Network,
        &a_admin,
        &admin(),
        &net(p.a1, "203.0.113.128/26"),
    )
    .await
    .expect("sub-unit range");
    let field_of = |e: StoreError| match e {
        StoreError::Invalid(errs) => errs
            .iter()
            .map(|f| format!("{}: {} / {}", f.field, f.message_vi, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => panic!("expected a field error, got {other:?}"),
    };
    // B cannot take any of it: the whole range, a /32 of A's server, a /25 inside, a host
    // with A's address, or a range holding A's host.
    for cidr in [
        "203.0.113.0/24",
        "203.0.113.10/32",
        "203.0.113.0/25",
        "203.0.0.0/16",
    ] {
        let e = s
            .create(EntityKind::Network, &b_staff, &admin(), &net(p.b, cidr))
            .await
            .unwrap_err();
        let msg = field_of(e);
        assert!(msg.starts_with("cidr:"), "{cidr}: {msg}");
        assert!(!msg.contains("SYT"), "the owner is not named to B: {msg}");
    }
    let e = s
        .create(
            EntityKind::Host,
            &b_staff,
            &admin(),
            &host(p.b, "td-x", "203.0.113.10"),
        )
        .await
        .unwrap_err();
    assert!(field_of(e).starts_with("ips:"));
    let e = s
        .create(
            EntityKind::Host,
            &b_staff,
            &admin(),
            &host(p.b, "td-y", "203.0.113.77"),
        )
        .await
        .unwrap_err();
    assert!(
        field_of(e).starts_with("ips:"),
        "an address inside A's range"
    );
    // Special ranges, for everyone, the DIC included.
    for cidr in [
        "0.0.0.0/0",
        "127.0.0.1/32",
        "169.254.0.0/16",
        "::/0",
        "::1/128",
        "fe80::/64",
        "224.0.0.0/4",
        "0.0.0.0/1",
    ] {
        let e = s
            .create(EntityKind::Network, &Scope::All, &admin(), &net(p.b, cidr))
            .await
            .unwrap_err();
        assert!(field_of(e).starts_with("cidr:"), "{cidr}");
    }
    let e = s
        .create(
            EntityKind::Host,
            &Scope::All,
            &admin(),
            &host(p.b, "lo", "127.0.0.1"),
        )
        .await
        .unwrap_err();
    assert!(field_of(e).starts_with("ips:"));
    // The DIC is told who holds it.
    let e = s
        .create(
            EntityKind::Network,
            &Scope::All,
            &admin(),
            &net(p.b, "203.0.113.0/28"),
        )
        .await
        .unwrap_err();
    assert!(field_of(e).contains("SYT"));
    // An import is checked the same way, all or nothing.
    let e = s
        .import(
            EntityKind::Network,
            &b_staff,
            &admin(),
            &[net(p.b, "198.51.100.0/24"), net(p.b, "203.0.113.64/27")],
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    let (_, n) = {
        let page = s
            .list(EntityKind::Network, &b_staff, &ListQuery::default())
            .await
            .expect("list");
        (page.items, page.total)
    };
    assert_eq!(n, 0, "nothing of the refused import was written");
    // Moving a range onto A's later is refused too.
    let mine = s
        .create(
            EntityKind::Network,
            &b_staff,
            &admin(),
            &net(p.b, "198.51.100.0/24"),
        )
        .await
        .expect("B's own range");
    let id = mine["id"].as_i64().expect("id");
    let e = s
        .update(
            EntityKind::Network,
            &b_staff,
            &admin(),
            id,
            &net(p.b, "203.0.113.0/24"),
        )
        .await
        .unwrap_err();
    assert!(field_of(e).starts_with("cidr:"));
    // Editing a record without moving it is not a conflict with itself.
    s.update(
        EntityKind::Network,
        &b_staff,
        &admin(),
        id,
        &rec(json!({"description": "LAN huyện"})),
    )
    .await
    .expect("own record");
}

async fn work_items_keep_their_closing_rules(s: Store) {
    let p = province(&s).await;
    let tree = s.org_tree().await.expect("tree");
    let a_scope = Scope::for_user(Role::OrgStaff, Some(p.a), &tree);
    let new = |kind: WorkKind, org: i64| NewWorkItem {
        kind,
        title: format!("{kind:?}"),
        org_id: org,
        host_id: None,
        signal_id: None,
        due_at: Some(5),
        detail: Value::Null,
        subject: None,
    };
    let patch = s
        .create_work_item(&Scope::All, &admin(), &new(WorkKind::PatchTask, p.a1))
        .await
        .expect("patch");
    assert!(matches!(
        s.create_work_item(&a_scope, &admin(), &new(WorkKind::General, p.b))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let w = s
        .apply_work_event(
            &a_scope,
            &admin(),
            patch.id,
            &WorkEvent::ReportDone,
            Some("đã cập nhật"),
            Some("apt history"),
        )
        .await
        .expect("report");
    assert_eq!(
        w.state, "awaiting_proof",
        "a patch task does not close on a person's word"
    );
    let w = s
        .apply_work_event(
            &Scope::All,
            &Actor::system("inventory"),
            patch.id,
            &WorkEvent::ProofArrived {
                proof: Proof::FreshInventory,
            },
            None,
            None,
        )
        .await
        .expect("proof");
    assert_eq!(w.state, "closed");
    let hunt = s
        .create_work_item(&Scope::All, &admin(), &new(WorkKind::HuntTask, p.a))
        .await
        .expect("hunt");
    s.apply_work_event(
        &a_scope,
        &admin(),
        hunt.id,
        &WorkEvent::ReportDone,
        None,
        None,
    )
    .await
    .expect("done");
    let w = s
        .apply_work_event(
            &Scope::All,
            &Actor::system("botnet-list"),
            hunt.id,
            &WorkEvent::ProofFailed {
                proof: Proof::AbsentFromNextList,
            },
            None,
            None,
        )
        .await
        .expect("listed again");
    assert_eq!((w.state.as_str(), w.escalated), ("in_progress", 1));
    let e = s
        .apply_work_event(
            &a_scope,
            &admin(),
            hunt.id,
            &WorkEvent::NotApplicable {
                reason: String::new(),
            },
            None,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)));
    let notes = s.work_notes(&a_scope, patch.id).await.expect("notes");
    assert_eq!(
        notes.iter().map(|n| n.action.as_str()).collect::<Vec<_>>(),
        vec!["report_done", "proof_arrived"]
    );
    assert_eq!(notes[0].evidence.as_deref(), Some("apt history"));
    let b_scope = Scope::for_user(Role::OrgStaff, Some(p.b), &tree);
    assert!(matches!(
        s.work_notes(&b_scope, patch.id).await,
        Err(StoreError::NotFound)
    ));
    let (open, n) = s
        .list_work_items(
            &Scope::All,
            &WorkFilter {
                open_only: true,
                ..Default::default()
            },
        )
        .await
        .expect("open");
    assert_eq!((n, open[0].id), (1, hunt.id));
    let (_, audits) = s
        .list_audit(
            &Scope::All,
            &AuditQuery {
                entity: Some("work_items".into()),
                ..Default::default()
            },
        )
        .await
        .expect("audit");
    assert_eq!(
        audits, 6,
        "2 creations and 4 moves; the refused move is not audited"
    );
}

/// Stored events are handed back their ids in order, across statements and batches (SQLite
/// derives them from the last inserted row, PostgreSQL returns them).
async fn events_get_their_own_ids(s: Store) {
    let batch = |from: usize, n: usize| -> Vec<canhgac_store::NewEvent> {
        (from..from + n)
            .map(|i| canhgac_store::NewEvent {
                received_at: i as i64,
                at: i as i64,
                transport: "tcp".into(),
                message: format!("event number {i}"),
                fields: format!("{{\"n\":\"{i}\"}}"),
                ..Default::default()
            })
            .collect()
    };
    let first = s.insert_events(batch(0, 1234)).await.expect("first batch");
    let second = s.insert_events(batch(1234, 3)).await.expect("second batch");
    assert!(s.insert_events(Vec::new()).await.expect("empty").is_empty());
    let ids: Vec<i64> = first.iter().chain(&second).copied().collect();
    assert_eq!(ids.len(), 1237);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending, no repeats");
    for (i, id) in ids.iter().enumerate() {
        let row = s
            .event(&Scope::All, *id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(row.message, format!("event number {i}"), "event id {id}");
    }
}

/// Storing events keeps, per registered host, its newest event (what the host page shows and
/// silent sources are found from), visible only in the host's organisation's scope.
async fn hosts_remember_their_last_event(s: Store) {
    let p = province(&s).await;
    let host = server(&s, p.a, "syt-web01", "10.0.0.5").await;
    assert_eq!(
        s.last_event_of_host(&Scope::All, host).await.expect("none"),
        None
    );
    let ev = |at: i64, host_id: Option<i64>| canhgac_store::NewEvent {
        received_at: at,
        at,
        org_id: Some(p.a),
        host_id,
        transport: "udp".into(),
        message: format!("m{at}"),
        fields: "{}".into(),
        ..Default::default()
    };
    let ids = s
        .insert_events(vec![
            ev(5_000, Some(host)),
            ev(9_000, Some(host)),
            ev(7_000, Some(host)),
            ev(9_500, None),
        ])
        .await
        .expect("insert");
    assert_eq!(
        s.last_event_of_host(&Scope::All, host).await.expect("last"),
        Some((ids[1], 9_000))
    );
    // An older batch arriving late does not move it back.
    s.insert_events(vec![ev(1_000, Some(host))])
        .await
        .expect("late");
    assert_eq!(
        s.last_event_of_host(&Scope::All, host).await.expect("last"),
        Some((ids[1], 9_000))
    );
    let other: Scope = Scope::Orgs([p.b].into_iter().collect());
    assert_eq!(
        s.last_event_of_host(&other, host).await.expect("scoped"),
        None
    );
    let mine: Scope = Scope::Orgs([p.a].into_iter().collect());
    assert!(s
        .last_event_of_host(&mine, host)
        .await
        .expect("mine")
        .is_some());
}

/// A batch's guarded cursor is checked and moved in its transaction. `Before` (a consumer's
/// messages `first..=last`): refused once the cursor reached `first`, so a redelivery is stored
/// once. `After` (what follows `after`): stored only while the cursor stands exactly at `after`,
/// so a batch handed over behind one that failed is refused instead of leaving a hole.
async fn guarded_batches_move_their_cursor_once(s: Store) {
    use canhgac_store::{Guard, StoreError};
    let ev = |m: &str| canhgac_store::NewEvent {
        received_at: 1,
        at: 1,
        transport: "tcp".into(),
        message: m.into(),
        fields: "{}".into(),
        ..Default::default()
    };
    let store = |m: &'static str, g: Guard| {
        let s = s.clone();
        async move {
            let b = s.event_batch(vec![ev(m)]).expect("batch").with_guard(g);
            s.store_event_batch(b).await
        }
    };
    let before = |first, last| Guard::Before {
        stream: "test:before".into(),
        first,
        last,
    };
    store("b1", before(1, 10)).await.expect("first delivery");
    assert!(
        matches!(
            store("b1 again", before(1, 10)).await,
            Err(StoreError::Delivered(_))
        ),
        "a redelivery is refused"
    );
    store("b2", before(20, 30))
        .await
        .expect("a later one, past a gap, is taken");
    assert_eq!(s.cursor("test:before").await.expect("cursor"), 30);

    let after = |after, last| Guard::After {
        stream: "test:after".into(),
        after,
        last,
    };
    store("a1", after(0, 100))
        .await
        .expect("a new stream takes its first batch");
    // The batch for 100..200 failed (never stored); the one behind it is refused.
    assert!(
        matches!(
            store("a3", after(200, 300)).await,
            Err(StoreError::Delivered(_))
        ),
        "no hole: the cursor is not at 200"
    );
    assert!(
        matches!(
            store("a1 again", after(0, 100)).await,
            Err(StoreError::Delivered(_))
        ),
        "nor stored twice"
    );
    store("a2", after(100, 200))
        .await
        .expect("the failed one again");
    store("a3", after(200, 300))
        .await
        .expect("then the one behind it");
    assert_eq!(s.cursor("test:after").await.expect("cursor"), 300);
    let stored = s
        .search_events(
            &Scope::All,
            &canhgac_store::EventFilter {
                limit: Some(50),
                ..Default::default()
            },
        )
        .await
        .expect("events");
    let mut messages: Vec<String> = stored.0.iter().map(|e| e.message.clone()).collect();
    messages.sort();
    assert_eq!(
        messages,
        ["a1", "a2", "a3", "b1", "b2"],
        "each batch stored once"
    );
}

/// Alerts raised from the outbox in one pass: a key met again within its window counts up the
/// same alert (also one already stored before the pass), past its window raises a new one, and
/// the same key of another organisation is another alert; each hit is told with the count its
/// alert had reached.
async fn outboxed_alerts_count_up_in_one_pass(s: Store) {
    let p = province(&s).await;
    let sig = |org: i64, at: i64| NewSignal {
        kind: SignalKind::SigmaAlert,
        source: "sigma:burst".into(),
        title: "Burst".into(),
        severity: Severity::High,
        org_id: Some(org),
        host_id: None,
        dedup_key: "burst:web01".into(),
        seen_at: at,
        window_ms: 300_000,
        payload: json!({}),
        host_name: Some("web01".into()),
        src_ip: None,
    };
    let (first, _) = s
        .raise_signal(&sig(p.a, 1_000_000))
        .await
        .expect("stored before");
    let hits = [
        sig(p.a, 1_010_000),
        sig(p.b, 1_020_000),
        sig(p.a, 1_030_000),
        sig(p.a, 2_000_000),
        sig(p.a, 2_010_000),
        sig(p.b, 1_040_000),
    ];
    let events: Vec<canhgac_store::NewEvent> = hits
        .iter()
        .map(|h| canhgac_store::NewEvent {
            received_at: h.seen_at,
            at: h.seen_at,
            org_id: h.org_id,
            transport: "tcp".into(),
            message: "hit".into(),
            fields: "{}".into(),
            ..Default::default()
        })
        .collect();
    let batch = s
        .event_batch(events)
        .expect("batch")
        .with_alerts(hits.iter().cloned().enumerate().collect());
    let stored = s.store_event_batch(batch).await.expect("stored");
    let raised = s.raise_outboxed(&stored.outbox).await.expect("raised");
    let told: Vec<(i64, i64, bool)> = raised
        .iter()
        .map(|(_, r)| (r.id, r.count, matches!(r.decision, Dedup::Raise)))
        .collect();
    let (b1, later) = (told[1].0, told[3].0);
    assert_eq!(
        told,
        [
            (first, 2, false),
            (b1, 1, true),
            (first, 3, false),
            (later, 1, true),
            (later, 2, false),
            (b1, 2, false),
        ]
    );
    assert!(b1 != first && later != first && later != b1);
    for (id, count, first_seen, last_seen) in [
        (first, 3, 1_000_000, 1_030_000),
        (b1, 2, 1_020_000, 1_040_000),
        (later, 2, 2_000_000, 2_010_000),
    ] {
        let row = s.signal(&Scope::All, id).await.expect("get").expect("row");
        assert_eq!(
            (row.count, row.first_seen, row.last_seen),
            (count, first_seen, last_seen),
            "alert {id}"
        );
    }
    assert!(
        s.raise_outboxed(&stored.outbox)
            .await
            .expect("again")
            .is_empty(),
        "the rows are gone: raised once"
    );
}

/// A finding or an advisory counts as known exploited only for a CVE it names whole: the KEV
/// catalogue's CVE-2021-4428 says nothing about CVE-2021-44281. A CVE search finds exactly it.
async fn kev_matches_whole_cves(s: Store) {
    let p = province(&s).await;
    let host = server(&s, p.b, "td-web01", "10.9.0.5").await;
    let kev = |cve: &str| KevRow {
        cve: cve.into(),
        vendor: "v".into(),
        product: "p".into(),
        name: "n".into(),
        added: "2024-01-01".into(),
        due: "2024-01-22".into(),
        ransomware: false,
    };
    s.replace_kev(&admin(), &[kev("CVE-2021-4428")])
        .await
        .expect("kev");
    let (fid, _) = s
        .upsert_scan_finding(
            &Scope::All,
            &admin(),
            &NewScanFinding {
                org_id: p.b,
                host_id: host,
                vuln_key: "CVE-2021-44281".into(),
                title: "t".into(),
                severity: "high".into(),
                cvss: None,
                cves: " cve-2021-44281 ,CVE-2024-1,,CVE-2024-1".into(),
                scanner: "nessus".into(),
                port: None,
                solution: None,
            },
        )
        .await
        .expect("finding");
    let of_host = |s: Store| async move {
        s.scan_findings_of(&Scope::All, Some(host), None)
            .await
            .expect("findings")
    };
    let rows = of_host(s.clone()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].known_exploited, 0,
        "a CVE containing a KEV CVE is not it"
    );
    s.replace_kev(&admin(), &[kev("CVE-2021-4428"), kev("CVE-2024-1")])
        .await
        .expect("kev");
    assert_eq!(of_host(s.clone()).await[0].known_exploited, 1);
    for (cve, n) in [
        ("CVE-2021-4428", 0),
        ("cve-2021-44281", 1),
        ("CVE-2024-1", 1),
        ("CVE-2024-10", 0),
    ] {
        let by_cve = s
            .scan_findings_of(&Scope::All, None, Some(cve))
            .await
            .expect("by cve");
        assert_eq!(by_cve.len(), n, "{cve}");
        assert!(by_cve.iter().all(|f| f.id == fid));
    }
    let adv = |cves: &str| NewAdvisory {
        ext_id: "VNCERT-2024-1".into(),
        title: "t".into(),
        severity: Some("high".into()),
        cvss: None,
        published: None,
        source: "manual".into(),
        cves: cves.into(),
        recommendation: None,
        doc: "{}".into(),
    };
    let aid = s
        .upsert_advisory(&admin(), &adv("CVE-2021-44281"))
        .await
        .expect("advisory");
    let due = |s: Store| async move {
        s.advisory(&Scope::All, aid)
            .await
            .expect("advisory")
            .expect("row")
            .kev_due
    };
    assert_eq!(due(s.clone()).await, None);
    assert_eq!(
        s.upsert_advisory(&admin(), &adv("CVE-2021-4428"))
            .await
            .expect("update"),
        aid
    );
    assert_eq!(
        due(s.clone()).await.as_deref(),
        Some("2024-01-22"),
        "an update replaces its CVEs"
    );
    let (list, _) = s
        .list_advisories(&Scope::All, None, 10, 0)
        .await
        .expect("list");
    assert_eq!(list[0].kev_due.as_deref(), Some("2024-01-22"));
}
