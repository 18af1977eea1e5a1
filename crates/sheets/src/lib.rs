//! Tables as officials exchange them: CSV (comma, semicolon or tab; UTF-8 with or without
//! BOM) and XLSX. Reading returns every row with its spreadsheet row number (the header is
//! row 1), so callers can name the exact row and column of each problem. No I/O: bytes in,
//! bytes out.

use calamine::{Data, DataRef, Reader, Xlsx};
use std::io::Cursor;
use thiserror::Error;

/// The most data rows a table may have: registry files of a province are far smaller, and a
/// limit keeps a hostile file (a small XLSX of a million junk rows) from filling memory.
pub const MAX_ROWS: usize = 100_000;
/// The most columns a row may have.
pub const MAX_COLUMNS: usize = 256;
/// The most bytes the parts of an XLSX workbook may inflate to, together.
pub const MAX_XLSX_INFLATED: u64 = 256 * 1024 * 1024;
/// The most an XLSX part may inflate relative to its compressed size.
pub const MAX_XLSX_RATIO: u64 = 200;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-, semicolon- or tab-separated text.
    Csv,
    /// Office Open XML workbook (first sheet).
    Xlsx,
}

impl Format {
    /// Guesses from content (an XLSX is a ZIP) and, failing that, the file name.
    pub fn detect(bytes: &[u8], file_name: Option<&str>) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            return Format::Xlsx;
        }
        match file_name.map(|n| n.to_ascii_lowercase()) {
            Some(n) if n.ends_with(".xlsx") => Format::Xlsx,
            _ => Format::Csv,
        }
    }
}

/// A table read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Header cells, trimmed.
    pub headers: Vec<String>,
    /// Data rows as `(row number, cells)`; row numbers count the header as 1. Fully empty
    /// rows are skipped.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// The index of a header, compared case-insensitively.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name) || h.to_lowercase() == name.to_lowercase())
    }
}

/// Why a file could not be read as a table.
#[derive(Debug, Error)]
pub enum SheetError {
    /// The file is empty or has no header row.
    #[error("the file is empty: the first row must name the columns")]
    Empty,
    /// A CSV problem at a row.
    #[error("row {row}: {message}")]
    Csv {
        /// Row number (1 = header).
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// Not a readable workbook.
    #[error("not a readable XLSX workbook: {0}")]
    Xlsx(String),
    /// Text is not UTF-8.
    #[error("row {row}: the text is not UTF-8 (save the file as 'CSV UTF-8')")]
    Encoding {
        /// Row number.
        row: usize,
    },
    /// Writing failed.
    #[error("could not write the workbook: {0}")]
    Write(String),
    /// More rows than [`MAX_ROWS`].
    #[error("row {row}: the file has more than {limit} data rows; split it")]
    TooManyRows {
        /// The first row over the limit.
        row: usize,
        /// The limit.
        limit: usize,
    },
    /// More columns than [`MAX_COLUMNS`].
    #[error("row {row}: more than {limit} columns")]
    TooManyColumns {
        /// The row.
        row: usize,
        /// The limit.
        limit: usize,
    },
    /// An XLSX part inflates beyond the limits (a decompression bomb).
    #[error("the workbook part {part} inflates to {size} bytes, more than allowed ({limit} bytes, or {ratio}× its compressed size)")]
    Inflated {
        /// The part's name in the archive.
        part: String,
        /// Its declared size.
        size: u64,
        /// The absolute limit.
        limit: u64,
        /// The ratio limit.
        ratio: u64,
    },
}

impl SheetError {
    /// The same, in Vietnamese (for the Vietnamese half of an answer).
    pub fn message_vi(&self) -> String {
        match self {
            SheetError::Empty => "tệp trống: hàng đầu tiên phải là tên các cột".into(),
            SheetError::Csv { row, message } => format!("hàng {row}: {message}"),
            SheetError::Xlsx(m) => format!("không đọc được tệp XLSX: {m}"),
            SheetError::Encoding { row } => format!(
                "hàng {row}: văn bản không phải UTF-8 (hãy lưu tệp dạng 'CSV UTF-8')"
            ),
            SheetError::Write(m) => format!("không ghi được tệp: {m}"),
            SheetError::TooManyRows { row, limit } => {
                format!("hàng {row}: tệp có hơn {limit} hàng dữ liệu; hãy chia nhỏ tệp")
            }
            SheetError::TooManyColumns { row, limit } => {
                format!("hàng {row}: nhiều hơn {limit} cột")
            }
            SheetError::Inflated {
                part,
                size,
                limit,
                ratio,
            } => format!(
                "phần {part} của tệp giải nén ra {size} byte, vượt giới hạn ({limit} byte, hoặc {ratio} lần kích thước nén)"
            ),
        }
    }
}

/// Reads a table in the given format.
pub fn read(bytes: &[u8], format: Format) -> Result<Table, SheetError> {
    match format {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes),
    }
}

fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let count = |d: u8| first_line.iter().filter(|&&b| b == d).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| count(d))
        .unwrap_or(b',')
}

fn read_csv(bytes: &[u8]) -> Result<Table, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // The header decides the delimiter; blank lines before it do not.
    let first_line = bytes
        .split(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty())
        .unwrap_or_default();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(first_line))
        .from_reader(bytes);
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut lines = LineCounter {
        bytes,
        pos: 0,
        line: 1,
    };
    for (i, rec) in rdr.byte_records().enumerate() {
        let rec = rec.map_err(|e| SheetError::Csv {
            row: e.position().map(|p| p.line() as usize).unwrap_or(i + 1),
            message: e.to_string(),
        })?;
        // Blank lines are skipped by the reader, so count by line, not by record.
        let row = rec
            .position()
            .map(|p| lines.line_of(p.byte() as usize))
            .unwrap_or(i + 1);
        let mut cells = Vec::with_capacity(rec.len());
        for field in rec.iter() {
            let s = std::str::from_utf8(field).map_err(|_| SheetError::Encoding { row })?;
            cells.push(s.trim().to_string());
        }
        if cells.len() > MAX_COLUMNS {
            return Err(SheetError::TooManyColumns {
                row,
                limit: MAX_COLUMNS,
            });
        }
        if headers.is_none() {
            if cells.iter().all(String::is_empty) {
                continue;
            }
            headers = Some(cells);
        } else if !cells.iter().all(String::is_empty) {
            if rows.len() >= MAX_ROWS {
                return Err(SheetError::TooManyRows {
                    row,
                    limit: MAX_ROWS,
                });
            }
            rows.push((row, cells));
        }
    }
    Ok(Table {
        headers: headers.ok_or(SheetError::Empty)?,
        rows,
    })
}

/// Maps byte offsets (increasing) to 1-based lines in one pass over the file. The CSV
/// reader attributes blank lines before a record to it, so those are skipped.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl LineCounter<'_> {
    fn line_of(&mut self, offset: usize) -> usize {
        let mut start = offset.min(self.bytes.len());
        while start < self.bytes.len() && (self.bytes[start] == b'\n' || self.bytes[start] == b'\r')
        {
            start += 1;
        }
        if start >= self.pos {
            self.line += self.bytes[self.pos..start]
                .iter()
                .filter(|&&c| c == b'\n')
                .count();
            self.pos = start;
        }
        self.line
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string().trim().to_string(),
    }
}

fn cell_ref_text(d: &DataRef) -> String {
    match d {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        other => cell_text(&Data::from(other.clone())),
    }
}

/// Refuses a workbook whose parts declare more than the inflation limits, before anything is
/// inflated.
fn check_inflation(bytes: &[u8]) -> Result<(), SheetError> {
    let mut z =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| SheetError::Xlsx(e.to_string()))?;
    let mut total = 0u64;
    for i in 0..z.len() {
        let f = z
            .by_index_raw(i)
            .map_err(|e| SheetError::Xlsx(e.to_string()))?;
        let size = f.size();
        total = total.saturating_add(size);
        let too_big = size > f.compressed_size().max(1024).saturating_mul(MAX_XLSX_RATIO);
        if too_big || total > MAX_XLSX_INFLATED {
            return Err(SheetError::Inflated {
                part: f.name().to_string(),
                size,
                limit: MAX_XLSX_INFLATED,
                ratio: MAX_XLSX_RATIO,
            });
        }
    }
    Ok(())
}

/// Reads the first sheet cell by cell (never the whole sheet at once), stopping at the row
/// and column limits.
fn read_xlsx(bytes: &[u8]) -> Result<Table, SheetError> {
    check_inflation(bytes)?;
    let mut wb: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| SheetError::Xlsx(e.to_string()))?;
    let first = wb
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| SheetError::Xlsx("the workbook has no sheet".into()))?;
    let mut cells = wb
        .worksheet_cells_reader(&first)
        .map_err(|e| SheetError::Xlsx(e.to_string()))?;
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    let finish = |r: (usize, Vec<String>),
                  headers: &mut Option<Vec<String>>,
                  rows: &mut Vec<(usize, Vec<String>)>|
     -> Result<(), SheetError> {
        let (row, mut cells) = r;
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        if cells.iter().all(String::is_empty) {
            return Ok(());
        }
        if headers.is_none() {
            *headers = Some(cells);
        } else {
            if rows.len() >= MAX_ROWS {
                return Err(SheetError::TooManyRows {
                    row,
                    limit: MAX_ROWS,
                });
            }
            rows.push((row, cells));
        }
        Ok(())
    };
    loop {
        let cell = cells
            .next_cell()
            .map_err(|e| SheetError::Xlsx(e.to_string()))?;
        let Some(cell) = cell else { break };
        let (r, c) = cell.get_position();
        let (row, col) = (r as usize + 1, c as usize);
        if col >= MAX_COLUMNS {
            return Err(SheetError::TooManyColumns {
                row,
                limit: MAX_COLUMNS,
            });
        }
        if current.as_ref().is_some_and(|(cr, _)| *cr != row) {
            if let Some(done) = current.take() {
                finish(done, &mut headers, &mut rows)?;
            }
        }
        let entry = current.get_or_insert_with(|| (row, Vec::new()));
        let text = cell_ref_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        if entry.1.len() <= col {
            entry.1.resize(col + 1, String::new());
        }
        entry.1[col] = text;
    }
    if let Some(done) = current.take() {
        finish(done, &mut headers, &mut rows)?;
    }
    // Every row as wide as the header, like the CSV reader's rows.
    let width = headers.as_ref().map_or(0, Vec::len);
    for (_, r) in &mut rows {
        if r.len() < width {
            r.resize(width, String::new());
        }
    }
    Ok(Table {
        headers: headers.ok_or(SheetError::Empty)?,
        rows,
    })
}

/// A cell as a spreadsheet program must not run it: text starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return would be read as a formula (`=HYPERLINK(…)`) when the exported
/// file is opened, so it gets a leading apostrophe. Numbers (`-5`, `+84912345678`) are kept.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && cell.trim().parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Writes CSV with a UTF-8 BOM (so spreadsheet programs show Vietnamese correctly).
pub fn write_csv(headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, SheetError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(headers)
            .map_err(|e| SheetError::Write(e.to_string()))?;
        for r in rows {
            w.write_record(r.iter().map(|c| neutralise(c).into_owned()))
                .map_err(|e| SheetError::Write(e.to_string()))?;
        }
        w.flush().map_err(|e| SheetError::Write(e.to_string()))?;
    }
    Ok(out)
}

/// Writes a one-sheet XLSX workbook with a bold, frozen header row; every cell as text.
pub fn write_xlsx(
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, SheetError> {
    write_xlsx_book(&[(sheet, headers, rows)], false)
}

/// One sheet of a workbook: its name, header row and rows.
pub type SheetData<'a> = (&'a str, &'a [&'a str], &'a [Vec<String>]);

/// Writes a workbook of several sheets, each with a bold, frozen header row. `numbers`: cells
/// that are numbers without a leading zero (or percentages like `87%`, `66.7%`) are written as
/// numbers, so a spreadsheet sums them; everything else as text.
pub fn write_xlsx_book(sheets: &[SheetData<'_>], numbers: bool) -> Result<Vec<u8>, SheetError> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let pct = XFormat::new().set_num_format("0.0%");
    let mut used: Vec<String> = Vec::new();
    for (sheet, headers, rows) in sheets {
        let ws = wb.add_worksheet();
        let mut name: String = sheet
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(28)
            .collect();
        if name.trim().is_empty() {
            name = format!("Sheet{}", used.len() + 1);
        }
        while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
            name = format!(
                "{} {}",
                name.chars().take(25).collect::<String>(),
                used.len() + 1
            );
        }
        ws.set_name(&name).map_err(err)?;
        used.push(name);
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(err)?;
            ws.set_column_width(c as u16, if c == 0 { 36 } else { 18 })
                .map_err(err)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let r = (r + 1) as u32;
            for (c, v) in row.iter().enumerate() {
                let c = c as u16;
                match numbers.then(|| as_number(v)).flatten() {
                    Some((n, false)) => ws.write_number(r, c, n).map(|_| ()),
                    Some((n, true)) => ws
                        .write_number_with_format(r, c, n / 100.0, &pct)
                        .map(|_| ()),
                    None => ws.write_string(r, c, v).map(|_| ()),
                }
                .map_err(err)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

/// A number (no leading zero, at most 15 digits, at most one decimal point) or a percentage, as
/// a number and whether it was a percentage.
fn as_number(v: &str) -> Option<(f64, bool)> {
    let (digits, pct) = match v.strip_suffix('%') {
        Some(d) => (d, true),
        None => (v, false),
    };
    let d = digits.strip_prefix('-').unwrap_or(digits);
    let (int, frac) = d.split_once('.').unwrap_or((d, "0"));
    let ok = !int.is_empty()
        && !frac.is_empty()
        && d.len() <= 15
        && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        && (int == "0" || !int.starts_with('0'));
    ok.then(|| digits.parse::<f64>().ok().map(|n| (n, pct)))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_only_where_they_are_numbers() {
        assert_eq!(as_number("42"), Some((42.0, false)));
        assert_eq!(as_number("87%"), Some((87.0, true)));
        assert_eq!(as_number("0"), Some((0.0, false)));
        assert_eq!(as_number("0213798798"), None);
        assert_eq!(as_number("66.7%"), Some((66.7, true)));
        assert_eq!(as_number("1.5.2"), None);
        assert_eq!(as_number("1."), None);
        assert_eq!(as_number("SYT"), None);
        assert_eq!(as_number(""), None);
        let book = write_xlsx_book(
            &[
                (
                    "Tổng hợp",
                    &["Chỉ tiêu", "Số liệu"],
                    &[vec!["Cảnh báo".into(), "12".into()]],
                ),
                ("Tổng hợp", &["Mã"], &[vec!["0213".into()]]),
            ],
            true,
        )
        .expect("book");
        let t = read(&book, Format::Xlsx).expect("read back");
        assert_eq!(t.headers, vec!["Chỉ tiêu", "Số liệu"]);
        assert_eq!(t.rows[0].1[1], "12");
    }

    #[test]
    fn errors_speak_both_languages() {
        let e = read(b"org,hostname\nSYT,\xff\xfe\n", Format::Csv).unwrap_err();
        assert!(e.to_string().contains("row 2"), "{e}");
        assert!(e.message_vi().starts_with("hàng 2: "), "{}", e.message_vi());
        assert!(e.message_vi().contains("UTF-8"));
        assert!(SheetError::Empty.message_vi().contains("tệp trống"));
    }

    #[test]
    fn csv_with_bom_and_semicolons() {
        let t = read(
            b"\xEF\xBB\xBFhostname;ips\n\nweb01; 10.0.0.1 \n;\nweb02;10.0.0.2\n",
            Format::Csv,
        )
        .expect("csv");
        assert_eq!(t.headers, vec!["hostname", "ips"]);
        assert_eq!(
            t.rows,
            vec![
                (3, vec!["web01".into(), "10.0.0.1".into()]),
                (5, vec!["web02".into(), "10.0.0.2".into()])
            ]
        );
        assert_eq!(t.column("IPS"), Some(1));
    }

    #[test]
    fn non_utf8_names_the_row() {
        let e = read(b"name\nH\xe0 N\xf4i\n", Format::Csv).unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 2: the text is not UTF-8 (save the file as 'CSV UTF-8')"
        );
    }

    #[test]
    fn empty_file_is_refused() {
        assert!(matches!(read(b"", Format::Csv), Err(SheetError::Empty)));
    }

    #[test]
    fn xlsx_round_trip_keeps_vietnamese() {
        let rows = vec![
            vec![
                "SO-TTTT".to_string(),
                "Sở Thông tin và Truyền thông".to_string(),
            ],
            vec!["VT".into(), "12".into()],
        ];
        let bytes = write_xlsx("Đơn vị", &["code", "name"], &rows).expect("write");
        assert_eq!(Format::detect(&bytes, None), Format::Xlsx);
        let t = read(&bytes, Format::Xlsx).expect("read");
        assert_eq!(t.headers, vec!["code", "name"]);
        assert_eq!(t.rows[0], (2, rows[0].clone()));
        assert_eq!(t.rows[1].1[1], "12");
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        assert!(matches!(
            read(b"PK\x03\x04garbage", Format::Xlsx),
            Err(SheetError::Xlsx(_))
        ));
    }

    #[test]
    fn csv_round_trip() {
        let bytes = write_csv(&["a", "b"], &[vec!["x,y".into(), "Lai Châu".into()]]).expect("csv");
        let t = read(&bytes, Format::Csv).expect("read");
        assert_eq!(t.rows[0].1, vec!["x,y", "Lai Châu"]);
    }
}
