//! Near-duplicate messages. Campaigns: a MinHash [`Signature`] of each message's folded words
//! and word pairs, filed in a [`CampaignIndex`] by bands (locality-sensitive hashing), joined at
//! an estimated Jaccard similarity of 0.5 (a campaign's variants — a changed name, amount or
//! link — land in one campaign). Evaluation splits: a 64-bit SimHash over word 3-shingles and
//! grouping by Hamming distance.

use crate::fold::fold;

fn h64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // A final mix so that close inputs spread over all bits.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// The SimHash of a text (folded first; digits count as one token kind, so amounts and numbers
/// that change between variants do not move it).
pub fn simhash(text: &str) -> u64 {
    let folded = fold(text);
    let words: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.chars().any(|c| c.is_ascii_digit()) {
                "#".to_string()
            } else {
                w.to_string()
            }
        })
        .collect();
    let mut v = [0i32; 64];
    let shingles: Vec<String> = if words.len() < 3 {
        vec![words.join(" ")]
    } else {
        words.windows(3).map(|w| w.join(" ")).collect()
    };
    for s in &shingles {
        let h = h64(s);
        for (i, x) in v.iter_mut().enumerate() {
            *x += if h >> i & 1 == 1 { 1 } else { -1 };
        }
    }
    v.iter().enumerate().fold(
        0u64,
        |acc, (i, x)| if *x > 0 { acc | (1 << i) } else { acc },
    )
}

/// Groups of near-identical texts: the group of each text (the index of its first member),
/// joining texts whose SimHashes differ in at most `bits` bits.
pub fn groups(hashes: &[u64], bits: u32) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..hashes.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for i in 0..hashes.len() {
        for j in i + 1..hashes.len() {
            if (hashes[i] ^ hashes[j]).count_ones() <= bits {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    (0..hashes.len()).map(|i| root(&mut parent, i)).collect()
}

/// A MinHash signature of a message's word set (words and word pairs, folded; digits and links
/// as token kinds): [`SIG`] minimum hashes, whose share of agreement estimates the Jaccard
/// similarity of two messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u32; SIG]);

/// Hashes in a signature.
pub const SIG: usize = 16;
/// Bands of [`ROWS`] hashes each: two messages sharing a whole band are compared.
const BANDS: usize = 8;
const ROWS: usize = SIG / BANDS;
/// Variants of one campaign: at least this estimated Jaccard similarity.
pub const NEAR: f64 = 0.5;

fn tokens(text: &str) -> Vec<String> {
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| {
            c.is_whitespace()
                || matches!(c, ',' | ';' | ':' | '!' | '?' | '(' | ')' | '[' | ']' | '"')
        })
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.contains('.') || w.contains('/') {
                "#link"
            } else if w.chars().any(|c| c.is_ascii_digit()) {
                "#"
            } else {
                w
            }
        })
        .collect();
    let mut t: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    t.extend(words.windows(2).map(|p| format!("{} {}", p[0], p[1])));
    t.sort();
    t.dedup();
    t
}

impl Signature {
    /// The signature of a text.
    pub fn of(text: &str) -> Signature {
        let mut sig = [u32::MAX; SIG];
        for t in tokens(text) {
            let h = h64(&t);
            for (i, m) in sig.iter_mut().enumerate() {
                // One hash family: h·(2i+1) mixed, upper half.
                let x = (h ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
                    .wrapping_mul(0xbf58_476d_1ce4_e5b9);
                let x = (x ^ (x >> 31)) as u32;
                if x < *m {
                    *m = x;
                }
            }
        }
        Signature(sig)
    }

    /// The estimated Jaccard similarity.
    pub fn similarity(&self, o: &Signature) -> f64 {
        self.0
            .iter()
            .zip(o.0.iter())
            .filter(|(a, b)| a == b)
            .count() as f64
            / SIG as f64
    }

    /// As hex (how it is stored).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|x| format!("{x:08x}")).collect()
    }

    /// From hex.
    pub fn from_hex(s: &str) -> Option<Signature> {
        if s.len() != SIG * 8 || !s.is_ascii() {
            return None;
        }
        let mut sig = [0u32; SIG];
        for (i, m) in sig.iter_mut().enumerate() {
            *m = u32::from_str_radix(&s[i * 8..i * 8 + 8], 16).ok()?;
        }
        Some(Signature(sig))
    }

    fn band(&self, b: usize) -> u64 {
        let mut h = b as u64;
        for x in &self.0[b * ROWS..(b + 1) * ROWS] {
            h = h.wrapping_mul(0x0100_0000_01b3) ^ u64::from(*x);
        }
        h
    }
}

/// Campaigns found so far, looked up by signature: each is filed under its bands (locality-
/// sensitive hashing), so a lookup compares only the campaigns sharing a band with the message.
#[derive(Debug, Default)]
pub struct CampaignIndex {
    bands: std::collections::HashMap<(u8, u64), Vec<usize>>,
    entries: Vec<(i64, Signature)>,
}

impl CampaignIndex {
    /// An empty index.
    pub fn new() -> CampaignIndex {
        CampaignIndex::default()
    }

    /// Files a campaign's signature.
    pub fn insert(&mut self, id: i64, sig: Signature) {
        let at = self.entries.len();
        self.entries.push((id, sig));
        for b in 0..BANDS {
            let list = self.bands.entry((b as u8, sig.band(b))).or_default();
            if list.len() < 10_000 {
                list.push(at);
            }
        }
    }

    /// The most similar filed campaign at [`NEAR`] or above, if any (the oldest on a tie).
    pub fn find(&self, sig: &Signature) -> Option<i64> {
        let mut best: Option<(f64, usize)> = None;
        for b in 0..BANDS {
            for &i in self
                .bands
                .get(&(b as u8, sig.band(b)))
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let s = self.entries[i].1.similarity(sig);
                if s >= NEAR && best.is_none_or(|(bs, bi)| s > bs || (s == bs && i < bi)) {
                    best = Some((s, i));
                }
            }
        }
        best.map(|(_, i)| self.entries[i].0)
    }

    /// Campaigns filed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Nothing filed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_join_their_campaign_and_others_do_not() {
        let a = "Vietcombank thong bao tai khoan quy khach bi khoa, truy cap vcb-xacthuc.xyz de xac thuc ngay";
        let b = "Vietcombank thông báo: tài khoản quý khách Lê Văn B bị khoá, truy cập vietcombank-sinhtrac.top để xác thực ngay";
        let c = "Lich hop giao ban chuyen sang 14h chieu thu sau tai phong hop tang 3";
        let d = "Chuc mung thue bao Nguyen Van Hung trung thuong xe SH 150i, nhan thuong tai viettel-trian.club, phi 3000d";
        let e = "Chuc mung thue bao Tran Thi Mai trung thuong xe SH 150i, nhan thuong tai tri-an.shop, phi 7000d";
        let mut ix = CampaignIndex::new();
        ix.insert(1, Signature::of(a));
        ix.insert(2, Signature::of(c));
        ix.insert(3, Signature::of(d));
        assert_eq!(ix.find(&Signature::of(b)), Some(1));
        assert_eq!(ix.find(&Signature::of(e)), Some(3));
        assert_eq!(
            ix.find(&Signature::of(
                "Vay tien nhanh khong the chap, giai ngan trong 30 phut"
            )),
            None
        );
        let s = Signature::of(a);
        assert_eq!(Signature::from_hex(&s.to_hex()), Some(s));
    }

    #[test]
    fn variants_of_a_campaign_are_near_and_others_far() {
        let a = simhash("Chuc mung quy khach Nguyen Van A da trung thuong 500 trieu, truy cap vcb-qua.xyz de nhan");
        let b = simhash("Chúc mừng quý khách Trần Thị B đã trúng thưởng 300 triệu, truy cập vcb-qua.xyz để nhận");
        let c = simhash("Lich hop giao ban chuyen sang 14h chieu thu sau tai phong hop tang 3");
        assert!(
            (a ^ b).count_ones() < (a ^ c).count_ones(),
            "{} vs {}",
            (a ^ b).count_ones(),
            (a ^ c).count_ones()
        );
        assert_eq!(groups(&[a, a, c], 3), [0, 0, 2]);
    }
}
