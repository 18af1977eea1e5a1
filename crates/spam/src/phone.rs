//! Vietnamese phone numbers as people write them, to E.164: `+84`, `84`, `0` or no prefix;
//! spaces, dots, dashes and brackets inside; the 2018 move of 11-digit mobile numbers to 10
//! digits (`0162…` → `032…`, the last seven digits kept); landlines with their area codes; short
//! codes. Each number is given its network.

use serde::Serialize;

/// What kind of number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    /// A mobile subscriber.
    Mobile,
    /// A fixed line (area code 02x).
    Landline,
    /// A service number of 3 to 6 digits (5656, 1800…, 1900…).
    ShortCode,
}

/// A number, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phone {
    /// E.164 (`+84…`), or the short code's digits.
    pub e164: String,
    /// Mobile, landline or short code.
    pub kind: NumberKind,
    /// The network its prefix was assigned to (`viettel`, `vinaphone`, `mobifone`,
    /// `vietnamobile`, `gmobile`, `itelecom`, `reddi`; `fixed` for landlines; empty if unknown).
    pub network: &'static str,
    /// It was written with a pre-2018 11-digit prefix.
    pub migrated: bool,
}

/// The 2018 mobile prefix migration: old 4-digit prefix (with the leading 0) → new 3-digit.
pub const MIGRATION: [(&str, &str); 21] = [
    ("0120", "070"),
    ("0121", "079"),
    ("0122", "077"),
    ("0126", "076"),
    ("0128", "078"),
    ("0123", "083"),
    ("0124", "084"),
    ("0125", "085"),
    ("0127", "081"),
    ("0129", "082"),
    ("0162", "032"),
    ("0163", "033"),
    ("0164", "034"),
    ("0165", "035"),
    ("0166", "036"),
    ("0167", "037"),
    ("0168", "038"),
    ("0169", "039"),
    ("0186", "056"),
    ("0188", "058"),
    ("0199", "059"),
];

/// Mobile prefixes (after the migration, with the leading 0) by network.
const MOBILE: [(&str, &[&str]); 7] = [
    (
        "viettel",
        &[
            "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098",
        ],
    ),
    (
        "vinaphone",
        &["081", "082", "083", "084", "085", "088", "091", "094"],
    ),
    (
        "mobifone",
        &["070", "076", "077", "078", "079", "089", "090", "093"],
    ),
    ("vietnamobile", &["052", "056", "058", "092"]),
    ("gmobile", &["059", "099"]),
    ("itelecom", &["087"]),
    ("reddi", &["055"]),
];

/// The network of a 10-digit national mobile number (`0…`).
pub fn mobile_network(national: &str) -> Option<&'static str> {
    let p = national.get(..3)?;
    MOBILE
        .iter()
        .find(|(_, ps)| ps.contains(&p))
        .map(|(n, _)| *n)
}

/// Normalises one number as written; `None` when it is not a Vietnamese number.
pub fn normalize(raw: &str) -> Option<Phone> {
    let mut digits = String::with_capacity(raw.len());
    let mut plus = false;
    for c in raw.trim().chars() {
        match c {
            '0'..='9' => digits.push(c),
            // Full-width digits, as some phones type them.
            '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            '+' if digits.is_empty() && !plus => plus = true,
            ' ' | '.' | '-' | '(' | ')' | '\u{a0}' | '/' => {}
            _ => return None,
        }
    }
    if digits.is_empty() {
        return None;
    }
    // Service numbers.
    if !plus && (3..=6).contains(&digits.len()) && !digits.starts_with('0') {
        return Some(Phone {
            e164: digits,
            kind: NumberKind::ShortCode,
            network: "",
            migrated: false,
        });
    }
    if !plus && (digits.starts_with("1800") || digits.starts_with("1900")) && digits.len() <= 10 {
        return Some(Phone {
            e164: digits,
            kind: NumberKind::ShortCode,
            network: "",
            migrated: false,
        });
    }
    // To the national form with its leading 0.
    let national = if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() >= 9) {
        format!("0{rest}")
    } else if plus {
        return None;
    } else if digits.starts_with('0') {
        digits.clone()
    } else if digits.len() == 9 || digits.len() == 10 {
        format!("0{digits}")
    } else {
        return None;
    };
    let (national, migrated) = match national.len() {
        11 => {
            let (old, rest) = national.split_at(4);
            match MIGRATION.iter().find(|(o, _)| *o == old) {
                Some((_, new)) => (format!("{new}{rest}"), true),
                // 11 digits: a landline with a three-digit area code (02xx) and 7 digits.
                None if national.starts_with("02") => (national.clone(), false),
                None => return None,
            }
        }
        10 => (national, false),
        _ => return None,
    };
    if let Some(network) = mobile_network(&national) {
        return Some(Phone {
            e164: format!("+84{}", &national[1..]),
            kind: NumberKind::Mobile,
            network,
            migrated,
        });
    }
    if national.starts_with("02") {
        return Some(Phone {
            e164: format!("+84{}", &national[1..]),
            kind: NumberKind::Landline,
            network: "fixed",
            migrated: false,
        });
    }
    None
}

/// Whether a text holds a phone number (a quick look for a run of nine digits or more first).
pub fn has_number(text: &str) -> bool {
    let mut run = 0;
    let mut long = false;
    for b in text.bytes() {
        if b.is_ascii_digit() {
            run += 1;
            long |= run >= 3;
        } else if !matches!(b, b' ' | b'.' | b'-') {
            run = 0;
        }
    }
    long && !find_all(text).is_empty()
}

/// Every phone number in a text (runs of digits with the separators people use, 3 to 14
/// digits), normalised, in order, without repeats.
pub fn find_all(text: &str) -> Vec<Phone> {
    let mut out: Vec<Phone> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            || (chars[i] == '+' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()));
        if !starts || (i > 0 && chars[i - 1].is_alphanumeric()) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() {
            let c = chars[j];
            let sep = matches!(c, ' ' | '.' | '-')
                && chars.get(j + 1).is_some_and(|n| n.is_ascii_digit());
            if c.is_ascii_digit() || sep {
                j += 1;
            } else {
                break;
            }
        }
        let run: String = chars[i..j].iter().collect();
        let n = run.chars().filter(char::is_ascii_digit).count();
        let word_end = chars.get(j).is_none_or(|c| !c.is_alphanumeric());
        if word_end && (9..=14).contains(&n) {
            if let Some(p) = normalize(&run) {
                if !out.iter().any(|x| x.e164 == p.e164) {
                    out.push(p);
                }
            }
        }
        i = j.max(i + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> Option<String> {
        normalize(s).map(|p| p.e164)
    }

    #[test]
    fn every_way_of_writing_a_mobile_number() {
        for s in [
            "0985931054",
            "+84985931054",
            "84985931054",
            "985931054",
            "098 593 1054",
            "098.593.1054",
            "098-593-1054",
            "(+84) 98 593 1054",
            "０９８５９３１０５４",
        ] {
            assert_eq!(e(s).as_deref(), Some("+84985931054"), "{s}");
        }
        assert_eq!(normalize("0985931054").map(|p| p.network), Some("viettel"));
    }

    #[test]
    fn the_2018_migration_keeps_the_last_seven_digits() {
        for (old, new, net) in [
            ("01621234567", "+84321234567", "viettel"),
            ("01201234567", "+84701234567", "mobifone"),
            ("01861234567", "+84561234567", "vietnamobile"),
            ("01991234567", "+84591234567", "gmobile"),
            ("01271234567", "+84811234567", "vinaphone"),
            ("+841621234567", "+84321234567", "viettel"),
        ] {
            let p = normalize(old).expect(old);
            assert_eq!(
                (p.e164.as_str(), p.network, p.migrated),
                (new, net, true),
                "{old}"
            );
        }
        assert_eq!(MIGRATION.len(), 21);
    }

    #[test]
    fn landlines_short_codes_and_refusals() {
        let p = normalize("024 3825 1234").expect("Hà Nội");
        assert_eq!(
            (p.e164.as_str(), p.kind),
            ("+842438251234", NumberKind::Landline)
        );
        assert_eq!(
            normalize("0213 3876 543").map(|p| p.e164).as_deref(),
            Some("+842133876543")
        );
        assert_eq!(
            normalize("5656").map(|p| p.kind),
            Some(NumberKind::ShortCode)
        );
        assert_eq!(
            normalize("18001091").map(|p| p.kind),
            Some(NumberKind::ShortCode)
        );
        for bad in ["", "abc", "+1 415 555 0100", "0011234567", "12"] {
            assert_eq!(e(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_inside_text() {
        let found: Vec<String> =
            find_all("Goi ngay 0162.123.4567 hoac +84 98 593 1054, ma 123456, CSKH 18001091")
                .into_iter()
                .map(|p| p.e164)
                .collect();
        assert_eq!(found, ["+84321234567", "+84985931054"]);
        assert!(find_all("ngay 27/09/2022 luc 17h").is_empty());
    }
}
