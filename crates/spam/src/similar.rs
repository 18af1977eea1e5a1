//! Near-duplicate messages: a 64-bit SimHash over word 3-shingles of the folded text, and
//! grouping by Hamming distance (a campaign's variants — a changed name, amount or link — land
//! in one group).

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

#[cfg(test)]
mod tests {
    use super::*;

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
