//! Printable documents as PDF: A4 pages of headings, paragraphs, numbered form fields and ruled
//! tables, set in DejaVu Sans (embedded, so Vietnamese diacritics print right on any reader and
//! the text can be copied out: every glyph carries its Unicode value).
//!
//! A deliberately small writer: text is laid out here (NFC-normalised, wrapped by the font's own
//! advance widths, broken across pages); fonts go in whole as `CIDFontType2` with the
//! `Identity-H` encoding, one glyph id per character. No images, no forms, no encryption.

use std::fmt::Write as _;
use std::io::Write as _;
use ttf_parser::{Face, GlyphId};
use unicode_normalization::UnicodeNormalization;

/// A4 portrait, in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 56.0;
const MARGIN_TOP: f32 = 56.0;
const MARGIN_BOTTOM: f32 = 60.0;
const LINE: f32 = 1.35;

/// Why a document could not be made.
#[derive(Debug)]
pub struct PdfError(String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PdfError {}

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

struct Font {
    name: &'static str,
    bytes: &'static [u8],
    face: Face<'static>,
    /// Glyph id → the character it was used for (for ToUnicode) and its width (1/1000 em).
    used: std::collections::BTreeMap<u16, (char, u32)>,
}

impl Font {
    fn load(name: &'static str, bytes: &'static [u8]) -> Result<Font, PdfError> {
        let face = Face::parse(bytes, 0).map_err(|e| PdfError(format!("font {name}: {e}")))?;
        Ok(Font {
            name,
            bytes,
            face,
            used: Default::default(),
        })
    }

    fn units(&self) -> f32 {
        f32::from(self.face.units_per_em().max(1))
    }

    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map(|g| g.0).unwrap_or(0)
    }

    /// Width of one character in 1/1000 em.
    fn width_of(&self, gid: u16) -> u32 {
        let adv = self.face.glyph_hor_advance(GlyphId(gid)).unwrap_or(0);
        (f32::from(adv) * 1000.0 / self.units()).round() as u32
    }

    /// Width of a run of text at `size` points.
    fn measure(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.width_of(self.glyph(c)) as f32)
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// The text as the hex glyph string `Tj` shows, noting each glyph used.
    fn encode(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() * 4 + 2);
        out.push('<');
        for c in text.chars() {
            let gid = self.glyph(c);
            let w = self.width_of(gid);
            self.used.entry(gid).or_insert((c, w));
            let _ = write!(out, "{gid:04X}");
        }
        out.push('>');
        out
    }
}

/// Makes text printable: NFC (precomposed Vietnamese letters, which the font has), control
/// characters and tabs as spaces.
fn clean(text: &str) -> String {
    text.nfc()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// A document being laid out.
pub struct Document {
    title: String,
    fonts: [Font; 2],
    pages: Vec<String>,
    page: String,
    y: f32,
    page_word: String,
}

impl Document {
    /// An empty A4 document; `title` goes into the file's properties.
    pub fn new(title: &str) -> Result<Document, PdfError> {
        let regular = Font::load("DejaVuSans", fonts::regular())?;
        let bold = Font::load("DejaVuSans-Bold", fonts::bold())?;
        Ok(Document {
            title: clean(title),
            fonts: [regular, bold],
            pages: Vec::new(),
            page: String::new(),
            y: PAGE_H - MARGIN_TOP,
            page_word: "Trang".into(),
        })
    }

    /// The word before the page numbers in the footer ("Trang" unless set: "Page" in English).
    pub fn set_page_word(&mut self, word: &str) {
        self.page_word = clean(word);
    }

    fn font(&mut self, w: Weight) -> &mut Font {
        match w {
            Weight::Regular => &mut self.fonts[0],
            Weight::Bold => &mut self.fonts[1],
        }
    }

    fn width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN_X
    }

    /// Starts a new page when fewer than `need` points remain.
    fn room(&mut self, need: f32) {
        if self.y - need < MARGIN_BOTTOM {
            self.new_page();
        }
    }

    /// Ends the current page.
    pub fn new_page(&mut self) {
        let done = std::mem::take(&mut self.page);
        self.pages.push(done);
        self.y = PAGE_H - MARGIN_TOP;
    }

    fn show(&mut self, x: f32, y: f32, text: &str, size: f32, w: Weight) {
        let fid = if w == Weight::Bold { 2 } else { 1 };
        let hex = self.font(w).encode(text);
        let _ = writeln!(
            self.page,
            "BT /F{fid} {size:.1} Tf {x:.2} {y:.2} Td {hex} Tj ET"
        );
    }

    /// Splits text into lines no wider than `width` at `size`, at spaces where it can and
    /// inside a word only when the word alone is wider.
    fn wrap(&self, text: &str, size: f32, w: Weight, width: f32) -> Vec<String> {
        let font = match w {
            Weight::Regular => &self.fonts[0],
            Weight::Bold => &self.fonts[1],
        };
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if font.measure(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // The word alone: break it by characters if it is still too wide.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if font.measure(&piece, size) > width && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }

    /// A line of text centred on the page.
    pub fn centered(&mut self, text: &str, size: f32, w: Weight) {
        let text = clean(text);
        for line in self.wrap(&text, size, w, self.width()) {
            self.room(size * LINE);
            self.y -= size * LINE;
            let lw = self.fonts[usize::from(w == Weight::Bold)].measure(&line, size);
            let x = (PAGE_W - lw) / 2.0;
            let y = self.y;
            self.show(x, y, &line, size, w);
        }
    }

    /// A paragraph, wrapped to the page, indented by `indent` points.
    pub fn paragraph(&mut self, text: &str, size: f32, w: Weight, indent: f32) {
        let text = clean(text);
        let width = self.width() - indent;
        for line in self.wrap(&text, size, w, width) {
            self.room(size * LINE);
            self.y -= size * LINE;
            let y = self.y;
            self.show(MARGIN_X + indent, y, &line, size, w);
        }
    }

    /// Vertical space.
    pub fn gap(&mut self, points: f32) {
        self.y -= points;
        if self.y < MARGIN_BOTTOM {
            self.new_page();
        }
    }

    /// A numbered form field: `n. Label:` in bold, then the value (or a dotted line to fill in
    /// by hand when it is empty) indented below.
    pub fn field(&mut self, n: usize, label: &str, value: &str) {
        self.room(11.0 * LINE * 2.0);
        self.paragraph(&format!("{n}. {label}:"), 10.5, Weight::Bold, 0.0);
        let value = value.trim();
        if value.is_empty() {
            self.paragraph(
                "……………………………………………………………………………………",
                10.5,
                Weight::Regular,
                14.0,
            );
        } else {
            self.paragraph(value, 10.5, Weight::Regular, 14.0);
        }
        self.gap(4.0);
    }

    /// A ruled table: a shaded header row, then the rows; `widths` are fractions of the text
    /// width (one per column). Cells wrap; a row never splits across pages.
    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>], widths: &[f32]) {
        let size = 9.5;
        let total: f32 = widths.iter().sum::<f32>().max(f32::EPSILON);
        let cols: Vec<f32> = widths.iter().map(|w| w / total * self.width()).collect();
        let pad = 3.0;
        let head: Vec<String> = header.iter().map(|h| clean(h)).collect();
        self.row(&head, &cols, size, pad, true);
        for r in rows {
            let cells: Vec<String> = r.iter().map(|c| clean(c)).collect();
            self.row(&cells, &cols, size, pad, false);
        }
        self.gap(6.0);
    }

    fn row(&mut self, cells: &[String], cols: &[f32], size: f32, pad: f32, head: bool) {
        let w = if head { Weight::Bold } else { Weight::Regular };
        let wrapped: Vec<Vec<String>> = cols
            .iter()
            .enumerate()
            .map(|(i, cw)| {
                let text = cells.get(i).map(String::as_str).unwrap_or("");
                self.wrap(text, size, w, cw - 2.0 * pad)
            })
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let h = lines as f32 * size * LINE + 2.0 * pad;
        self.room(h);
        let top = self.y;
        let mut x = MARGIN_X;
        if head {
            let _ = writeln!(
                self.page,
                "0.9 g {x:.2} {:.2} {:.2} {h:.2} re f 0 g",
                top - h,
                cols.iter().sum::<f32>()
            );
        }
        for (i, cw) in cols.iter().enumerate() {
            let _ = writeln!(self.page, "0.5 w {x:.2} {:.2} {cw:.2} {h:.2} re S", top - h);
            let mut y = top - pad;
            for line in &wrapped[i] {
                y -= size * LINE;
                self.show(x + pad, y + size * 0.3, line, size, w);
            }
            x += cw;
        }
        self.y = top - h;
    }

    /// The finished file.
    pub fn finish(mut self) -> Vec<u8> {
        if !self.page.is_empty() || self.pages.is_empty() {
            self.new_page();
        }
        let total = self.pages.len();
        let mut pages = std::mem::take(&mut self.pages);
        for (i, page) in pages.iter_mut().enumerate() {
            let label = format!("{} {}/{}", self.page_word, i + 1, total);
            let lw = self.fonts[0].measure(&label, 8.0);
            let hex = self.fonts[0].encode(&label);
            let _ = writeln!(
                page,
                "BT /F1 8.0 Tf {:.2} {:.2} Td {hex} Tj ET",
                PAGE_W - MARGIN_X - lw,
                MARGIN_BOTTOM / 2.0
            );
        }
        write_file(&self.title, &self.fonts, &pages)
    }
}

/// The embedded typefaces.
mod fonts {
    pub fn regular() -> &'static [u8] {
        dejavu::sans::regular()
    }
    pub fn bold() -> &'static [u8] {
        dejavu::sans::bold()
    }
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = z.write_all(bytes);
    z.finish().unwrap_or_default()
}

/// A PDF text string: UTF-16BE with its byte-order mark, in hex.
fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        let _ = write!(out, "{u:04X}");
    }
    out.push('>');
    out
}

struct Objects {
    buf: Vec<u8>,
    offsets: Vec<usize>,
}

impl Objects {
    fn add(&mut self, dict: &str) -> usize {
        self.offsets.push(self.buf.len());
        let id = self.offsets.len();
        let _ = write!(self.buf, "{id} 0 obj\n{dict}\nendobj\n");
        id
    }

    fn stream(&mut self, dict_extra: &str, data: &[u8]) -> usize {
        self.offsets.push(self.buf.len());
        let id = self.offsets.len();
        let _ = write!(
            self.buf,
            "{id} 0 obj\n<< /Length {} /Filter /FlateDecode{dict_extra} >>\nstream\n",
            data.len()
        );
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\nendstream\nendobj\n");
        id
    }

    /// Reserves an id for an object written later (the page tree, which its pages point to).
    fn reserve(&mut self) -> usize {
        self.offsets.push(0);
        self.offsets.len()
    }

    fn fill(&mut self, id: usize, dict: &str) {
        self.offsets[id - 1] = self.buf.len();
        let _ = write!(self.buf, "{id} 0 obj\n{dict}\nendobj\n");
    }
}

fn to_unicode(font: &Font) -> String {
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(&u16, &(char, u32))> = font.used.iter().filter(|(g, _)| **g != 0).collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
        for (gid, (c, _)) in chunk {
            let mut utf16 = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut utf16)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(cmap, "<{gid:04X}> <{hex}>");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap
}

fn font_objects(objs: &mut Objects, font: &Font) -> usize {
    let face = &font.face;
    let scale = 1000.0 / font.units();
    let s = |v: i16| (f32::from(v) * scale).round() as i32;
    let bbox = face.global_bounding_box();
    let file = objs.stream(
        &format!(" /Length1 {}", font.bytes.len()),
        &deflate(font.bytes),
    );
    let descriptor = objs.add(&format!(
        "<< /Type /FontDescriptor /FontName /{} /Flags 32 /FontBBox [{} {} {} {}] /ItalicAngle 0 \
         /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {file} 0 R >>",
        font.name,
        s(bbox.x_min),
        s(bbox.y_min),
        s(bbox.x_max),
        s(bbox.y_max),
        s(face.ascender()),
        s(face.descender()),
        s(face.capital_height().unwrap_or(face.ascender())),
    ));
    let mut widths = String::new();
    for (gid, (_, w)) in &font.used {
        let _ = write!(widths, "{gid} [{w}] ");
    }
    let cid = objs.add(&format!(
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{} \
         /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
         /FontDescriptor {descriptor} 0 R /DW 1000 /W [{widths}] /CIDToGIDMap /Identity >>",
        font.name
    ));
    let unicode = objs.stream("", &deflate(to_unicode(font).as_bytes()));
    objs.add(&format!(
        "<< /Type /Font /Subtype /Type0 /BaseFont /{} /Encoding /Identity-H \
         /DescendantFonts [{cid} 0 R] /ToUnicode {unicode} 0 R >>",
        font.name
    ))
}

fn write_file(title: &str, fonts: &[Font; 2], pages: &[String]) -> Vec<u8> {
    let mut objs = Objects {
        buf: b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(),
        offsets: Vec::new(),
    };
    let catalog = objs.reserve();
    let tree = objs.reserve();
    let f1 = font_objects(&mut objs, &fonts[0]);
    let f2 = font_objects(&mut objs, &fonts[1]);
    let mut kids = Vec::new();
    for content in pages {
        let stream = objs.stream("", &deflate(content.as_bytes()));
        kids.push(objs.add(&format!(
            "<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
             /Resources << /Font << /F1 {f1} 0 R /F2 {f2} 0 R >> >> /Contents {stream} 0 R >>"
        )));
    }
    let kids_list: String = kids.iter().map(|k| format!("{k} 0 R ")).collect();
    objs.fill(
        tree,
        &format!(
            "<< /Type /Pages /Kids [{kids_list}] /Count {} >>",
            kids.len()
        ),
    );
    objs.fill(catalog, &format!("<< /Type /Catalog /Pages {tree} 0 R >>"));
    let info = objs.add(&format!(
        "<< /Title {} /Producer (canhgac) >>",
        text_string(title)
    ));
    let xref_at = objs.buf.len();
    let n = objs.offsets.len() + 1;
    let mut tail = format!("xref\n0 {n}\n0000000000 65535 f \n");
    for off in &objs.offsets {
        let _ = writeln!(tail, "{off:010} 00000 n ");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {n} /Root {catalog} 0 R /Info {info} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
    );
    objs.buf.extend_from_slice(tail.as_bytes());
    objs.buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn inflate(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(data)
            .read_to_end(&mut out)
            .expect("inflate");
        out
    }

    /// Every stream of the file, inflated.
    fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(p) = find(&pdf[at..], b"stream\n") {
            let start = at + p + 7;
            let Some(e) = find(&pdf[start..], b"\nendstream") else {
                break;
            };
            out.push(inflate(&pdf[start..start + e]));
            at = start + e + 10;
        }
        out
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn vietnamese_text_maps_to_real_glyphs_and_back_to_unicode() {
        let mut doc = Document::new("Báo cáo ban đầu sự cố").expect("fonts");
        doc.centered("BÁO CÁO BAN ĐẦU SỰ CỐ", 14.0, Weight::Bold);
        // Decomposed input (e + combining marks) prints as the precomposed letter.
        doc.field(1, "Tên hệ thống", "Cổng thông tin điện tử tỉnh — ệ");
        let regular = &doc.fonts[0];
        for c in "ảạằẳẵặẩẫậẻẽẹềểễệỉịỏọồổỗộờởỡợủụừửữựỳỷỹỵĐđ".chars()
        {
            assert_ne!(regular.glyph(c), 0, "DejaVu Sans has no glyph for {c}");
        }
        let pdf = doc.finish();
        assert!(pdf.starts_with(b"%PDF-1.7"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let all = streams(&pdf);
        let cmaps: Vec<String> = all
            .iter()
            .map(|s| String::from_utf8_lossy(s).to_string())
            .filter(|s| s.contains("beginbfchar"))
            .collect();
        assert_eq!(cmaps.len(), 2, "a ToUnicode map per font");
        // ệ (U+1EC7) came in decomposed and is mapped back from its glyph.
        assert!(cmaps.iter().any(|c| c.contains("<1EC7>")), "{cmaps:?}");
        assert!(
            cmaps.iter().any(|c| c.contains("<1EF0>")),
            "Ự in the bold title"
        );
    }

    #[test]
    fn cross_reference_offsets_point_at_their_objects() {
        let mut doc = Document::new("t").expect("fonts");
        for i in 0..120 {
            doc.paragraph(&format!("Dòng số {i}: nội dung đủ dài để xuống dòng khi cần thiết, lặp lại nhiều lần cho nhiều trang."), 11.0, Weight::Regular, 0.0);
        }
        doc.table(
            &["Loại", "Số lượng"],
            &[vec!["Mã độc".into(), "3".into()]],
            &[3.0, 1.0],
        );
        let pdf = doc.finish();
        // Offsets are in bytes: read the tail (ASCII) from the byte the trailer names.
        let xref = pdf
            .windows(10)
            .rposition(|w| w == b"startxref\n")
            .expect("startxref");
        let tail = std::str::from_utf8(&pdf[xref + 10..]).expect("ascii tail");
        let at: usize = tail
            .lines()
            .next()
            .and_then(|l| l.parse().ok())
            .expect("offset");
        let table = std::str::from_utf8(&pdf[at..]).expect("ascii xref");
        assert!(table.starts_with("xref\n0 "));
        let entries: Vec<usize> = table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .map(|l| l[..10].parse().expect("offset"))
            .collect();
        assert!(entries.len() > 10);
        for (i, off) in entries.iter().enumerate() {
            let head = format!("{} 0 obj", i + 1);
            assert!(
                pdf[*off..].starts_with(head.as_bytes()),
                "object {} not at {off}",
                i + 1
            );
        }
        let text = String::from_utf8_lossy(&pdf);
        let pages = text.matches("/Type /Page ").count();
        assert!(pages >= 3, "{pages} pages");
        assert!(text.contains(&format!("/Count {pages}")));
    }

    #[test]
    fn long_words_and_empty_values_do_not_overflow() {
        let doc = Document::new("t").expect("fonts");
        let long = "a".repeat(400);
        let lines = doc.wrap(&long, 10.0, Weight::Regular, 200.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(doc.fonts[0].measure(l, 10.0) <= 200.0);
        }
        assert_eq!(
            doc.wrap("", 10.0, Weight::Regular, 200.0),
            vec![String::new()]
        );
    }
}
