//! Vietnamese text helpers.

/// Removes Vietnamese diacritics from one character (`ế` → `e`, `Đ` → `D`).
pub fn fold_char(c: char) -> char {
    const GROUPS: &[(&str, char)] = &[
        ("àáạảãâầấậẩẫăằắặẳẵ", 'a'),
        ("ÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴ", 'A'),
        ("èéẹẻẽêềếệểễ", 'e'),
        ("ÈÉẸẺẼÊỀẾỆỂỄ", 'E'),
        ("ìíịỉĩ", 'i'),
        ("ÌÍỊỈĨ", 'I'),
        ("òóọỏõôồốộổỗơờớợởỡ", 'o'),
        ("ÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠ", 'O'),
        ("ùúụủũưừứựửữ", 'u'),
        ("ÙÚỤỦŨƯỪỨỰỬỮ", 'U'),
        ("ỳýỵỷỹ", 'y'),
        ("ỲÝỴỶỸ", 'Y'),
        ("đ", 'd'),
        ("Đ", 'D'),
    ];
    if c.is_ascii() {
        return c;
    }
    GROUPS
        .iter()
        .find(|(set, _)| set.contains(c))
        .map(|(_, b)| *b)
        .unwrap_or(c)
}

/// Lower case without diacritics, for matching what people type (`Địa chỉ IP` → `dia chi ip`).
pub fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect::<String>().to_lowercase()
}

#[cfg(test)]
mod tests {
    #[test]
    fn folds_vietnamese() {
        assert_eq!(super::fold("Địa chỉ IP"), "dia chi ip");
        assert_eq!(super::fold("Tên mã độc"), "ten ma doc");
        assert_eq!(super::fold("Thời gian phát hiện"), "thoi gian phat hien");
    }
}
