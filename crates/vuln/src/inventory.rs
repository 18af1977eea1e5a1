//! Software inventories in: a CSV/XLSX of `host,name,version,scheme`; a Debian
//! `/var/lib/dpkg/status`; `rpm -qa` output (NEVRA, or `name [epoch:]version-release`); a
//! Windows installed-programs export (`DisplayName`, `DisplayVersion`). Every bad row is named.

use crate::advisory::normalise_name;
use crate::Scheme;
use canhgac_sheets::Format;
use serde::Serialize;

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// Name as installed.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// How its versions compare.
    pub scheme: Scheme,
}

/// The packages of one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostInventory {
    /// Host name.
    pub host: String,
    /// Distribution release (`debian:12`), when known.
    pub distro: Option<String>,
    /// Its packages.
    pub packages: Vec<Package>,
}

/// A problem in an inventory file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventoryError {
    /// Row or line (1-based).
    pub row: usize,
    /// Column or field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn e(row: usize, field: &str, message: impl Into<String>) -> InventoryError {
    InventoryError {
        row,
        field: field.to_string(),
        message: message.into(),
    }
}

/// Reads an inventory; `default_host` names the host of single-host formats (dpkg status,
/// rpm -qa), usually the file name.
pub fn parse_inventory(
    bytes: &[u8],
    file_name: Option<&str>,
    default_host: &str,
) -> Result<Vec<HostInventory>, Vec<InventoryError>> {
    let fmt = Format::detect(bytes, file_name);
    if fmt == Format::Xlsx {
        return match canhgac_sheets::read(bytes, Format::Xlsx) {
            Ok(t) => from_table(&t, default_host),
            Err(err) => Err(vec![e(0, "", err.to_string())]),
        };
    }
    let text = std::str::from_utf8(bytes).map_err(|_| vec![e(0, "", "the file is not UTF-8")])?;
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    if text.lines().any(|l| l.starts_with("Package: ")) {
        return dpkg_status(text, default_host).map(|i| vec![i]);
    }
    let lower = first.to_ascii_lowercase();
    if lower.contains(',')
        || lower.contains(';')
        || lower.contains('\t') && (lower.contains("name") || lower.contains("host"))
    {
        return match canhgac_sheets::read(bytes, Format::Csv) {
            Ok(t) => from_table(&t, default_host),
            Err(err) => Err(vec![e(0, "", err.to_string())]),
        };
    }
    rpm_qa(text, default_host).map(|i| vec![i])
}

fn dpkg_status(text: &str, host: &str) -> Result<HostInventory, Vec<InventoryError>> {
    let mut packages = Vec::new();
    let mut errors = Vec::new();
    let (mut name, mut version, mut installed, mut start) = (None::<&str>, None::<&str>, false, 1);
    let mut flush = |name: Option<&str>,
                     version: Option<&str>,
                     installed: bool,
                     row: usize,
                     packages: &mut Vec<Package>| {
        match (name, version, installed) {
            (Some(n), Some(v), true) => packages.push(Package {
                name: n.to_string(),
                version: v.to_string(),
                scheme: Scheme::Deb,
            }),
            (Some(_), None, true) => {
                errors.push(e(row, "Version", "an installed package has no Version"))
            }
            _ => {}
        }
    };
    for (i, line) in text.lines().chain(std::iter::once("")).enumerate() {
        if line.trim().is_empty() {
            flush(name.take(), version.take(), installed, start, &mut packages);
            installed = false;
            start = i + 2;
        } else if let Some(v) = line.strip_prefix("Package: ") {
            name = Some(v.trim());
        } else if let Some(v) = line.strip_prefix("Version: ") {
            version = Some(v.trim());
        } else if let Some(v) = line.strip_prefix("Status: ") {
            installed = v.trim().ends_with(" installed");
        }
    }
    if errors.is_empty() {
        Ok(HostInventory {
            host: host.to_string(),
            distro: None,
            packages,
        })
    } else {
        Err(errors)
    }
}

const ARCHES: &[&str] = &[
    ".x86_64", ".noarch", ".aarch64", ".i686", ".i386", ".ppc64le", ".s390x", ".armv7hl",
];

fn rpm_qa(text: &str, host: &str) -> Result<HostInventory, Vec<InventoryError>> {
    let mut packages = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with("gpg-pubkey") {
            continue;
        }
        let parsed = if let Some((n, v)) = l.split_once(char::is_whitespace) {
            Some((
                n.to_string(),
                v.trim().trim_start_matches("(none):").to_string(),
            ))
        } else {
            let s = ARCHES.iter().find_map(|a| l.strip_suffix(a)).unwrap_or(l);
            s.rsplit_once('-').and_then(|(nv, rel)| {
                nv.rsplit_once('-')
                    .map(|(n, v)| (n.to_string(), format!("{v}-{rel}")))
            })
        };
        match parsed {
            Some((n, v))
                if !n.is_empty() && v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) =>
            {
                packages.push(Package {
                    name: n,
                    version: v,
                    scheme: Scheme::Rpm,
                })
            }
            _ => errors.push(e(
                i + 1,
                "",
                format!("'{l}' is neither name-version-release.arch nor 'name version-release'"),
            )),
        }
    }
    if errors.is_empty() {
        Ok(HostInventory {
            host: host.to_string(),
            distro: None,
            packages,
        })
    } else {
        Err(errors)
    }
}

fn from_table(
    t: &canhgac_sheets::Table,
    default_host: &str,
) -> Result<Vec<HostInventory>, Vec<InventoryError>> {
    let col = |names: &[&str]| names.iter().find_map(|n| t.column(n));
    let host_c = col(&["host", "hostname", "máy", "may"]);
    let name_c = col(&[
        "name",
        "package",
        "displayname",
        "tên phần mềm",
        "ten phan mem",
    ]);
    let ver_c = col(&["version", "displayversion", "phiên bản", "phien ban"]);
    let scheme_c = col(&["scheme", "kiểu gói"]);
    let windows = t.column("displayname").is_some();
    let mut errors = Vec::new();
    let (Some(name_c), Some(ver_c)) = (name_c, ver_c) else {
        return Err(vec![e(
            1,
            "",
            "the header must name the columns name and version (and host, scheme)",
        )]);
    };
    let mut hosts: Vec<HostInventory> = Vec::new();
    for (row, cells) in &t.rows {
        let get = |c: usize| cells.get(c).map(|s| s.trim()).unwrap_or_default();
        let host = host_c
            .map(get)
            .filter(|h| !h.is_empty())
            .unwrap_or(default_host)
            .to_string();
        let (name, version) = (get(name_c), get(ver_c));
        if name.is_empty() {
            errors.push(e(*row, &t.headers[name_c], "missing"));
            continue;
        }
        if version.is_empty() {
            if windows {
                continue; // Windows lists components without versions; nothing to compare.
            }
            errors.push(e(*row, &t.headers[ver_c], "missing"));
            continue;
        }
        let scheme = match scheme_c.map(get).filter(|s| !s.is_empty()) {
            Some(s) => {
                match Scheme::parse(s) {
                    Some(sc) => sc,
                    None => {
                        errors.push(e(*row, &t.headers[scheme_c.unwrap_or(0)], format!("'{s}' is not one of deb, rpm, pypi, npm, semver, pep440, msi, generic")));
                        continue;
                    }
                }
            }
            None => Scheme::Generic,
        };
        let pkg = Package {
            name: name.to_string(),
            version: version.to_string(),
            scheme,
        };
        match hosts.iter_mut().find(|h| h.host == host) {
            Some(h) => h.packages.push(pkg),
            None => hosts.push(HostInventory {
                host,
                distro: None,
                packages: vec![pkg],
            }),
        }
    }
    if errors.is_empty() {
        Ok(hosts)
    } else {
        Err(errors)
    }
}

/// The key a package is matched by.
pub fn package_key(p: &Package) -> (Scheme, String) {
    (p.scheme, normalise_name(p.scheme, &p.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_status_file() {
        let text = "Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2+deb12u3\n\nPackage: old\nStatus: deinstall ok config-files\nVersion: 1.0\n\nPackage: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b7\n";
        let inv = parse_inventory(text.as_bytes(), Some("status"), "web01").unwrap();
        assert_eq!(inv[0].host, "web01");
        assert_eq!(
            inv[0]
                .packages
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
            vec!["openssh-server", "bash"]
        );
    }

    #[test]
    fn rpm_qa_output() {
        let text = "openssl-libs-3.0.7-27.el9.x86_64\ngpg-pubkey-fd431d51-4ae0493b\nkernel 5.14.0-427.37.1.el9_4\nbash 0:5.1.8-9.el9\n";
        let inv = parse_inventory(text.as_bytes(), None, "db01").unwrap();
        let got: Vec<(&str, &str)> = inv[0]
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("openssl-libs", "3.0.7-27.el9"),
                ("kernel", "5.14.0-427.37.1.el9_4"),
                ("bash", "0:5.1.8-9.el9")
            ]
        );
        let bad = parse_inventory(b"nothing\n", None, "x").unwrap_err();
        assert_eq!(bad[0].row, 1);
    }

    #[test]
    fn csv_and_windows_exports() {
        let csv = "host,name,version,scheme\nweb01,openssl,3.0.15-1~deb12u1,deb\nweb02,Django,4.2.16,pypi\nweb01,nginx,,deb\nweb03,x,1,toaster\n";
        let errs = parse_inventory(csv.as_bytes(), None, "").unwrap_err();
        assert_eq!(
            errs.iter()
                .map(|e| (e.row, e.field.as_str()))
                .collect::<Vec<_>>(),
            vec![(4, "version"), (5, "scheme")]
        );
        let win = "\"DisplayName\",\"DisplayVersion\",\"Publisher\"\n\"Google Chrome\",\"131.0.6778.70\",\"Google LLC\"\n\"Microsoft Visual C++ Runtime\",\"\",\"Microsoft\"\n";
        let inv = parse_inventory(win.as_bytes(), Some("pc01.csv"), "pc01").unwrap();
        assert_eq!(inv[0].packages.len(), 1);
        assert_eq!(inv[0].packages[0].scheme, Scheme::Generic);
    }
}
