//! Bulk import and export of registry records as CSV/XLSX. An import is all or nothing:
//! every row is resolved and validated first, and any problem — named by row, column and
//! reason — stops the whole file before anything is written.

use canhgac_domain::entity::{EntityKind, FieldType, Record};
use canhgac_domain::Scope;
use canhgac_sheets::{Format, Table};
use canhgac_store::Actor;
use canhgac_store::{ListQuery, Store, StoreError};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// A problem with one cell (or, for `row` 1, with a column of the header).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowError {
    /// Spreadsheet row (1 = header).
    pub row: usize,
    /// Column name as in the file.
    pub column: String,
    /// What is wrong, in English.
    pub message: String,
    /// What is wrong, in Vietnamese.
    pub message_vi: String,
}

impl RowError {
    fn new(row: usize, column: &str, vi: impl Into<String>, en: impl Into<String>) -> RowError {
        RowError {
            row,
            column: column.to_string(),
            message: en.into(),
            message_vi: vi.into(),
        }
    }
}

/// Row problems, collected up to [`crate::limits::MAX_ERRORS`]; beyond that only counted, and
/// a last entry says how many more there were (so 100,000 bad rows answer in a few kilobytes).
#[derive(Default)]
struct Problems {
    list: Vec<RowError>,
    more: usize,
}

impl Problems {
    fn push(&mut self, e: RowError) {
        if self.list.len() < crate::limits::MAX_ERRORS {
            self.list.push(e);
        } else {
            self.more += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn finish(self) -> Vec<RowError> {
        let mut list = self.list;
        if self.more > 0 {
            list.push(more_problems(self.more));
        }
        list
    }
}

/// The closing entry of a cut list: how many problems were not listed.
pub fn more_problems(n: usize) -> RowError {
    RowError::new(
        0,
        "",
        format!("… và {n} lỗi khác không liệt kê; sửa các lỗi trên rồi nhập lại"),
        format!("… and {n} more problems not listed; fix those above and import again"),
    )
}

/// The outcome of an import.
#[derive(Debug)]
pub enum ImportOutcome {
    /// Everything was written.
    Imported(usize),
    /// Nothing was written; here is why.
    Rejected(Vec<RowError>),
}

/// The columns a file for `kind` may have (references by code or name).
pub fn file_columns(kind: EntityKind) -> Vec<&'static str> {
    kind.fields().iter().map(|f| f.file_name).collect()
}

fn header_matches(f: &canhgac_domain::Field, h: &str) -> bool {
    let h = h.trim().to_lowercase();
    h == f.file_name || h == f.name || h == f.vi.to_lowercase() || h == f.en.to_lowercase()
}

/// Reads, resolves, validates and — only if every row is good — stores a file.
pub async fn import_file(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    kind: EntityKind,
    bytes: &[u8],
    file_name: Option<&str>,
) -> Result<ImportOutcome, StoreError> {
    let table = match canhgac_sheets::read(bytes, Format::detect(bytes, file_name)) {
        Ok(t) => t,
        Err(e) => {
            let row = match &e {
                canhgac_sheets::SheetError::Csv { row, .. }
                | canhgac_sheets::SheetError::Encoding { row }
                | canhgac_sheets::SheetError::TooManyRows { row, .. }
                | canhgac_sheets::SheetError::TooManyColumns { row, .. } => *row,
                _ => 1,
            };
            return Ok(ImportOutcome::Rejected(vec![RowError::new(
                row,
                "",
                format!("Không đọc được tệp: {}", e.message_vi()),
                format!("Cannot read the file: {e}"),
            )]));
        }
    };
    let records = match resolve(store, scope, kind, &table).await? {
        Ok(r) => r,
        Err(errors) => return Ok(ImportOutcome::Rejected(errors)),
    };
    if records.is_empty() {
        return Ok(ImportOutcome::Rejected(vec![RowError::new(
            1,
            "",
            "Tệp không có dòng dữ liệu nào",
            "The file has no data rows",
        )]));
    }
    // Addresses another organisation holds, named by row (the store refuses them too).
    let batch: Vec<(Option<i64>, &Record)> = records.iter().map(|r| (None, r)).collect();
    let conflicts = store.claim_conflicts(kind, scope, &batch).await?;
    if !conflicts.is_empty() {
        let col = |field: &str| {
            kind.field(field)
                .map(|f| f.file_name.to_string())
                .unwrap_or_else(|| field.to_string())
        };
        return Ok(ImportOutcome::Rejected(
            conflicts
                .into_iter()
                .map(|(i, e)| RowError {
                    row: table.rows.get(i).map_or(0, |r| r.0),
                    column: col(&e.field),
                    message: e.message,
                    message_vi: e.message_vi,
                })
                .collect(),
        ));
    }
    match store.import(kind, scope, actor, &records).await {
        Ok(n) => Ok(ImportOutcome::Imported(n)),
        Err(StoreError::Conflict(m)) => Ok(ImportOutcome::Rejected(vec![RowError::new(
            0,
            "",
            format!("Trùng với bản ghi đã có: {m}"),
            m,
        )])),
        Err(StoreError::Forbidden(m)) => Ok(ImportOutcome::Rejected(vec![RowError::new(
            0,
            "",
            format!("Không được phép: {m}"),
            m,
        )])),
        Err(StoreError::Invalid(errs)) => Ok(ImportOutcome::Rejected(
            errs.into_iter()
                .map(|e| RowError::new(0, &e.field, e.message_vi, e.message))
                .collect(),
        )),
        Err(e) => Err(e),
    }
}

/// Turns a table into validated records with ids resolved, or every row error.
pub async fn resolve(
    store: &Store,
    scope: &Scope,
    kind: EntityKind,
    table: &Table,
) -> Result<Result<Vec<Record>, Vec<RowError>>, StoreError> {
    let mut errors = Problems::default();
    // Map header cells to fields; name unknown and missing columns.
    let mut col_of: Vec<Option<&'static canhgac_domain::Field>> = Vec::new();
    for h in &table.headers {
        let f = kind.fields().iter().find(|f| header_matches(f, h));
        if f.is_none() && !h.trim().is_empty() {
            errors.push(RowError::new(
                1,
                h,
                format!(
                    "Cột không xác định; các cột hợp lệ: {}",
                    file_columns(kind).join(", ")
                ),
                format!(
                    "Unknown column; expected columns: {}",
                    file_columns(kind).join(", ")
                ),
            ));
        }
        col_of.push(f);
    }
    for f in kind.fields().iter().filter(|f| f.required) {
        if !col_of.iter().any(|c| c.is_some_and(|c| c.name == f.name)) {
            errors.push(RowError::new(
                1,
                f.file_name,
                "Thiếu cột bắt buộc",
                "Required column is missing",
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors.finish()));
    }
    let org_codes = store.org_codes().await?;
    let systems = if kind == EntityKind::Host {
        store.name_index(EntityKind::System, scope).await?
    } else {
        HashMap::new()
    };
    let hosts = if kind == EntityKind::Software {
        store.name_index(EntityKind::Host, scope).await?
    } else {
        HashMap::new()
    };
    let existing_hosts = if kind == EntityKind::Host {
        store.name_index(EntityKind::Host, scope).await?
    } else {
        HashMap::new()
    };
    let existing_systems = if kind == EntityKind::System {
        store.name_index(EntityKind::System, scope).await?
    } else {
        HashMap::new()
    };
    let mut seen_keys: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for (row, cells) in &table.rows {
        let row = *row;
        let mut raw = Record::new();
        for (i, cell) in cells.iter().enumerate() {
            if let Some(Some(f)) = col_of.get(i) {
                if !cell.is_empty() {
                    raw.insert(f.name.to_string(), Value::String(cell.clone()));
                }
            }
        }
        if cells.len() > table.headers.len()
            && cells[table.headers.len()..].iter().any(|c| !c.is_empty())
        {
            errors.push(RowError::new(
                row,
                "",
                "Dòng có nhiều ô hơn số cột tiêu đề",
                "The row has more cells than the header has columns",
            ));
        }
        // Resolve references by code/name.
        let mut row_ok = true;
        let org_id = match raw.get("org_id").and_then(Value::as_str) {
            Some(code) => match org_codes.get(&code.trim().to_uppercase()) {
                Some(id) if kind == EntityKind::Org || scope.contains(*id) => Some(*id),
                Some(_) => {
                    errors.push(RowError::new(
                        row,
                        "org",
                        format!("Đơn vị '{code}' nằm ngoài phạm vi quản lý của bạn"),
                        format!("Organisation '{code}' is outside your scope"),
                    ));
                    row_ok = false;
                    None
                }
                None => {
                    errors.push(RowError::new(
                        row,
                        "org",
                        format!("Không có đơn vị mã '{code}'"),
                        format!("No organisation with code '{code}'"),
                    ));
                    row_ok = false;
                    None
                }
            },
            None => None,
        };
        if let Some(id) = org_id {
            raw.insert("org_id".into(), Value::from(id));
        }
        for f in kind
            .fields()
            .iter()
            .filter(|f| f.ty.is_ref() && !matches!(f.ty, FieldType::OrgRef))
        {
            let Some(name) = raw.get(f.name).and_then(Value::as_str).map(str::to_string) else {
                continue;
            };
            let resolved = match f.ty {
                FieldType::ParentRef => org_codes.get(&name.to_uppercase()).copied(),
                FieldType::SystemRef => {
                    org_id.and_then(|o| systems.get(&(o, name.to_lowercase())).copied())
                }
                FieldType::HostRef => {
                    org_id.and_then(|o| hosts.get(&(o, name.to_lowercase())).copied())
                }
                _ => None,
            };
            match resolved {
                Some(id) => {
                    raw.insert(f.name.into(), Value::from(id));
                }
                None => {
                    let (vi, en) = match f.ty {
                        FieldType::ParentRef => (
                            format!("Không có đơn vị mã '{name}'"),
                            format!("No organisation with code '{name}'"),
                        ),
                        FieldType::SystemRef => (
                            format!("Đơn vị không có hệ thống '{name}'"),
                            format!("The organisation has no system named '{name}'"),
                        ),
                        _ => (
                            format!("Đơn vị không có máy '{name}'"),
                            format!("The organisation has no host named '{name}'"),
                        ),
                    };
                    errors.push(RowError::new(row, f.file_name, vi, en));
                    row_ok = false;
                }
            }
        }
        let (rec, field_errors) = kind.validate(&raw);
        for e in field_errors {
            // Reference errors were reported above by name; don't repeat them as ids.
            let f = kind.field(&e.field);
            if !row_ok && f.is_some_and(|f| f.ty.is_ref()) && raw.contains_key(&e.field) {
                continue;
            }
            errors.push(RowError::new(
                row,
                f.map(|f| f.file_name).unwrap_or(&e.field),
                e.message_vi,
                e.message,
            ));
        }
        // Uniqueness within the file and against what is stored.
        let key = match kind {
            EntityKind::Org => rec
                .get("code")
                .and_then(Value::as_str)
                .map(|c| (c.to_string(), org_codes.contains_key(c), "code")),
            EntityKind::Host => {
                rec.get("hostname")
                    .and_then(Value::as_str)
                    .zip(org_id)
                    .map(|(h, o)| {
                        (
                            format!("{o}/{}", h.to_lowercase()),
                            existing_hosts.contains_key(&(o, h.to_lowercase())),
                            "hostname",
                        )
                    })
            }
            EntityKind::System => {
                rec.get("name")
                    .and_then(Value::as_str)
                    .zip(org_id)
                    .map(|(n, o)| {
                        (
                            format!("{o}/{}", n.to_lowercase()),
                            existing_systems.contains_key(&(o, n.to_lowercase())),
                            "name",
                        )
                    })
            }
            EntityKind::Network => rec
                .get("cidr")
                .and_then(Value::as_str)
                .zip(org_id)
                .map(|(c, o)| (format!("{o}/{c}"), false, "cidr")),
            _ => None,
        };
        if let Some((k, exists, col)) = key {
            if exists {
                errors.push(RowError::new(
                    row,
                    col,
                    "Đã có bản ghi này trong hệ thống",
                    "This record already exists",
                ));
            } else if let Some(first) = seen_keys.insert(k, row) {
                errors.push(RowError::new(
                    row,
                    col,
                    format!("Trùng với dòng {first}"),
                    format!("Duplicates row {first}"),
                ));
            }
        }
        out.push(rec);
    }
    if errors.is_empty() {
        Ok(Ok(out))
    } else {
        Ok(Err(errors.finish()))
    }
}

/// Every record of `kind` in scope as rows with the file's columns (references by code
/// or name, as an import expects).
pub async fn export_rows(
    store: &Store,
    scope: &Scope,
    kind: EntityKind,
) -> Result<(Vec<&'static str>, Vec<Vec<String>>), StoreError> {
    let headers = file_columns(kind);
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let page = store
            .list(
                kind,
                scope,
                &ListQuery {
                    limit: Some(1000),
                    offset: Some(offset),
                    ..Default::default()
                },
            )
            .await?;
        let n = page.items.len() as i64;
        for rec in page.items {
            rows.push(
                kind.fields()
                    .iter()
                    .map(|f| {
                        let v = match f.ty {
                            FieldType::OrgRef => &rec["org_code"],
                            FieldType::ParentRef => &rec["parent_code"],
                            FieldType::SystemRef => &rec["system_name"],
                            FieldType::HostRef => &rec["host_name"],
                            _ => &rec[f.name],
                        };
                        match v {
                            Value::Null => String::new(),
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        }
                    })
                    .collect(),
            );
        }
        offset += n;
        if n < 1000 {
            break;
        }
    }
    Ok((headers, rows))
}
