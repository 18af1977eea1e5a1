//! Rule files from a `.tar.gz` archive in memory (as SigmaHQ publishes its releases, and as
//! canhgac bundles the SigmaHQ rule set).

use std::io::Read;

/// Every `.yml`/`.yaml` file in the archive as (path, text), sorted by path. Files that are not
/// UTF-8 are returned with replacement characters (the YAML error will then name them).
pub fn rule_files_from_tar_gz(
    bytes: &[u8],
) -> Result<Vec<(String, String)>, crate::error::DetectError> {
    files_from_tar_gz(bytes).map_err(crate::error::DetectError::Archive)
}

fn files_from_tar_gz(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut out = Vec::new();
    for entry in ar
        .entries()
        .map_err(|e| format!("not a .tar.gz archive: {e}"))?
    {
        let mut entry = entry.map_err(|e| format!("damaged archive: {e}"))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map_err(|e| format!("damaged archive: {e}"))?
            .to_string_lossy()
            .to_string();
        if !(name.ends_with(".yml") || name.ends_with(".yaml")) {
            continue;
        }
        let mut buf = Vec::new();
        entry
            .read_to_end(&mut buf)
            .map_err(|e| format!("{name}: {e}"))?;
        out.push((name, String::from_utf8_lossy(&buf).into_owned()));
    }
    out.sort();
    Ok(out)
}

/// Whether a file in a rule archive is a rule (SigmaHQ archives also carry regression-test
/// `info.yml` files and configuration).
pub fn is_rule_path(path: &str) -> bool {
    !path.ends_with("info.yml") && !path.contains("regression_data/") && !path.contains("/.github/")
}
