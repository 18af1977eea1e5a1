//! Fraud, spam or legitimate, with the reasons. Two layers:
//!
//! - a **fraud model**: logistic regression over hashed features of the folded text — word
//!   unigrams and bigrams, character 3- to 5-grams inside words (so that text with and without
//!   diacritics, and obfuscated words, meet), and indicators (a link, a bare domain, a link on a
//!   cheap top-level domain, a phone number, a money amount, an impersonated brand or authority,
//!   an urgent call to act). Trained by `canhgac spam train` from labelled messages
//!   ([`train`]); the weights ship with the project ([`Model::embedded`]).
//! - **advertising** (spam that is not fraud) by its markers: the `QC` prefix the rules require,
//!   the opt-out instruction (`TC`, `tu choi`), promotion words — the labelled data has no
//!   advertising class, so this layer is rules, and says which matched.
//!
//! A listed URL or number (threat lists) is fraud whatever the model says.

use crate::fold::{fold, urls};
use serde::{Deserialize, Serialize};

/// Number of hashed feature slots (a power of two).
pub const SLOTS: usize = 1 << 16;

/// The label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Scams, phishing, impersonation.
    Fraud,
    /// Unsolicited advertising.
    Spam,
    /// Legitimate.
    Ham,
}

/// Why a message got its label.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Label.
    pub label: Label,
    /// The fraud model's probability.
    pub score: f32,
    /// The features that weighed most towards fraud, with their weight.
    pub reasons: Vec<(String, f32)>,
    /// Indicators that matched (a listed URL, an impersonated brand, advertising markers).
    pub indicators: Vec<String>,
}

/// FNV-1a, 64-bit.
fn hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

const BRANDS: [&str; 24] = [
    "vietcombank",
    "vcb",
    "techcombank",
    "agribank",
    "vietinbank",
    "bidv",
    "mbbank",
    "tpbank",
    "vpbank",
    "sacombank",
    "acb",
    "ngan hang",
    "cong an",
    "thue",
    "vneid",
    "bhxh",
    "bao hiem xa hoi",
    "dien luc",
    "evn",
    "viettel",
    "vinaphone",
    "mobifone",
    "shopee",
    "lazada",
];
const URGENT: [&str; 12] = [
    "khoa",
    "bi khoa",
    "xac thuc",
    "xac minh",
    "cap nhat",
    "dang nhap",
    "truy cap",
    "ngay lap tuc",
    "trong vong",
    "het han",
    "trung thuong",
    "nhan thuong",
];
const CHEAP_TLDS: [&str; 12] = [
    ".xyz", ".top", ".me", ".de", ".cc", ".shop", ".online", ".site", ".club", ".vip", ".tk",
    ".live",
];
const ADS: [&str; 10] = [
    "qc",
    "quang cao",
    "khuyen mai",
    "uu dai",
    "giam gia",
    "tu choi",
    "soan tc",
    "mien phi",
    "dang ky ngay",
    "chi tu",
];

/// The features of a text: hashed slots, with their names for the slots in `names` (the reasons
/// shown; naming every n-gram would cost ten times the scoring).
fn features(folded: &str, raw: &str, names: Option<&[usize]>) -> Vec<(usize, String)> {
    let named = |slot: usize| names.is_some_and(|l| l.contains(&slot));
    let mut out: Vec<(usize, String)> = Vec::with_capacity(folded.len() * 3);
    // Indicators live in the top slots, the text's n-grams below them.
    fn slot_of(tag: &[u8], a: &[u8], b: &[u8]) -> usize {
        let h = hash(&[tag, a, b]) as usize;
        if tag == b"f" {
            SLOTS - 1 - (h & 63)
        } else {
            h & (SLOTS - 65)
        }
    }
    macro_rules! push {
        ($tag:expr, $a:expr, $b:expr, $label:expr) => {{
            let slot = slot_of($tag, $a, $b);
            out.push((slot, if named(slot) { $label } else { String::new() }))
        }};
    }
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        push!(b"w", w.as_bytes(), b"", format!("từ “{w}”"));
        if let Some(n) = words.get(i + 1) {
            push!(b"b", w.as_bytes(), n.as_bytes(), format!("cụm “{w} {n}”"));
        }
        if w.len() <= 38 {
            let mut buf = [b' '; 40];
            buf[1..=w.len()].copy_from_slice(w.as_bytes());
            let bytes = &buf[..w.len() + 2];
            for n in 3..=5 {
                for g in bytes.windows(n) {
                    // At most five bytes: packed into one word and mixed (no byte loop).
                    let mut x: u64 = n as u64;
                    for b in g {
                        x = (x << 8) | u64::from(*b);
                    }
                    x = (x ^ 0x6368_6172).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    x ^= x >> 29;
                    let slot = (x as usize) & (SLOTS - 65);
                    out.push((
                        slot,
                        if named(slot) {
                            format!("chuỗi “{}”", String::from_utf8_lossy(g).trim())
                        } else {
                            String::new()
                        },
                    ));
                }
            }
        }
    }
    let links = urls(raw);
    let mut flag = |name: &str, on: bool| {
        if on {
            push!(b"f", name.as_bytes(), b"", name.to_string());
        }
    };
    flag("có đường link", !links.is_empty());
    flag(
        "link tên miền rẻ",
        links.iter().any(|u| {
            CHEAP_TLDS.iter().any(|t| {
                u.split('/')
                    .next()
                    .unwrap_or(u)
                    .trim_start_matches("www.")
                    .ends_with(t)
            })
        }),
    );
    flag(
        "link rút gọn hoặc Telegram",
        links.iter().any(|u| {
            ["bit.ly", "t.me", "tinyurl", "goo.gl", "zalo.me"]
                .iter()
                .any(|s| u.contains(s))
        }),
    );
    flag("có số điện thoại", crate::phone::has_number(raw));
    flag(
        "số tiền",
        words.iter().any(|w| {
            w.ends_with('k') && w[..w.len() - 1].chars().all(|c| c.is_ascii_digit()) && w.len() > 1
        }) || folded.contains("trieu"),
    );
    let (brand, urgent) = brand_and_urgency(folded);
    flag("giả danh tổ chức", brand);
    flag("thúc giục", urgent);
    out
}

/// The brands and the urgent words, found in one pass (Aho-Corasick): pattern indices below
/// `BRANDS.len()` are brands.
static MARKERS: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::new(BRANDS.iter().chain(URGENT.iter())).expect("fixed patterns")
});

/// Whether the folded text names a brand and whether it urges, each as whole words.
fn brand_and_urgency(folded: &str) -> (bool, bool) {
    let b = folded.as_bytes();
    let (mut brand, mut urgent) = (false, false);
    for m in MARKERS.find_overlapping_iter(folded) {
        let before = m.start() == 0 || !(b[m.start() - 1] as char).is_ascii_alphanumeric();
        let after = m.end() == b.len() || !(b[m.end()] as char).is_ascii_alphanumeric();
        if before && after {
            if m.pattern().as_usize() < BRANDS.len() {
                brand = true;
            } else {
                urgent = true;
            }
            if brand && urgent {
                break;
            }
        }
    }
    (brand, urgent)
}

fn contains_words(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after = hay[i + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        before && after
    })
}

/// A trained fraud model.
#[derive(Debug, Clone)]
pub struct Model {
    weights: Vec<f32>,
    bias: f32,
    /// Fraud when the probability is at least this.
    pub threshold: f32,
}

/// The weights shipped with the project (made by `canhgac spam train`, see BENCHMARKS.md).
const EMBEDDED: &[u8] = include_bytes!("../model/fraud.bin");

impl Model {
    /// The shipped model.
    pub fn embedded() -> Model {
        Model::from_bytes(EMBEDDED).unwrap_or_else(|| Model {
            weights: vec![0.0; SLOTS],
            bias: -2.0,
            threshold: 0.5,
        })
    }

    /// Reads weights written by [`Model::to_bytes`]: sparse `(slot u32, weight f32)` pairs after
    /// the bias and threshold, little-endian.
    pub fn from_bytes(b: &[u8]) -> Option<Model> {
        if b.len() < 8 || !(b.len() - 8).is_multiple_of(8) {
            return None;
        }
        let f = |i: usize| f32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut weights = vec![0.0; SLOTS];
        for c in b[8..].chunks_exact(8) {
            let slot = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize;
            *weights.get_mut(slot)? = f32::from_le_bytes([c[4], c[5], c[6], c[7]]);
        }
        Some(Model {
            weights,
            bias: f(0),
            threshold: f(4),
        })
    }

    /// The weights, sparse (only slots that are not zero), in slot order: reproducible bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(self.bias.to_le_bytes());
        out.extend(self.threshold.to_le_bytes());
        for (i, w) in self.weights.iter().enumerate() {
            if *w != 0.0 {
                out.extend((i as u32).to_le_bytes());
                out.extend(w.to_le_bytes());
            }
        }
        out
    }

    /// The fraud probability of a text.
    pub fn score(&self, text: &str) -> f32 {
        let folded = fold(text);
        self.score_folded(&folded, text)
    }

    fn score_folded(&self, folded: &str, raw: &str) -> f32 {
        let f: Vec<usize> = features(folded, raw, None)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        1.0 / (1.0 + (-z_of(&self.weights, self.bias, &f)).exp())
    }

    /// Labels a text with its reasons; `listed` says whether a URL or number in it is on a
    /// threat list (fraud whatever the model says).
    pub fn classify(&self, text: &str, listed: bool) -> Verdict {
        let folded = fold(text);
        let mut slots: Vec<usize> = features(&folded, text, None)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let score = 1.0 / (1.0 + (-z_of(&self.weights, self.bias, &slots)).exp());
        let n = text_norm(&slots);
        // Each feature's weight in this text (a feature present twice counts twice), the five
        // heaviest towards fraud; only those are then named.
        slots.sort_unstable();
        let mut by_slot: Vec<(usize, f32)> = Vec::new();
        for s in &slots {
            let w = if is_flag(*s) {
                self.weights[*s]
            } else {
                self.weights[*s] / n
            };
            match by_slot.last_mut() {
                Some((last, sum)) if last == s => *sum += w,
                _ => by_slot.push((*s, w)),
            }
        }
        by_slot.sort_by(|a, b| b.1.total_cmp(&a.1));
        by_slot.truncate(5);
        by_slot.retain(|(_, w)| *w > 0.0);
        let top: Vec<usize> = by_slot.iter().map(|(s, _)| *s).collect();
        let names = features(&folded, text, Some(&top));
        let contrib: Vec<(String, f32)> = by_slot
            .iter()
            .filter_map(|(s, w)| {
                names
                    .iter()
                    .find(|(x, name)| x == s && !name.is_empty())
                    .map(|(_, name)| (name.clone(), *w))
            })
            .collect();
        let mut indicators = Vec::new();
        if listed {
            indicators.push("đường link hoặc số điện thoại có trong danh sách đe doạ".to_string());
        }
        for b in BRANDS.iter().filter(|b| contains_words(&folded, b)) {
            indicators.push(format!("nhắc tới “{b}”"));
        }
        let ads: Vec<&&str> = ADS
            .iter()
            .filter(|m| {
                if **m == "qc" {
                    folded.starts_with("qc")
                        || folded.starts_with("[qc")
                        || folded.starts_with("(qc")
                } else {
                    contains_words(&folded, m)
                }
            })
            .collect();
        let label = if listed || score >= self.threshold {
            Label::Fraud
        } else if !ads.is_empty() {
            for m in &ads {
                indicators.push(format!("dấu hiệu quảng cáo “{m}”"));
            }
            Label::Spam
        } else {
            Label::Ham
        };
        Verdict {
            label,
            score,
            reasons: contrib,
            indicators,
        }
    }
}

fn is_flag(slot: usize) -> bool {
    slot >= SLOTS - 64
}

/// The text's n-grams count as a unit vector; the indicators one each.
fn text_norm(slots: &[usize]) -> f32 {
    (slots.iter().filter(|s| !is_flag(**s)).count().max(1) as f32).sqrt()
}

fn z_of(weights: &[f32], bias: f32, slots: &[usize]) -> f32 {
    let n = text_norm(slots);
    bias + slots
        .iter()
        .map(|s| {
            if is_flag(*s) {
                weights[*s]
            } else {
                weights[*s] / n
            }
        })
        .sum::<f32>()
}

/// A labelled message for training: the text and whether it is fraud.
pub type Example<'a> = (&'a str, bool);

/// Trains the fraud model by stochastic gradient descent (log loss, L2), deterministic: the
/// examples in the order given, a fixed number of passes, a fixed learning-rate schedule.
pub fn train(examples: &[Example], passes: usize) -> Model {
    let folded: Vec<(Vec<usize>, bool)> = examples
        .iter()
        .map(|(t, y)| {
            (
                features(&fold(t), t, None)
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect(),
                *y,
            )
        })
        .collect();
    let pos = folded.iter().filter(|(_, y)| *y).count().max(1) as f32;
    let neg = (folded.len() as f32 - pos).max(1.0);
    // Classes weighed equally: fraud is the rare one.
    let (wp, wn) = (
        folded.len() as f32 / (2.0 * pos),
        folded.len() as f32 / (2.0 * neg),
    );
    let mut m = Model {
        weights: vec![0.0; SLOTS],
        bias: 0.0,
        threshold: 0.5,
    };
    let lambda = 1e-5_f32;
    for pass in 0..passes {
        let lr = 0.5 / (1.0 + pass as f32 * 0.5);
        for (f, y) in &folded {
            let n = text_norm(f);
            let p = 1.0 / (1.0 + (-z_of(&m.weights, m.bias, f)).exp());
            let target = if *y { 1.0 } else { 0.0 };
            let g = (p - target) * if *y { wp } else { wn };
            m.bias -= lr * g * 0.1;
            for s in f {
                let x = if is_flag(*s) { 1.0 } else { 1.0 / n };
                let w = &mut m.weights[*s];
                *w -= lr * (g * x + lambda * *w);
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_round_trips_its_bytes() {
        let m = train(
            &[
                (
                    "Tai khoan VCB cua ban bi khoa, truy cap vcb-xacthuc.xyz ngay",
                    true,
                ),
                ("Hen gap ban luc 7h toi nay nhe", false),
            ],
            3,
        );
        let b = m.to_bytes();
        let back = Model::from_bytes(&b).expect("bytes");
        assert_eq!(back.to_bytes(), b);
        assert!((back.score("Hen gap ban") - m.score("Hen gap ban")).abs() < 1e-6);
        assert!(Model::from_bytes(&[1, 2, 3]).is_none());
    }

    #[test]
    fn the_shipped_model_tells_fraud_from_the_rest_with_reasons() {
        let m = Model::embedded();
        let v = m.classify("[VCB] Tai khoan cua Quy khach da bi tam khoa do chua xac thuc sinh trac hoc. Truy cap ngay vcb-sinhtrachoc.xyz de xac thuc trong vong 24h.", false);
        assert_eq!(v.label, Label::Fraud, "{v:?}");
        assert!(
            !v.reasons.is_empty() && v.indicators.iter().any(|i| i.contains("vcb")),
            "{v:?}"
        );
        let v = m.classify("Con oi toi nay me ve muon, con an com truoc nhe", false);
        assert_eq!(v.label, Label::Ham, "{v:?}");
        let v = m.classify("QC: Sieu uu dai thang 12, giam gia 50% tat ca san pham tai cua hang. Tu choi QC soan TC gui 9199", false);
        assert_eq!(v.label, Label::Spam, "{v:?}");
        // A listed link is fraud whatever the text.
        assert_eq!(m.classify("xem anh nay nhe", true).label, Label::Fraud);
    }

    #[test]
    fn diacritics_do_not_change_the_verdict() {
        let m = Model::embedded();
        let a = m.score(
            "Chúc mừng quý khách đã trúng thưởng 500 triệu đồng, liên hệ ngay để nhận thưởng",
        );
        let b = m.score(
            "Chuc mung quy khach da trung thuong 500 trieu dong, lien he ngay de nhan thuong",
        );
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
}
