//! The pipeline's rules: the bundled SigmaHQ set (read once), each rule's listing, custom rule
//! uploads validated before they are stored.

use super::*;
use canhgac_detect::archive::{is_rule_path, rule_files_from_tar_gz};
use canhgac_detect::{Builder, Placeholders};
use canhgac_store::{Actor, NewRule, Store};

/// The SigmaHQ rule set bundled with canhgac (see testdata/README.md for its provenance).
pub static SIGMAHQ_RULES: &[u8] = include_bytes!("../../../../testdata/sigma/sigma_rules.tar.gz");

/// One rule file of the bundled SigmaHQ archive, with its registry rows.
pub(crate) struct BundledFile {
    pub(crate) path: String,
    pub(crate) text: String,
    pub(crate) metas: Vec<NewRule>,
}

/// The bundled archive, unpacked and read once per process (every rule change recompiles, and
/// unpacking and reading 3,775 files each time was most of a reload).
pub(crate) fn bundled_rules() -> Result<&'static [BundledFile], String> {
    static FILES: std::sync::OnceLock<Result<Vec<BundledFile>, String>> =
        std::sync::OnceLock::new();
    FILES
        .get_or_init(|| {
            Ok(rule_files_from_tar_gz(SIGMAHQ_RULES)
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|(path, _)| is_rule_path(path))
                .map(|(path, text)| BundledFile {
                    metas: rule_metas(&path, &text, "sigmahq", default_enabled(&path)),
                    path,
                    text,
                })
                .collect())
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// The text of a bundled rule file by its path in the archive.
pub fn bundled_rule_text(path: &str) -> Option<&'static str> {
    bundled_rules()
        .ok()?
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.text.as_str())
}

/// Which bundled rules run unless someone changes it: the main and emerging-threats rules that
/// are not deprecated; threat-hunting, DFIR, compliance and placeholder rules are there to turn
/// on.
pub fn default_enabled(path: &str) -> bool {
    path.contains("/rules/")
        || path.starts_with("rules/")
        || path.contains("rules-emerging-threats/")
}

/// Registry rows for every document of a rule file (read, not compiled: compiling is done
/// once for the whole set, and what it refuses is listed in [`RulesSummary::refused`]).
pub fn rule_metas(path: &str, text: &str, origin: &str, enabled: bool) -> Vec<NewRule> {
    use canhgac_detect::rule::{parse_file, Document};
    let Ok(docs) = parse_file(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, d) in docs.into_iter().enumerate() {
        let Ok(d) = d else { continue };
        let (meta, ls) = match &d {
            Document::Rule(r) => (&r.meta, Some(&r.logsource)),
            Document::Correlation(c) => (&c.meta, None),
            Document::Filter(f) => (&f.meta, Some(&f.logsource)),
        };
        out.push(NewRule {
            rule_key: meta
                .id
                .clone()
                .unwrap_or_else(|| format!("{path}#{}", i + 1)),
            origin: origin.to_string(),
            path: path.to_string(),
            title: meta.title.clone(),
            level: meta.level.as_str().to_string(),
            status: meta.status.clone(),
            product: ls.and_then(|l| l.product.clone()),
            category: ls.and_then(|l| l.category.clone()),
            service: ls.and_then(|l| l.service.clone()),
            yaml: None,
            enabled: enabled
                && !matches!(meta.status.as_deref(), Some("deprecated" | "unsupported")),
            org_id: None,
        });
    }
    out
}

/// Who did it, for rule changes made by the platform.
pub fn system_actor() -> Actor {
    Actor::system("monitor")
}

/// Checks an uploaded rule file: every document must compile and carry an `id`. Returns the
/// registry rows (with the YAML) or every problem found.
pub fn validate_custom_rule(
    file_name: &str,
    yaml: &str,
    placeholders: &Placeholders,
    org_id: Option<i64>,
) -> Result<Vec<NewRule>, Vec<String>> {
    let mut b = Builder::new();
    b.placeholders(placeholders.clone());
    b.add_file(file_name, yaml);
    let e = b.build();
    let mut problems: Vec<String> = e
        .refused()
        .iter()
        .map(|r| format!("{}: {}", r.source, r.reason))
        .collect();
    if e.rules().is_empty() && problems.is_empty() {
        problems.push(format!("{file_name}: no Sigma rule in the file"));
    }
    for r in e.rules() {
        if r.meta.id.is_none() {
            problems.push(format!(
                "{}: '{}' has no id; give every rule an id (a UUID) so alerts can name it",
                r.source, r.meta.title
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut metas = rule_metas(file_name, yaml, "custom", true);
    // One row carries the file's YAML; the file's other documents are compiled with it.
    for (i, m) in metas.iter_mut().enumerate() {
        m.org_id = org_id;
        if i == 0 {
            m.yaml = Some(yaml.to_string());
        }
    }
    Ok(metas)
}

/// Validates and stores an uploaded rule file, then recompiles.
pub async fn add_custom_rules(
    monitor: &Monitor,
    store: &Store,
    actor: &Actor,
    file_name: &str,
    yaml: &str,
    org_id: Option<i64>,
) -> Result<Vec<canhgac_store::RuleRow>, Vec<String>> {
    let metas = validate_custom_rule(file_name, yaml, &monitor.config().placeholders, org_id)?;
    let mut added = Vec::new();
    for (i, m) in metas.iter().enumerate() {
        // Only the first row holds the YAML (the file compiles as one); the others are listed.
        let mut m = m.clone();
        if i > 0 {
            m.yaml = None;
        }
        match store.add_custom_rule(actor, &m).await {
            Ok(r) => added.push(r),
            Err(e) => return Err(vec![e.to_string()]),
        }
    }
    monitor.reload().await.map_err(|e| vec![e.to_string()])?;
    Ok(added)
}
