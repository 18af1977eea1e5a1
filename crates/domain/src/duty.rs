//! 24/7 duty (trực ban, M2): shift patterns, Viet Nam's public holidays, and a fair rota for a
//! period across the people available — leave, rest between shifts, a cap on consecutive
//! shifts — that names every slot it could not staff instead of leaving it silently empty.
//! No I/O; times are Unix ms and every function takes them as arguments (the clock is the
//! caller's).

use crate::time::vn_offset;
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const HOUR: i64 = 3_600_000;

/// How a day is cut into shifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Three 8-hour shifts: 06–14, 14–22, 22–06.
    ThreeEights,
    /// Two 12-hour shifts: 07–19, 19–07.
    TwoTwelves,
    /// Working days: day 07:30–17:00 and night 17:00–07:30; weekends and public holidays one
    /// 24-hour shift from 07:30.
    DayNight,
}

/// One shift of a pattern: its code, start (minutes after local midnight) and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShiftDef {
    /// `ca1`…`ca3` (3×8), `ngay`/`dem` (2×12), `dn_ngay`/`dn_dem`/`24h` (day/night): unique
    /// across patterns, so a stored shift's code names its hours.
    pub code: &'static str,
    /// Vietnamese name.
    pub label_vi: &'static str,
    /// English name.
    pub label_en: &'static str,
    /// Start, minutes after 00:00 Viet Nam time.
    pub start_min: i64,
    /// Length in minutes.
    pub minutes: i64,
    /// A night shift (counts more when sharing out the load).
    pub night: bool,
}

impl Pattern {
    /// Every pattern.
    pub const ALL: [Pattern; 3] = [Pattern::ThreeEights, Pattern::TwoTwelves, Pattern::DayNight];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::ThreeEights => "3x8",
            Pattern::TwoTwelves => "2x12",
            Pattern::DayNight => "day_night",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Option<Pattern> {
        Pattern::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            Pattern::ThreeEights => "3 ca × 8 giờ",
            Pattern::TwoTwelves => "2 ca × 12 giờ",
            Pattern::DayNight => "Ca ngày/đêm, cuối tuần và ngày lễ trực 24 giờ",
        }
    }

    /// English name.
    pub fn label_en(self) -> &'static str {
        match self {
            Pattern::ThreeEights => "3 × 8-hour shifts",
            Pattern::TwoTwelves => "2 × 12-hour shifts",
            Pattern::DayNight => "Day/night; weekends and holidays one 24-hour shift",
        }
    }

    /// The shifts of a day; `off_day` is a weekend day or a public holiday.
    pub fn shifts(self, off_day: bool) -> &'static [ShiftDef] {
        const EIGHTS: [ShiftDef; 3] = [
            ShiftDef {
                code: "ca1",
                label_vi: "Ca 1 (06–14)",
                label_en: "Shift 1 (06–14)",
                start_min: 360,
                minutes: 480,
                night: false,
            },
            ShiftDef {
                code: "ca2",
                label_vi: "Ca 2 (14–22)",
                label_en: "Shift 2 (14–22)",
                start_min: 840,
                minutes: 480,
                night: false,
            },
            ShiftDef {
                code: "ca3",
                label_vi: "Ca 3 (22–06)",
                label_en: "Shift 3 (22–06)",
                start_min: 1320,
                minutes: 480,
                night: true,
            },
        ];
        const TWELVES: [ShiftDef; 2] = [
            ShiftDef {
                code: "ngay",
                label_vi: "Ca ngày (07–19)",
                label_en: "Day (07–19)",
                start_min: 420,
                minutes: 720,
                night: false,
            },
            ShiftDef {
                code: "dem",
                label_vi: "Ca đêm (19–07)",
                label_en: "Night (19–07)",
                start_min: 1140,
                minutes: 720,
                night: true,
            },
        ];
        const WORKDAY: [ShiftDef; 2] = [
            ShiftDef {
                code: "dn_ngay",
                label_vi: "Ca ngày (07:30–17:00)",
                label_en: "Day (07:30–17:00)",
                start_min: 450,
                minutes: 570,
                night: false,
            },
            ShiftDef {
                code: "dn_dem",
                label_vi: "Ca đêm (17:00–07:30)",
                label_en: "Night (17:00–07:30)",
                start_min: 1020,
                minutes: 870,
                night: true,
            },
        ];
        const OFFDAY: [ShiftDef; 1] = [ShiftDef {
            code: "24h",
            label_vi: "Trực 24 giờ (07:30–07:30)",
            label_en: "24 hours (07:30–07:30)",
            start_min: 450,
            minutes: 1440,
            night: true,
        }];
        match (self, off_day) {
            (Pattern::ThreeEights, _) => &EIGHTS,
            (Pattern::TwoTwelves, _) => &TWELVES,
            (Pattern::DayNight, false) => &WORKDAY,
            (Pattern::DayNight, true) => &OFFDAY,
        }
    }
}

/// A public holiday (one day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// The day.
    pub date: NaiveDate,
    /// Its name.
    pub name: String,
}

/// Viet Nam's public holidays of a year as the Labour Code 2019 (Art. 112) sets them: New Year
/// (01/01), Tết (the lunar new year: the last day of the old year and four days of the new),
/// the Hùng Kings' day (10th of the 3rd lunar month), Reunification and Labour Day (30/04,
/// 01/05) and National Day (02/09 and one adjacent day, seeded as 01/09). The lunar dates are
/// tabled for 2024–2030 (outside them only the solar holidays are known). The government moves
/// days each year by decision; the store keeps these as editable data.
pub fn vietnam_holidays(year: i32) -> Vec<Holiday> {
    /// A solar (month, day).
    type Md = (u32, u32);
    // (year, Tết: 1st day of the 1st lunar month, Hùng Kings: 10th day of the 3rd lunar month)
    const LUNAR: [(i32, Md, Md); 7] = [
        (2024, (2, 10), (4, 18)),
        (2025, (1, 29), (4, 7)),
        (2026, (2, 17), (4, 26)),
        (2027, (2, 6), (4, 16)),
        (2028, (1, 26), (4, 4)),
        (2029, (2, 13), (4, 23)),
        (2030, (2, 3), (4, 12)),
    ];
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
    let mut out = Vec::new();
    let mut push = |d: Option<NaiveDate>, name: &str| {
        if let Some(date) = d {
            out.push(Holiday {
                date,
                name: name.to_string(),
            });
        }
    };
    push(day(1, 1), "Tết Dương lịch");
    if let Some((_, (tm, td), (hm, hd))) = LUNAR.iter().find(|(y, _, _)| *y == year) {
        if let Some(tet) = day(*tm, *td) {
            push(Some(tet - Duration::days(1)), "Tết Nguyên đán (30 Tết)");
            for i in 0..4 {
                push(
                    Some(tet + Duration::days(i)),
                    &format!("Tết Nguyên đán (mùng {})", i + 1),
                );
            }
        }
        push(day(*hm, *hd), "Giỗ Tổ Hùng Vương (10/3 âm lịch)");
    }
    push(day(4, 30), "Ngày Chiến thắng (30/4)");
    push(day(5, 1), "Ngày Quốc tế Lao động (1/5)");
    push(day(9, 1), "Quốc khánh (ngày liền kề)");
    push(day(9, 2), "Quốc khánh (2/9)");
    out.sort_by_key(|h| h.date);
    out
}

/// The local (UTC+7) date of an instant.
pub fn local_date(ms: i64) -> NaiveDate {
    vn_offset()
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// Local midnight (UTC+7) of a date, as Unix ms.
pub fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| vn_offset().from_local_datetime(&t).single())
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

/// A slot to staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    /// The local date it starts on.
    pub date: NaiveDate,
    /// The shift's code.
    pub code: &'static str,
    /// Start (Unix ms).
    pub starts_at: i64,
    /// End (Unix ms).
    pub ends_at: i64,
    /// A night shift.
    pub night: bool,
    /// On a weekend day or public holiday.
    pub off_day: bool,
    /// The holiday's name, if it is one.
    pub holiday: Option<String>,
}

/// The slots of a pattern for the dates `from..=to` (local dates).
pub fn slots(pattern: Pattern, from: NaiveDate, to: NaiveDate, holidays: &[Holiday]) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let holiday = holidays
            .iter()
            .find(|h| h.date == d)
            .map(|h| h.name.clone());
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let off = weekend || holiday.is_some();
        let base = midnight(d);
        for s in pattern.shifts(off) {
            out.push(Slot {
                date: d,
                code: s.code,
                starts_at: base + s.start_min * 60_000,
                ends_at: base + (s.start_min + s.minutes) * 60_000,
                night: s.night,
                off_day: off,
                holiday: holiday.clone(),
            });
        }
        d += Duration::days(1);
    }
    out
}

/// A person's leave: not on duty in `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leave {
    /// Who.
    pub person: i64,
    /// From (Unix ms).
    pub from: i64,
    /// To (Unix ms).
    pub to: i64,
}

/// The limits a rota keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaRules {
    /// Hours off between the end of one shift and the start of the next.
    pub min_rest_hours: i64,
    /// Shifts in a row (each starting within the rest window after the last) at most.
    pub max_consecutive: u32,
}

impl Default for RotaRules {
    fn default() -> Self {
        RotaRules {
            min_rest_hours: 8,
            max_consecutive: 5,
        }
    }
}

/// A generated rota: who takes each slot (`None`: nobody could, and `gaps` says why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rota {
    /// Slot → person.
    pub assigned: Vec<(Slot, Option<i64>)>,
    /// Slots left empty, with the reason in English and Vietnamese.
    pub gaps: Vec<(Slot, String, String)>,
    /// Each person's load: hours, night hours, off-day hours.
    pub load: BTreeMap<i64, Load>,
}

/// One person's share of a rota.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Load {
    /// Shifts.
    pub shifts: u32,
    /// Hours.
    pub hours: i64,
    /// Of them at night.
    pub night_hours: i64,
    /// Of them on weekends and holidays.
    pub off_day_hours: i64,
}

impl Load {
    /// The weight that is shared out evenly: an hour at night or on a day off counts 1.5.
    pub fn weight(&self) -> i64 {
        self.hours * 2 + self.night_hours + self.off_day_hours
    }
}

/// Shares out `slots` among `people` in order of time: each slot goes to whoever may take it
/// (not on leave, rested `min_rest_hours` since their last shift, under `max_consecutive`) and
/// has carried the least weighted load so far (ties: the longest rested, then the lowest id).
/// `history` is each person's last shift end before the period and their run of consecutive
/// shifts, so a rota continues the last one fairly.
pub fn generate(
    slots: &[Slot],
    people: &[i64],
    leave: &[Leave],
    rules: &RotaRules,
    history: &BTreeMap<i64, (i64, u32)>,
) -> Rota {
    let mut load: BTreeMap<i64, Load> = people.iter().map(|p| (*p, Load::default())).collect();
    let mut last: BTreeMap<i64, (i64, u32)> = history.clone();
    let rest = rules.min_rest_hours * HOUR;
    let mut assigned = Vec::new();
    let mut gaps = Vec::new();
    for slot in slots {
        let mut best: Option<(i64, i64, i64)> = None; // (weight, -rested, id)
        let mut reasons = (0usize, 0usize, 0usize);
        for p in people {
            if leave
                .iter()
                .any(|l| l.person == *p && l.from < slot.ends_at && slot.starts_at < l.to)
            {
                reasons.0 += 1;
                continue;
            }
            let (end, run) = last.get(p).copied().unwrap_or((i64::MIN / 2, 0));
            if slot.starts_at < end + rest {
                reasons.1 += 1;
                continue;
            }
            // A shift that starts soon after the last one continues the run.
            let continues = slot.starts_at < end + 24 * HOUR;
            if continues && run >= rules.max_consecutive {
                reasons.2 += 1;
                continue;
            }
            let key = (
                load[p].weight(),
                -(slot.starts_at - end).min(i64::MAX / 4),
                *p,
            );
            if best.is_none_or(|b| key < b) {
                best = Some(key);
            }
        }
        match best {
            Some((_, _, p)) => {
                let hours = (slot.ends_at - slot.starts_at) / HOUR;
                let l = load.entry(p).or_default();
                l.shifts += 1;
                l.hours += hours;
                if slot.night {
                    l.night_hours += hours;
                }
                if slot.off_day {
                    l.off_day_hours += hours;
                }
                let (end, run) = last.get(&p).copied().unwrap_or((i64::MIN / 2, 0));
                let run = if slot.starts_at < end + 24 * HOUR {
                    run + 1
                } else {
                    1
                };
                last.insert(p, (slot.ends_at, run));
                assigned.push((slot.clone(), Some(p)));
            }
            None => {
                let (en, vi) = if people.is_empty() {
                    (
                        "nobody is on the roster".to_string(),
                        "chưa có ai trong danh sách trực".to_string(),
                    )
                } else {
                    (
                        format!(
                            "nobody free: {} on leave, {} not rested {} h, {} at {} shifts in a row",
                            reasons.0, reasons.1, rules.min_rest_hours, reasons.2, rules.max_consecutive
                        ),
                        format!(
                            "không còn ai: {} nghỉ phép, {} chưa nghỉ đủ {} giờ, {} đã trực {} ca liền",
                            reasons.0, reasons.1, rules.min_rest_hours, reasons.2, rules.max_consecutive
                        ),
                    )
                };
                gaps.push((slot.clone(), en, vi));
                assigned.push((slot.clone(), None));
            }
        }
    }
    Rota {
        assigned,
        gaps,
        load,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::fmt_datetime;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn shifts_cross_midnight_in_vietnam_time() {
        let s = slots(Pattern::ThreeEights, d(2026, 12, 31), d(2026, 12, 31), &[]);
        assert_eq!(s.len(), 3);
        assert_eq!(fmt_datetime(s[2].starts_at), "31/12/2026 22:00");
        assert_eq!(
            fmt_datetime(s[2].ends_at),
            "01/01/2027 06:00",
            "into the next year"
        );
        // A day of 2×12 ends where the next begins: no gap, no overlap.
        let s = slots(Pattern::TwoTwelves, d(2028, 2, 28), d(2028, 3, 1), &[]);
        assert_eq!(s.len(), 6);
        assert!(s.windows(2).all(|w| w[0].ends_at == w[1].starts_at));
        assert!(s.iter().any(|x| x.date == d(2028, 2, 29)), "leap day");
    }

    #[test]
    fn day_night_covers_every_hour_with_weekend_and_holiday_days() {
        let hol = vietnam_holidays(2026);
        // Thu 30/04 and Fri 01/05 are holidays, Sat/Sun 02–03/05 the weekend.
        let s = slots(Pattern::DayNight, d(2026, 4, 29), d(2026, 5, 4), &hol);
        assert!(
            s.windows(2).all(|w| w[0].ends_at == w[1].starts_at),
            "24/7 without a hole"
        );
        let off: Vec<_> = s
            .iter()
            .filter(|x| x.code == "24h")
            .map(|x| x.date)
            .collect();
        assert_eq!(
            off,
            vec![d(2026, 4, 30), d(2026, 5, 1), d(2026, 5, 2), d(2026, 5, 3)]
        );
        assert_eq!(
            s.iter()
                .find(|x| x.date == d(2026, 4, 30))
                .and_then(|x| x.holiday.clone())
                .as_deref(),
            Some("Ngày Chiến thắng (30/4)")
        );
    }

    #[test]
    fn holidays_follow_the_labour_code() {
        let h = vietnam_holidays(2026);
        let dates: Vec<NaiveDate> = h.iter().map(|x| x.date).collect();
        assert!(dates.contains(&d(2026, 1, 1)));
        // Tết 2026 is 17/02: 16/02 (30 Tết) to 20/02.
        for day in 16..=20 {
            assert!(dates.contains(&d(2026, 2, day)), "{day}/02");
        }
        assert!(dates.contains(&d(2026, 4, 26)), "Hùng Kings");
        assert!(dates.contains(&d(2026, 9, 2)) && dates.contains(&d(2026, 9, 1)));
        assert_eq!(h.len(), 11);
        // Beyond the lunar table only the solar days are known.
        assert_eq!(vietnam_holidays(2031).len(), 5);
    }

    #[test]
    fn a_rota_is_fair_keeps_rest_and_leave_and_names_its_gaps() {
        let s = slots(
            Pattern::ThreeEights,
            d(2026, 12, 28),
            d(2027, 1, 3),
            &vietnam_holidays(2027),
        );
        let people = [1, 2, 3, 4];
        let leave = [Leave {
            person: 4,
            from: midnight(d(2026, 12, 31)),
            to: midnight(d(2027, 1, 2)),
        }];
        let rules = RotaRules::default();
        let r = generate(&s, &people, &leave, &rules, &BTreeMap::new());
        assert!(r.gaps.is_empty(), "{:?}", r.gaps);
        // Rest: nobody starts within 8 h of their last shift's end.
        let mut last: BTreeMap<i64, i64> = BTreeMap::new();
        for (slot, p) in &r.assigned {
            let p = p.expect("staffed");
            if let Some(end) = last.get(&p) {
                assert!(slot.starts_at >= end + 8 * HOUR, "rest broken for {p}");
            }
            last.insert(p, slot.ends_at);
            // Leave kept.
            assert!(
                !(p == 4
                    && slot.starts_at >= midnight(d(2026, 12, 31))
                    && slot.starts_at < midnight(d(2027, 1, 2)))
            );
        }
        // Fair: the weighted loads of the three always-available people differ by at most one
        // shift's heaviest weight (8 night hours on a day off: 8×2 + 8 + 8).
        let w: Vec<i64> = [1, 2, 3].iter().map(|p| r.load[p].weight()).collect();
        let spread = w.iter().max().expect("max") - w.iter().min().expect("min");
        assert!(spread <= 32, "{w:?}");
        assert_eq!(
            r.load.values().map(|l| l.shifts).sum::<u32>(),
            21,
            "every slot staffed once"
        );
    }

    #[test]
    fn an_understaffed_roster_says_which_slots_are_empty() {
        let s = slots(Pattern::ThreeEights, d(2026, 2, 16), d(2026, 2, 17), &[]);
        let r = generate(&s, &[7], &[], &RotaRules::default(), &BTreeMap::new());
        // One person can take every other shift at best (8 h on, 8 h rest).
        assert!(!r.gaps.is_empty());
        assert_eq!(r.assigned.len(), 6);
        assert!(r
            .gaps
            .iter()
            .all(|(_, en, vi)| en.contains("not rested") && vi.contains("chưa nghỉ đủ")));
        let r = generate(&s, &[], &[], &RotaRules::default(), &BTreeMap::new());
        assert_eq!(r.gaps.len(), 6);
        assert!(r.gaps[0].1.contains("nobody is on the roster"));
    }
}
