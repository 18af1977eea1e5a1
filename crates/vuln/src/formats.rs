//! Advisory documents in: OSV (single records and ecosystem zip dumps), CSAF 2.0, CVE JSON 5,
//! the CISA KEV catalogue, and a national warning as a form fills it. Each parser refuses a
//! bad document naming the field that is wrong.

use crate::advisory::{ecosystem, normalise_name, Advisory, Affected, Event};
use crate::Scheme;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use thiserror::Error;

/// A document that cannot be read, with the field that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[error("{field}: {message}")]
pub struct FormatError {
    /// JSON path of the field (`affected[0].package.name`), or the entry of a zip.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FormatError {
    FormatError {
        field: field.into(),
        message: message.into(),
    }
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

/// Reads any supported advisory document (detected from its content).
pub fn parse_advisories(bytes: &[u8]) -> Result<Vec<Advisory>, FormatError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return parse_osv_zip(bytes);
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        err(
            format!("line {} column {}", e.line(), e.column()),
            format!("not valid JSON: {e}"),
        )
    })?;
    if v.get("document")
        .and_then(|d| d.get("csaf_version"))
        .is_some()
    {
        return parse_csaf(&v).map(|a| vec![a]);
    }
    if v.get("cveMetadata").is_some() || s(&v, "dataType") == Some("CVE_RECORD") {
        return parse_cve5(&v).map(|a| vec![a]);
    }
    if v.get("catalogVersion").is_some() {
        return Err(err("catalogVersion", "this is the CISA KEV catalogue: import it as KEV, it marks advisories rather than adding them"));
    }
    if let Some(list) = v.as_array() {
        return list
            .iter()
            .enumerate()
            .map(|(i, x)| parse_osv(x).map_err(|e| err(format!("[{i}].{}", e.field), e.message)))
            .collect();
    }
    parse_osv(&v).map(|a| vec![a])
}

/// An OSV record.
pub fn parse_osv(v: &Value) -> Result<Advisory, FormatError> {
    let id = s(v, "id")
        .filter(|x| !x.is_empty())
        .ok_or_else(|| err("id", "missing: an OSV record needs an id"))?;
    let affected_json = v
        .get("affected")
        .and_then(Value::as_array)
        .ok_or_else(|| err("affected", "missing: an OSV record lists affected packages"))?;
    let mut affected = Vec::new();
    for (i, a) in affected_json.iter().enumerate() {
        let pkg = a
            .get("package")
            .ok_or_else(|| err(format!("affected[{i}].package"), "missing"))?;
        let name = s(pkg, "name")
            .filter(|x| !x.is_empty())
            .ok_or_else(|| err(format!("affected[{i}].package.name"), "missing"))?;
        let eco = s(pkg, "ecosystem")
            .ok_or_else(|| err(format!("affected[{i}].package.ecosystem"), "missing"))?;
        let (scheme, distro) = ecosystem(eco);
        let mut ranges = Vec::new();
        for (j, r) in a
            .get("ranges")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if s(r, "type") == Some("GIT") {
                continue;
            }
            let mut events = Vec::new();
            for (k, e) in r
                .get("events")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let field = format!("affected[{i}].ranges[{j}].events[{k}]");
                let (kind, ver) = e
                    .as_object()
                    .and_then(|o| o.iter().next())
                    .ok_or_else(|| err(&field, "empty event"))?;
                let ver = ver
                    .as_str()
                    .ok_or_else(|| err(&field, "the version must be a string"))?
                    .to_string();
                events.push(match kind.as_str() {
                    "introduced" => Event::Introduced(ver),
                    "fixed" => Event::Fixed(ver),
                    "last_affected" => Event::LastAffected(ver),
                    "limit" => Event::Limit(ver),
                    other => return Err(err(field, format!("unknown event '{other}'"))),
                });
            }
            if !events.is_empty() {
                ranges.push(events);
            }
        }
        let versions: Vec<String> = a
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        affected.push(Affected {
            scheme,
            distro,
            package: normalise_name(scheme, name),
            vendor: None,
            ranges,
            versions,
        });
    }
    let severity = v
        .get("database_specific")
        .and_then(|d| s(d, "severity"))
        .or_else(|| {
            affected_json
                .iter()
                .find_map(|a| a.get("ecosystem_specific").and_then(|e| s(e, "severity")))
        })
        .map(|x| x.to_lowercase());
    Ok(Advisory {
        id: id.to_string(),
        aliases: v
            .get("aliases")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        title: s(v, "summary").map(str::to_string).unwrap_or_else(|| {
            s(v, "details")
                .unwrap_or_default()
                .trim()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        }),
        severity: severity.map(|x| if x == "moderate" { "medium".into() } else { x }),
        cvss: None,
        published: s(v, "published").map(str::to_string),
        affected,
        recommendation: None,
        source: "osv".into(),
    })
}

fn parse_osv_zip(bytes: &[u8]) -> Result<Vec<Advisory>, FormatError> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| err("zip", format!("not a readable zip: {e}")))?;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z
            .by_index(i)
            .map_err(|e| err(format!("zip entry {i}"), e.to_string()))?;
        if !f.name().ends_with(".json") {
            continue;
        }
        let name = f.name().to_string();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)
            .map_err(|e| err(&name, e.to_string()))?;
        let v: Value =
            serde_json::from_slice(&buf).map_err(|e| err(&name, format!("not valid JSON: {e}")))?;
        out.push(parse_osv(&v).map_err(|e| err(format!("{name}: {}", e.field), e.message))?);
    }
    Ok(out)
}

/// A CVE JSON 5 record: the CNA's affected products (`lessThan` → fixed,
/// `lessThanOrEqual` → last affected, a single version → that version).
pub fn parse_cve5(v: &Value) -> Result<Advisory, FormatError> {
    let id = v
        .get("cveMetadata")
        .and_then(|m| s(m, "cveId"))
        .ok_or_else(|| err("cveMetadata.cveId", "missing"))?;
    let cna = v
        .get("containers")
        .and_then(|c| c.get("cna"))
        .ok_or_else(|| err("containers.cna", "missing"))?;
    let mut affected = Vec::new();
    for (i, a) in cna
        .get("affected")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let product = s(a, "product")
            .or_else(|| s(a, "packageName"))
            .ok_or_else(|| err(format!("containers.cna.affected[{i}].product"), "missing"))?;
        let scheme = match s(a, "collectionURL").unwrap_or_default() {
            u if u.contains("pypi") => Scheme::Pep440,
            u if u.contains("npmjs") => Scheme::Semver,
            _ => Scheme::Generic,
        };
        let mut ranges = Vec::new();
        let mut versions = Vec::new();
        for (j, ver) in a
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let field = format!("containers.cna.affected[{i}].versions[{j}]");
            let status =
                s(ver, "status").ok_or_else(|| err(format!("{field}.status"), "missing"))?;
            if status != "affected" {
                continue;
            }
            let version =
                s(ver, "version").ok_or_else(|| err(format!("{field}.version"), "missing"))?;
            let start = if matches!(version, "0" | "*" | "") {
                "0"
            } else {
                version
            };
            let scheme_here = match s(ver, "versionType") {
                Some("semver") => Scheme::Semver,
                Some("rpm") => Scheme::Rpm,
                Some("python") => Scheme::Pep440,
                _ => scheme,
            };
            let _ = scheme_here;
            if let Some(lt) = s(ver, "lessThan") {
                ranges.push(vec![
                    Event::Introduced(start.into()),
                    Event::Fixed(lt.into()),
                ]);
            } else if let Some(le) = s(ver, "lessThanOrEqual") {
                ranges.push(vec![
                    Event::Introduced(start.into()),
                    Event::LastAffected(le.into()),
                ]);
            } else {
                versions.push(version.to_string());
            }
        }
        affected.push(Affected {
            scheme,
            distro: None,
            package: normalise_name(scheme, product),
            vendor: s(a, "vendor").map(|x| x.to_lowercase()),
            ranges,
            versions,
        });
    }
    let metrics = cna
        .get("metrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let cvss = metrics
        .iter()
        .find_map(|m| {
            ["cvssV4_0", "cvssV3_1", "cvssV3_0"].iter().find_map(|k| {
                m.get(*k)
                    .and_then(|c| c.get("baseScore"))
                    .and_then(Value::as_f64)
            })
        })
        .map(|x| x as f32);
    Ok(Advisory {
        id: id.to_string(),
        aliases: vec![],
        title: s(cna, "title")
            .map(str::to_string)
            .or_else(|| {
                cna.get("descriptions")
                    .and_then(Value::as_array)
                    .and_then(|d| d.first())
                    .and_then(|d| s(d, "value"))
                    .map(|x| x.chars().take(200).collect())
            })
            .unwrap_or_default(),
        severity: cvss.map(severity_of),
        cvss,
        published: v
            .get("cveMetadata")
            .and_then(|m| s(m, "datePublished"))
            .map(str::to_string),
        affected,
        recommendation: None,
        source: "cve5".into(),
    })
}

/// Severity from a CVSS base score.
pub fn severity_of(score: f32) -> String {
    match score {
        s if s >= 9.0 => "critical",
        s if s >= 7.0 => "high",
        s if s >= 4.0 => "medium",
        s if s > 0.0 => "low",
        _ => "info",
    }
    .to_string()
}

/// A package and version read from a CSAF product: from its purl, an RPM NEVRA, a
/// `name:tag` image, or the product_name/product_version branches above it.
#[derive(Debug, Clone)]
struct CsafProduct {
    scheme: Scheme,
    name: String,
    version: Option<String>,
}

fn from_purl(purl: &str) -> Option<CsafProduct> {
    let rest = purl.strip_prefix("pkg:")?;
    let (ty, rest) = rest.split_once('/')?;
    let (path, qual) = rest.split_once('?').unwrap_or((rest, ""));
    let (path, version) = path
        .split_once('@')
        .map(|(p, v)| (p, Some(v.to_string())))
        .unwrap_or((path, None));
    let name = path.rsplit('/').next()?.to_string();
    let scheme = match ty {
        "rpm" => Scheme::Rpm,
        "deb" => Scheme::Deb,
        "pypi" => Scheme::Pep440,
        "npm" | "golang" | "cargo" => Scheme::Semver,
        _ => Scheme::Generic,
    };
    let epoch = qual.split('&').find_map(|kv| kv.strip_prefix("epoch="));
    let version = match (version, epoch) {
        (Some(v), Some(e)) if e != "0" => Some(format!("{e}:{v}")),
        (v, _) => v,
    };
    Some(CsafProduct {
        scheme,
        name,
        version,
    })
}

/// `name-[epoch:]version-release.arch` → name and EVR.
fn from_nevra(s: &str) -> Option<CsafProduct> {
    const ARCHES: &[&str] = &[
        ".x86_64", ".noarch", ".aarch64", ".i686", ".ppc64le", ".s390x", ".src",
    ];
    let s = ARCHES.iter().find_map(|a| s.strip_suffix(a)).unwrap_or(s);
    let (nv, release) = s.rsplit_once('-')?;
    let (name, version) = nv.rsplit_once('-')?;
    (!name.is_empty()
        && version.chars().next().is_some_and(|c| c.is_ascii_digit())
        && release
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric()))
    .then(|| CsafProduct {
        scheme: Scheme::Rpm,
        name: name.to_string(),
        version: Some(format!("{version}-{release}")),
    })
}

fn csaf_products(tree: &Value) -> HashMap<String, CsafProduct> {
    let mut out = HashMap::new();
    fn walk(b: &Value, product_name: Option<&str>, out: &mut HashMap<String, CsafProduct>) {
        let cat = s(b, "category").unwrap_or_default();
        let name = s(b, "name").unwrap_or_default();
        let here = if cat == "product_name" {
            Some(name)
        } else {
            product_name
        };
        if let Some(p) = b.get("product") {
            if let Some(id) = s(p, "product_id") {
                let purl = p
                    .get("product_identification_helper")
                    .and_then(|h| s(h, "purl"));
                let parsed = purl.and_then(from_purl).or_else(|| match cat {
                    "product_version" => from_nevra(name).or_else(|| {
                        if let Some((n, tag)) =
                            name.rsplit_once(':').filter(|(n, _)| n.contains('/'))
                        {
                            Some(CsafProduct {
                                scheme: Scheme::Generic,
                                name: n.to_string(),
                                version: Some(tag.to_string()),
                            })
                        } else {
                            here.map(|pn| CsafProduct {
                                scheme: Scheme::Generic,
                                name: pn.to_string(),
                                version: Some(name.to_string()),
                            })
                        }
                    }),
                    _ => None,
                });
                if let Some(p) = parsed {
                    out.insert(id.to_string(), p);
                }
            }
        }
        for c in b
            .get("branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(c, here, out);
        }
    }
    walk(tree, None, &mut out);
    // Relationships name a component "as part of" a platform; the component is the package.
    for r in tree
        .get("relationships")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(full), Some(reference)) = (
            r.get("full_product_name").and_then(|f| s(f, "product_id")),
            s(r, "product_reference"),
        ) else {
            continue;
        };
        if let Some(p) = out.get(reference).cloned() {
            out.insert(full.to_string(), p);
        }
    }
    out
}

/// A CSAF 2.0 security advisory: fixed products give fixed versions, known-affected
/// products give affected versions.
pub fn parse_csaf(v: &Value) -> Result<Advisory, FormatError> {
    let doc = v
        .get("document")
        .ok_or_else(|| err("document", "missing"))?;
    let tracking = doc
        .get("tracking")
        .ok_or_else(|| err("document.tracking", "missing"))?;
    let id = s(tracking, "id").ok_or_else(|| err("document.tracking.id", "missing"))?;
    let products = v.get("product_tree").map(csaf_products).unwrap_or_default();
    let vulns = v
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut by_pkg: HashMap<(Scheme, String), Affected> = HashMap::new();
    let mut aliases = Vec::new();
    let mut cvss: Option<f32> = None;
    for (i, vul) in vulns.iter().enumerate() {
        if let Some(c) = s(vul, "cve") {
            aliases.push(c.to_string());
        }
        for sc in vul
            .get("scores")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(b) = sc
                .get("cvss_v3")
                .and_then(|c| c.get("baseScore"))
                .and_then(Value::as_f64)
            {
                cvss = Some(cvss.map_or(b as f32, |x| x.max(b as f32)));
            }
        }
        let Some(status) = vul.get("product_status") else {
            continue;
        };
        for (key, fixed) in [
            ("fixed", true),
            ("first_fixed", true),
            ("known_affected", false),
            ("first_affected", false),
        ] {
            for (k, pid) in status
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let pid = pid.as_str().ok_or_else(|| {
                    err(
                        format!("vulnerabilities[{i}].product_status.{key}[{k}]"),
                        "must be a product id",
                    )
                })?;
                let Some(p) = products.get(pid) else { continue };
                let Some(version) = p.version.clone() else {
                    continue;
                };
                let a = by_pkg
                    .entry((p.scheme, p.name.to_lowercase()))
                    .or_insert_with(|| Affected {
                        scheme: p.scheme,
                        distro: None,
                        package: normalise_name(p.scheme, &p.name),
                        vendor: None,
                        ranges: vec![],
                        versions: vec![],
                    });
                if fixed {
                    let r = vec![Event::Introduced("0".into()), Event::Fixed(version)];
                    if !a.ranges.contains(&r) {
                        a.ranges.push(r);
                    }
                } else if !a.versions.contains(&version) {
                    a.versions.push(version);
                }
            }
        }
    }
    let mut affected: Vec<Affected> = by_pkg.into_values().collect();
    affected.sort_by(|a, b| a.package.cmp(&b.package));
    let severity = doc
        .get("aggregate_severity")
        .and_then(|a| s(a, "text"))
        .map(|t| t.to_lowercase())
        .map(|t| match t.as_str() {
            "important" => "high".to_string(),
            "moderate" => "medium".to_string(),
            _ => t,
        });
    Ok(Advisory {
        id: id.to_string(),
        aliases,
        title: s(doc, "title").unwrap_or_default().to_string(),
        severity: severity.or(cvss.map(severity_of)),
        cvss,
        published: s(tracking, "initial_release_date").map(str::to_string),
        affected,
        recommendation: vulns
            .iter()
            .flat_map(|v| {
                v.get("remediations")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .find_map(|r| s(&r, "details").map(str::to_string)),
        source: "csaf".into(),
    })
}

/// One entry of the CISA Known Exploited Vulnerabilities catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KevEntry {
    /// CVE id.
    pub cve: String,
    /// Vendor.
    pub vendor: String,
    /// Product.
    pub product: String,
    /// Name of the vulnerability.
    pub name: String,
    /// Date added (`YYYY-MM-DD`).
    pub added: String,
    /// Due date for remediation (`YYYY-MM-DD`).
    pub due: String,
    /// Known use in ransomware campaigns.
    pub ransomware: bool,
}

/// Reads the KEV catalogue.
pub fn parse_kev(bytes: &[u8]) -> Result<Vec<KevEntry>, FormatError> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| err(format!("line {}", e.line()), format!("not valid JSON: {e}")))?;
    let list = v
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .ok_or_else(|| err("vulnerabilities", "missing: not a KEV catalogue"))?;
    list.iter()
        .enumerate()
        .map(|(i, x)| {
            let f = |k: &str| {
                s(x, k)
                    .map(str::to_string)
                    .ok_or_else(|| err(format!("vulnerabilities[{i}].{k}"), "missing"))
            };
            Ok(KevEntry {
                cve: f("cveID")?,
                vendor: f("vendorProject")?,
                product: f("product")?,
                name: f("vulnerabilityName").unwrap_or_default(),
                added: f("dateAdded")?,
                due: f("dueDate")?,
                ransomware: s(x, "knownRansomwareCampaignUse") == Some("Known"),
            })
        })
        .collect()
}

/// A national warning as the form fills it: CVE ids, vendor, product, affected and fixed
/// versions, severity, recommended action.
#[derive(Debug, Clone, Default)]
pub struct ManualAdvisory {
    /// Its number (e.g. the AIS warning's).
    pub id: String,
    /// Title.
    pub title: String,
    /// CVE ids, separated by commas or spaces.
    pub cves: String,
    /// Scheme of the product's versions.
    pub scheme: Option<Scheme>,
    /// Vendor.
    pub vendor: String,
    /// Product or package name.
    pub product: String,
    /// Affected from this version (empty: all before the fix).
    pub affected_from: String,
    /// First fixed version.
    pub fixed: String,
    /// low … critical.
    pub severity: String,
    /// Recommended action.
    pub recommendation: String,
    /// Distribution release the versions belong to (`debian:12`, `ubuntu:22.04`), if any.
    pub distro: String,
}

/// Validates a form-filled warning; every problem is named by its field.
pub fn manual(m: &ManualAdvisory) -> Result<Advisory, Vec<FormatError>> {
    let mut errors = Vec::new();
    if m.id.trim().is_empty() {
        errors.push(err("id", "required"));
    }
    if m.product.trim().is_empty() {
        errors.push(err("product", "required"));
    }
    if m.fixed.trim().is_empty() && m.affected_from.trim().is_empty() {
        errors.push(err(
            "fixed",
            "give the fixed version (or at least the affected version)",
        ));
    }
    let scheme = m.scheme.unwrap_or(Scheme::Generic);
    for (field, v) in [("affected_from", &m.affected_from), ("fixed", &m.fixed)] {
        if !v.trim().is_empty() {
            if let Err(e) = crate::compare(scheme, v.trim(), v.trim()) {
                errors.push(err(field, e.to_string()));
            }
        }
    }
    let cves: Vec<String> = m
        .cves
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
        .map(|c| c.to_uppercase())
        .collect();
    for c in &cves {
        let ok = c
            .strip_prefix("CVE-")
            .and_then(|r| r.split_once('-'))
            .is_some_and(|(y, n)| {
                y.len() == 4
                    && y.bytes().all(|b| b.is_ascii_digit())
                    && n.len() >= 4
                    && n.bytes().all(|b| b.is_ascii_digit())
            });
        if !ok {
            errors.push(err(
                "cves",
                format!("'{c}' is not a CVE id (CVE-YYYY-NNNN)"),
            ));
        }
    }
    let severity = m.severity.trim().to_lowercase();
    if !["", "low", "medium", "high", "critical"].contains(&severity.as_str()) {
        errors.push(err("severity", "use low, medium, high or critical"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let start = if m.affected_from.trim().is_empty() {
        "0".to_string()
    } else {
        m.affected_from.trim().to_string()
    };
    let events = if m.fixed.trim().is_empty() {
        vec![Event::Introduced(start.clone()), Event::LastAffected(start)]
    } else {
        vec![
            Event::Introduced(start),
            Event::Fixed(m.fixed.trim().to_string()),
        ]
    };
    Ok(Advisory {
        id: m.id.trim().to_string(),
        aliases: cves,
        title: m.title.trim().to_string(),
        severity: (!severity.is_empty()).then_some(severity),
        cvss: None,
        published: None,
        affected: vec![Affected {
            scheme,
            distro: Some(m.distro.trim().to_lowercase()).filter(|d| !d.is_empty()),
            package: normalise_name(scheme, &m.product),
            vendor: (!m.vendor.trim().is_empty()).then(|| m.vendor.trim().to_lowercase()),
            ranges: vec![events],
            versions: vec![],
        }],
        recommendation: (!m.recommendation.trim().is_empty())
            .then(|| m.recommendation.trim().to_string()),
        source: "manual".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn osv_errors_name_the_field() {
        let e = parse_osv(&json!({"id": "X", "affected": [{"package": {"ecosystem": "PyPI"}}]}))
            .unwrap_err();
        assert_eq!(e.field, "affected[0].package.name");
        let e = parse_advisories(b"{\"id\": ").unwrap_err();
        assert!(e.message.starts_with("not valid JSON"));
    }

    #[test]
    fn cve5_ranges() {
        let v = json!({"dataType": "CVE_RECORD", "cveMetadata": {"cveId": "CVE-2024-6387", "datePublished": "2024-07-01"},
            "containers": {"cna": {"title": "regreSSHion", "affected": [{"vendor": "OpenBSD", "product": "OpenSSH",
                "versions": [{"version": "8.5p1", "lessThan": "9.8p1", "status": "affected", "versionType": "custom"}, {"version": "4.4p1", "status": "unaffected"}]}],
                "metrics": [{"cvssV3_1": {"baseScore": 8.1}}]}}});
        let a = parse_cve5(&v).unwrap();
        assert_eq!(a.severity.as_deref(), Some("high"));
        let aff = &a.affected[0];
        assert_eq!(aff.package, "openssh");
        assert!(aff.is_affected("9.2p1") && !aff.is_affected("9.8p1") && !aff.is_affected("8.4p1"));
        assert_eq!(aff.fixed_for("9.2p1"), Some("9.8p1"));
    }

    #[test]
    fn manual_warning_is_validated() {
        let m = ManualAdvisory {
            id: "".into(),
            product: "".into(),
            cves: "CVE-24-1".into(),
            severity: "urgent".into(),
            ..Default::default()
        };
        let errs = manual(&m).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["id", "product", "fixed", "cves", "severity"]);
        let ok = manual(&ManualAdvisory {
            id: "AIS-2026-11-01".into(),
            product: "openssh-server".into(),
            scheme: Some(Scheme::Deb),
            fixed: "1:9.2p1-2+deb12u3".into(),
            cves: "cve-2024-6387".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(ok.affected[0].is_affected("1:9.2p1-2+deb12u2"));
        assert_eq!(ok.aliases, vec!["CVE-2024-6387"]);
        let deb12 = manual(&ManualAdvisory {
            id: "A".into(),
            product: "openssl".into(),
            scheme: Some(Scheme::Deb),
            fixed: "3.0.16-1~deb12u1".into(),
            distro: " Debian:12 ".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            deb12.affected[0].distro.as_deref(),
            Some("debian:12"),
            "the form's distribution is kept"
        );
    }

    #[test]
    fn osv_zip_dumps() {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default();
            for (name, pkg) in [("DSA-1.json", "nginx"), ("DSA-2.json", "openssl")] {
                z.start_file(name, opts).unwrap();
                let doc = json!({"id": name.trim_end_matches(".json"), "affected": [{"package": {"ecosystem": "Debian:12", "name": pkg}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-1"}]}]}]});
                z.write_all(doc.to_string().as_bytes()).unwrap();
            }
            z.start_file("README.txt", opts).unwrap();
            z.finish().unwrap();
        }
        let list = parse_advisories(buf.get_ref()).unwrap();
        assert_eq!(
            list.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            vec!["DSA-1", "DSA-2"]
        );
        let mut bad = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut bad);
            z.start_file("X.json", zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(b"{\"id\": \"X\"}").unwrap();
            z.finish().unwrap();
        }
        let e = parse_advisories(bad.get_ref()).unwrap_err();
        assert_eq!(
            e.field, "X.json: affected",
            "the entry and the field are named"
        );
    }

    #[test]
    fn purls_and_nevras() {
        let p = from_purl("pkg:rpm/redhat/openssl@1.1.1k-5.el8_5?arch=x86_64&epoch=1").unwrap();
        assert_eq!(
            (p.scheme, p.name.as_str(), p.version.as_deref()),
            (Scheme::Rpm, "openssl", Some("1:1.1.1k-5.el8_5"))
        );
        let n = from_nevra("openssl-libs-3.0.7-27.el9.x86_64").unwrap();
        assert_eq!(
            (n.name.as_str(), n.version.as_deref()),
            ("openssl-libs", Some("3.0.7-27.el9"))
        );
    }
}
