//! Harmful content (M11): URLs, domains and social-media accounts as reported, checked and
//! reduced to what a blocklist needs (the host name), and the blocklists themselves — a plain
//! list of domains and a DNS Response Policy Zone that BIND and Unbound load (each domain and
//! its subdomains answered NXDOMAIN).

/// The kinds of item.
pub const KINDS: [&str; 3] = ["url", "domain", "account"];

/// An item checked: the value as kept and the host name a blocklist uses (empty for an
/// account on a platform that cannot be blocked by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The value as kept (a URL with its scheme, a domain in lower case, an account's URL).
    pub value: String,
    /// The host name.
    pub host: String,
    /// For an account, its platform (`facebook.com`, `t.me`…).
    pub platform: String,
}

/// Whether a host name is a syntactically valid DNS name (ASCII; IDNs in their `xn--` form).
pub fn valid_host(h: &str) -> bool {
    let labels: Vec<&str> = h.split('.').collect();
    h.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|t| t.chars().any(|c| c.is_ascii_alphabetic()))
}

fn host_of_url(u: &str) -> String {
    let rest = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Checks an item of a kind; the error says what is wrong (English, Vietnamese).
pub fn check(kind: &str, raw: &str) -> Result<Item, (String, String)> {
    let v = raw.trim();
    if v.is_empty() || v.len() > 2000 {
        return Err((
            "give a value (at most 2,000 characters)".into(),
            "nhập giá trị (tối đa 2.000 ký tự)".into(),
        ));
    }
    if !v.is_ascii() {
        return Err((
            "write international domain names in their xn-- form".into(),
            "tên miền tiếng Việt hãy viết ở dạng xn--".into(),
        ));
    }
    match kind {
        "domain" => {
            let h = host_of_url(v);
            if !valid_host(&h) {
                return Err((
                    format!("'{v}' is not a domain name"),
                    format!("'{v}' không phải tên miền"),
                ));
            }
            Ok(Item {
                value: h.clone(),
                host: h,
                platform: String::new(),
            })
        }
        "url" | "account" => {
            let with_scheme = if v.contains("://") {
                v.to_string()
            } else {
                format!("https://{v}")
            };
            let scheme = with_scheme
                .split("://")
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Err((
                    "only http and https addresses".into(),
                    "chỉ nhận địa chỉ http và https".into(),
                ));
            }
            let h = host_of_url(&with_scheme);
            if !valid_host(&h) {
                return Err((
                    format!("'{v}' has no valid host name"),
                    format!("'{v}' không có tên máy chủ hợp lệ"),
                ));
            }
            let rest = with_scheme
                .split_once("://")
                .map(|(_, r)| r)
                .unwrap_or_default();
            let path = rest.find(['/', '?', '#']).map(|i| &rest[i..]).unwrap_or("");
            let value = format!("{scheme}://{h}{path}");
            if kind == "account" {
                if path.trim_matches('/').is_empty() {
                    return Err((
                        "an account is its page's address (e.g. https://facebook.com/name)".into(),
                        "tài khoản là địa chỉ trang của nó (ví dụ https://facebook.com/ten)".into(),
                    ));
                }
                let platform = h
                    .trim_start_matches("www.")
                    .trim_start_matches("m.")
                    .to_string();
                // Blocking a platform's name would block the platform: accounts are taken down, not blocked.
                return Ok(Item {
                    value,
                    host: String::new(),
                    platform,
                });
            }
            Ok(Item {
                value,
                host: h,
                platform: String::new(),
            })
        }
        _ => Err((
            "kind must be url, domain or account".into(),
            "loại phải là đường link, tên miền hoặc tài khoản".into(),
        )),
    }
}

/// The plain blocklist: one domain per line, sorted, without repeats or names already covered
/// by a listed parent domain.
pub fn plain_list<'a>(hosts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for h in minimal(hosts) {
        out.push_str(&h);
        out.push('\n');
    }
    out
}

fn minimal<'a>(hosts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = hosts
        .into_iter()
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|h| valid_host(h))
        .collect();
    v.sort();
    v.dedup();
    let set: std::collections::HashSet<String> = v.iter().cloned().collect();
    v.retain(|h| {
        let mut rest = h.as_str();
        while let Some((_, parent)) = rest.split_once('.') {
            if parent.contains('.') && set.contains(parent) {
                return false;
            }
            rest = parent;
        }
        true
    });
    v
}

/// A Response Policy Zone (`origin` e.g. `rpz.canhgac.local`): SOA and NS, then for each domain
/// `name CNAME .` and `*.name CNAME .` (NXDOMAIN for it and its subdomains).
pub fn rpz_zone<'a>(origin: &str, serial: u32, hosts: impl IntoIterator<Item = &'a str>) -> String {
    let origin = origin.trim_end_matches('.');
    let mut z = format!(
        "; Response Policy Zone generated by canhgac: harmful domains blocked (NXDOMAIN).\n\
         $ORIGIN {origin}.\n$TTL 300\n\
         @ IN SOA localhost. hostmaster.localhost. ( {serial} 3600 600 86400 300 )\n\
         @ IN NS localhost.\n"
    );
    for h in minimal(hosts) {
        z.push_str(&format!("{h} CNAME .\n*.{h} CNAME .\n"));
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_checked_and_reduced_to_their_host() {
        let u = check("url", "Vcb-Bank.XYZ/login?x=1").unwrap();
        assert_eq!(u.value, "https://vcb-bank.xyz/login?x=1");
        assert_eq!(u.host, "vcb-bank.xyz");
        assert_eq!(
            check("domain", "https://Bet88.club/").unwrap().value,
            "bet88.club"
        );
        let a = check("account", "https://www.facebook.com/ho.tro.vneid").unwrap();
        assert_eq!((a.platform.as_str(), a.host.as_str()), ("facebook.com", ""));
        assert!(check("account", "facebook.com").is_err());
        assert!(check("domain", "not a domain").is_err());
        assert!(check("url", "javascript://x.com/alert").is_err());
        assert!(check("domain", "ngânhàng.vn").is_err());
    }

    #[test]
    fn lists_drop_repeats_and_covered_names() {
        let l = plain_list(["a.bad.xyz", "bad.xyz", "BAD.xyz", "other.club", "x"]);
        assert_eq!(l, "bad.xyz\nother.club\n");
        let z = rpz_zone("rpz.test", 7, ["bad.xyz"]);
        assert!(z.contains("bad.xyz CNAME .\n*.bad.xyz CNAME .\n"));
        assert!(z.contains("( 7 3600"));
    }
}
