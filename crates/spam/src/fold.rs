//! Vietnamese text folded for matching: diacritics and case gone, `đ` as `d`, look-alike
//! letters from other scripts as their Latin twins, digits and symbols standing in for letters
//! inside words read back (`v1ettel` → `viettel`, `ng@n h@ng` → `ngan hang`), letters spaced or
//! dotted apart joined (`v i e t t e l`, `V.I.E.T.T.E.L` → `viettel`), runs of spaces as one.
//! And the URLs a message carries.

use unicode_normalization::UnicodeNormalization;

/// A look-alike character of another script (or a styled form) as the Latin letter it imitates.
fn confusable(c: char) -> Option<char> {
    Some(match c {
        'а' | 'ɑ' | 'α' => 'a',
        'е' | 'ε' => 'e',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'с' | 'ϲ' => 'c',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'і' | 'ı' | 'ι' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'к' | 'κ' => 'k',
        'н' => 'h',
        'м' => 'm',
        'т' | 'τ' => 't',
        'в' => 'b',
        'ν' => 'v',
        'ɡ' => 'g',
        'ℓ' => 'l',
        _ => return None,
    })
}

/// A digit or symbol that stands for a letter when it sits inside a word.
fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        '8' => 'b',
        _ => return None,
    })
}

/// One character without its marks, lower case; `đ` is `d`; compatibility forms (full-width,
/// mathematical letters) as plain ones.
fn base(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    if c == 'đ' || c == 'Đ' {
        out.push('d');
        return;
    }
    for d in c.nfkd() {
        if unicode_normalization::char::is_combining_mark(d) {
            continue;
        }
        let d = confusable(d).unwrap_or(d);
        for l in d.to_lowercase() {
            out.push(confusable(l).unwrap_or(l));
        }
    }
}

/// Folds a text for matching (see the module's description).
pub fn fold(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    for c in text.chars() {
        base(c, &mut plain);
    }
    // Words: digits and symbols inside a word that also has letters are letters; letters
    // spaced apart (three or more) or joined by dots are one word.
    let mut out = String::with_capacity(plain.len());
    let mut run = String::new();
    let mut run_len = 0;
    let mut word = String::new();
    fn emit(out: &mut String, s: &str) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(s);
    }
    fn flush(out: &mut String, run: &mut String, run_len: &mut usize) {
        if *run_len >= 3 {
            emit(out, run);
        } else {
            for c in run.chars() {
                let mut b = [0u8; 4];
                emit(out, c.encode_utf8(&mut b));
            }
        }
        run.clear();
        *run_len = 0;
    }
    for w in plain.split_whitespace() {
        word.clear();
        let letters = w.chars().filter(|c| c.is_alphabetic()).count();
        if letters >= 2 && !w.contains('/') && !looks_numeric(w) {
            word.extend(w.chars().map(|c| {
                if c.is_alphabetic() {
                    c
                } else {
                    leet(c).unwrap_or(c)
                }
            }));
        } else {
            word.push_str(w);
        }
        let mut single = word.chars();
        if let (Some(c), None) = (single.next(), single.next()) {
            if c.is_alphabetic() {
                run.push(c);
                run_len += 1;
                continue;
            }
        }
        flush(&mut out, &mut run, &mut run_len);
        if word.len() >= 5
            && word
                .split('.')
                .all(|p| p.chars().count() == 1 && p.chars().all(char::is_alphabetic))
        {
            let joined: String = word.split('.').collect();
            emit(&mut out, &joined);
        } else {
            emit(&mut out, &word);
        }
    }
    flush(&mut out, &mut run, &mut run_len);
    out
}

fn looks_numeric(w: &str) -> bool {
    let digits = w.chars().filter(char::is_ascii_digit).count();
    digits * 2 > w.chars().count()
}

/// The URLs and bare domains a text carries (`http(s)://…`, `www.…`, and `name.tld` forms such
/// as `tixa1kv.gezne.de`), lower-cased, in order, without repeats.
pub fn urls(text: &str) -> Vec<String> {
    const TLDS: [&str; 24] = [
        "com", "net", "org", "vn", "info", "xyz", "top", "me", "de", "io", "cc", "co", "shop",
        "online", "site", "club", "vip", "link", "app", "tk", "ly", "gl", "to", "live",
    ];
    let mut out: Vec<String> = Vec::new();
    for raw in text.split(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')' | '[' | ']' | ',')
    }) {
        let t = raw.trim_matches(|c: char| matches!(c, '.' | ',' | ';' | ':' | '!' | '?'));
        // Neither a scheme nor a dot: not a link (most words), without lower-casing it.
        if t.is_empty() || !t.contains('.') {
            continue;
        }
        let lower = t.to_lowercase();
        let is_url = lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("www.");
        let host = lower
            .trim_start_matches("http://")
            .trim_start_matches("https://")
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .to_string();
        let labels: Vec<&str> = host.split('.').collect();
        let domain_like = labels.len() >= 2
            && labels
                .iter()
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            && TLDS.contains(labels.last().unwrap_or(&""))
            && labels
                .iter()
                .any(|l| l.chars().any(|c| c.is_ascii_alphabetic()));
        if (is_url || domain_like) && !out.contains(&lower) {
            out.push(lower);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diacritics_case_and_d() {
        assert_eq!(
            fold("Ngân hàng Vietcombank THÔNG BÁO: Tài khoản bị khoá"),
            "ngan hang vietcombank thong bao: tai khoan bi khoa"
        );
        assert_eq!(fold("Đăng ký ĐẶC BIỆT"), "dang ky dac biet");
        assert_eq!(
            fold(&"Nguyễn Hoàng Anh".nfd().collect::<String>()),
            "nguyen hoang anh",
            "decomposed input too"
        );
    }

    #[test]
    fn obfuscations_read_back() {
        assert_eq!(fold("V1ETTEL tặng b@n 500k"), "viettel tang ban 500k");
        assert_eq!(fold("v i e t t e l khuyến mãi"), "viettel khuyen mai");
        assert_eq!(fold("V.I.E.T.T.E.L"), "viettel");
        assert_eq!(fold("Vіеttеl"), "viettel", "Cyrillic і and е");
        assert_eq!(fold("ＶＮｅＩＤ"), "vneid", "full-width");
        assert_eq!(
            fold("goi 0985931054 luc 17h30"),
            "goi 0985931054 luc 17h30",
            "numbers stay numbers"
        );
    }

    #[test]
    fn urls_and_bare_domains() {
        assert_eq!(
            urls("Nhan 88K tai tixa1kv.Gezne.de dk ngay, hoac https://t.me/henho24h."),
            ["tixa1kv.gezne.de", "https://t.me/henho24h"]
        );
        assert_eq!(
            urls("vao www.vcb-bank.xyz/login de xac thuc"),
            ["www.vcb-bank.xyz/login"]
        );
        assert!(urls("luc 17.30 ngay 27.09.2022, phi 15.000d").is_empty());
    }
}
