//! 24/7 duty as a workflow (M2): generate an organisation's roster for a period from its people,
//! their leave, the public holidays and the last roster's end (so the new one continues it
//! fairly); say who is on duty now; and give each person their shifts as an iCalendar feed and a
//! roster as a spreadsheet.

use canhgac_domain::duty::{generate, slots, Leave, Pattern, RotaRules};
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_domain::Scope;
use canhgac_store::{Actor, NewRoster, ShiftRow, Store, StoreError};
use chrono::NaiveDate;

/// The longest period one roster covers (days).
pub const MAX_DAYS: i64 = 92;

/// What a roster is made from.
#[derive(Debug, Clone)]
pub struct RosterForm {
    /// Organisation.
    pub org_id: i64,
    /// Name ("Trực Tết Bính Ngọ 2026").
    pub name: String,
    /// Pattern.
    pub pattern: Pattern,
    /// First day.
    pub first: NaiveDate,
    /// Last day.
    pub last: NaiveDate,
    /// Limits.
    pub rules: RotaRules,
    /// Who stands duty (user ids of the organisation); empty: all its people.
    pub people: Vec<i64>,
}

/// A stored roster and the slots it could not staff.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The roster's id.
    pub id: i64,
    /// Slots.
    pub slots: usize,
    /// Of them empty.
    pub gaps: usize,
}

fn bad(field: &str, en: &str, vi: &str) -> StoreError {
    StoreError::Invalid(vec![canhgac_domain::entity::FieldError {
        field: field.into(),
        message: en.into(),
        message_vi: vi.into(),
    }])
}

/// Generates and stores a roster.
pub async fn generate_roster(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    f: &RosterForm,
) -> Result<Generated, StoreError> {
    let days = (f.last - f.first).num_days() + 1;
    if days < 1 {
        return Err(bad(
            "last",
            "the last day is before the first",
            "ngày cuối trước ngày đầu",
        ));
    }
    if days > MAX_DAYS {
        return Err(bad(
            "last",
            &format!("at most {MAX_DAYS} days"),
            &format!("tối đa {MAX_DAYS} ngày"),
        ));
    }
    if f.rules.min_rest_hours > 48 || f.rules.max_consecutive == 0 || f.rules.max_consecutive > 31 {
        return Err(bad(
            "rules",
            "rest 0–48 hours, 1–31 shifts in a row",
            "nghỉ 0–48 giờ, 1–31 ca liền",
        ));
    }
    let all = store.duty_people(scope, f.org_id).await?;
    let people: Vec<i64> = if f.people.is_empty() {
        all.iter().map(|p| p.id).collect()
    } else {
        for p in &f.people {
            if !all.iter().any(|x| x.id == *p) {
                return Err(bad(
                    "people",
                    "someone chosen is not of this organisation",
                    "có người không thuộc đơn vị",
                ));
            }
        }
        f.people.clone()
    };
    let holidays = store
        .holidays(
            f.first - chrono::Duration::days(1),
            f.last + chrono::Duration::days(1),
        )
        .await?;
    let slots = slots(f.pattern, f.first, f.last, &holidays);
    let start = slots.first().map(|s| s.starts_at).unwrap_or_else(now_ms);
    let leave: Vec<Leave> = store
        .leave(scope, start - 86_400_000)
        .await?
        .into_iter()
        .filter(|l| l.org_id == f.org_id)
        .map(|l| Leave {
            person: l.user_id,
            from: l.from_at,
            to: l.to_at,
        })
        .collect();
    let history = store.duty_history(f.org_id, start).await?;
    let rota = generate(&slots, &people, &leave, &f.rules, &history);
    let gaps = rota.gaps.len();
    let shifts: Vec<_> = rota
        .assigned
        .iter()
        .map(|(s, p)| {
            let why = p.is_none().then(|| {
                rota.gaps
                    .iter()
                    .find(|(g, _, _)| g.starts_at == s.starts_at && g.code == s.code)
                    .map(|(_, _, vi)| vi.clone())
                    .unwrap_or_default()
            });
            (s.clone(), *p, why)
        })
        .collect();
    let id = store
        .create_roster(
            scope,
            actor,
            &NewRoster {
                org_id: f.org_id,
                name: f.name.clone(),
                pattern: f.pattern,
                first: f.first,
                last: f.last,
                rules: f.rules,
            },
            &shifts,
        )
        .await?;
    Ok(Generated {
        id,
        slots: shifts.len(),
        gaps,
    })
}

/// A shift's name in Vietnamese, from its pattern's definitions.
pub fn shift_label(code: &str) -> &'static str {
    for p in Pattern::ALL {
        for off in [false, true] {
            if let Some(s) = p.shifts(off).iter().find(|s| s.code == code) {
                return s.label_vi;
            }
        }
    }
    "Ca trực"
}

fn ics_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// Escapes text for an iCalendar value (RFC 5545 §3.3.11).
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if len + n > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += n;
    }
    out.push_str("\r\n");
    out
}

/// A person's shifts as an iCalendar (RFC 5545) document for a calendar subscription.
pub fn ical(name: &str, shifts: &[ShiftRow], stamp: i64) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//canhgac//duty//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        out.push_str(&fold(l));
    }
    out.push_str(&fold(&format!(
        "X-WR-CALNAME:{}",
        ics_text(&format!("Lịch trực — {name}"))
    )));
    out.push_str(&fold("X-WR-TIMEZONE:Asia/Ho_Chi_Minh"));
    for s in shifts {
        out.push_str(&fold("BEGIN:VEVENT"));
        out.push_str(&fold(&format!("UID:duty-shift-{}@canhgac", s.id)));
        out.push_str(&fold(&format!("DTSTAMP:{}", ics_time(stamp))));
        out.push_str(&fold(&format!("DTSTART:{}", ics_time(s.starts_at))));
        out.push_str(&fold(&format!("DTEND:{}", ics_time(s.ends_at))));
        let org = s.org_code.clone().unwrap_or_default();
        out.push_str(&fold(&format!(
            "SUMMARY:{}",
            ics_text(&format!("Trực ban {org}: {}", shift_label(&s.code)))
        )));
        let mut desc = format!(
            "{} → {}",
            fmt_datetime(s.starts_at),
            fmt_datetime(s.ends_at)
        );
        if let Some(h) = &s.holiday {
            desc.push_str(&format!(" ({h})"));
        }
        out.push_str(&fold(&format!("DESCRIPTION:{}", ics_text(&desc))));
        out.push_str(&fold("END:VEVENT"));
    }
    out.push_str(&fold("END:VCALENDAR"));
    out
}

/// A roster as spreadsheet rows: day, shift, from, to, who, e-mail, note.
pub fn table(shifts: &[ShiftRow]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let head = vec![
        "Ngày",
        "Ca",
        "Từ",
        "Đến",
        "Người trực",
        "Thư điện tử",
        "Ghi chú",
    ];
    let rows = shifts
        .iter()
        .map(|s| {
            let date = s
                .day
                .parse::<NaiveDate>()
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|_| s.day.clone());
            vec![
                date,
                shift_label(&s.code).to_string(),
                fmt_datetime(s.starts_at),
                fmt_datetime(s.ends_at),
                s.full_name
                    .clone()
                    .unwrap_or_else(|| "— CHƯA CÓ NGƯỜI —".into()),
                s.email.clone().unwrap_or_default(),
                match (&s.holiday, &s.gap_reason) {
                    (_, Some(g)) if s.user_id.is_none() => g.clone(),
                    (Some(h), _) => h.clone(),
                    _ => String::new(),
                },
            ]
        })
        .collect();
    (head, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(id: i64, starts: i64, hours: i64) -> ShiftRow {
        ShiftRow {
            id,
            roster_id: 1,
            org_id: 1,
            org_code: Some("STTTT".into()),
            code: "ca3".into(),
            day: "2026-12-31".into(),
            starts_at: starts,
            ends_at: starts + hours * 3_600_000,
            user_id: Some(5),
            full_name: Some("Nguyễn Văn An".into()),
            email: Some("an@stttt.vn".into()),
            night: 1,
            off_day: 0,
            holiday: Some("Tết Dương lịch; nghỉ, bù".into()),
            gap_reason: None,
        }
    }

    #[test]
    fn ical_is_rfc_5545() {
        // 31/12/2026 22:00 Ha Noi = 15:00 UTC.
        let start = canhgac_domain::time::parse_date("31/12/2026").expect("date") + 22 * 3_600_000;
        let doc = ical("Nguyễn Văn An", &[shift(9, start, 8)], start);
        assert!(doc.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(doc.ends_with("END:VCALENDAR\r\n"));
        assert!(doc.contains("DTSTART:20261231T150000Z\r\n"));
        assert!(doc.contains("DTEND:20261231T230000Z\r\n"));
        assert!(doc.contains("UID:duty-shift-9@canhgac\r\n"));
        for line in doc.split("\r\n") {
            assert!(line.len() <= 75, "folded at 75 octets: {line}");
        }
        // Unfolding gives the values back whole, escaped.
        let unfolded = doc.replace("\r\n ", "");
        assert!(
            unfolded.contains("Tết Dương lịch\\; nghỉ\\, bù"),
            "escaped: {doc}"
        );
        assert!(unfolded.contains("SUMMARY:Trực ban STTTT: Ca 3 (22–06)"));
    }

    #[test]
    fn a_gap_says_so_in_the_spreadsheet() {
        let mut s = shift(1, 0, 8);
        s.user_id = None;
        s.full_name = None;
        s.gap_reason = Some("không còn ai".into());
        let (head, rows) = table(&[s]);
        assert_eq!(head.len(), rows[0].len());
        assert_eq!(rows[0][4], "— CHƯA CÓ NGƯỜI —");
        assert_eq!(rows[0][6], "không còn ai");
    }
}
