//! `canhgac duty now` as a duty officer runs it on the server: who is on duty at a moment,
//! across midnight and the year's end, by organisation, a slot nobody could take said so, and
//! a moment that does not read named.
#![allow(clippy::unwrap_used)]

use canhgac_domain::duty::{slots, Pattern, RotaRules};
use canhgac_domain::entity::EntityKind;
use canhgac_domain::{Role, Scope};
use canhgac_store::{Actor, NewRoster, NewUser, Store};
use chrono::NaiveDate;
use serde_json::json;
use std::process::Command;

fn canhgac(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn who_is_on_duty_at_a_moment() {
    let dir = std::env::temp_dir().join(format!("canhgac_duty_cli_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let store = Store::open_sqlite(&dir).await.unwrap();
        let all = Scope::All;
        let actor = Actor::system("test");
        let mut orgs = Vec::new();
        for code in ["STTTT", "TAMDUONG"] {
            let r = store
                .create(
                    EntityKind::Org,
                    &all,
                    &actor,
                    json!({"code": code, "name": format!("Đơn vị {code}"), "kind": if code == "STTTT" { "dic" } else { "district" }})
                        .as_object()
                        .unwrap(),
                )
                .await
                .unwrap();
            orgs.push(r["id"].as_i64().unwrap());
        }
        let u = store
            .create_user(
                &all,
                &actor,
                &NewUser {
                    email: "truc@stttt.test".into(),
                    full_name: "Lò Thị Trực".into(),
                    password_hash: "$argon2id$x".into(),
                    role: Role::DicOperator,
                    org_id: Some(orgs[0]),
                },
            )
            .await
            .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let s = slots(Pattern::ThreeEights, day, day, &[]);
        for (i, org) in orgs.iter().enumerate() {
            let shifts: Vec<_> = s
                .iter()
                .map(|x| {
                    if i == 0 {
                        (x.clone(), Some(u.id), None)
                    } else {
                        (x.clone(), None, Some("không còn ai".to_string()))
                    }
                })
                .collect();
            store
                .create_roster(
                    &all,
                    &actor,
                    &NewRoster {
                        org_id: *org,
                        name: "Trực giao thừa".into(),
                        pattern: Pattern::ThreeEights,
                        first: day,
                        last: day,
                        rules: RotaRules::default(),
                    },
                    &shifts,
                )
                .await
                .unwrap();
        }
    }
    let data = dir.to_str().unwrap();
    // 03:00 on New Year's Day is inside the night shift that began on 31/12 at 22:00.
    let out = canhgac(&["duty", "now", "--data", data, "--at", "01/01/2027 03:00"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("01/01/2027 03:00"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("STTTT"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("Ca 3 (22–06)") && line.contains("Lò Thị Trực <truc@stttt.test>"),
        "{line}"
    );
    assert!(
        line.contains("31/12/2026 22:00") && line.contains("01/01/2027 06:00"),
        "{line}"
    );
    let gap = text
        .lines()
        .find(|l| l.contains("TAMDUONG"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(gap.contains("CHƯA CÓ NGƯỜI: không còn ai"), "{gap}");
    // After the roster: nobody, said so.
    let out = canhgac(&["duty", "now", "--data", data, "--at", "02/01/2027 12:00"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no roster covers this moment"));
    // A moment that does not read.
    let out = canhgac(&["duty", "now", "--data", data, "--at", "31/02/2027 10:00"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--at '31/02/2027 10:00'"));
    let _ = std::fs::remove_dir_all(&dir);
}
