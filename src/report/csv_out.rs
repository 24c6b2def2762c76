//! CSV writing by SPEC §4: UTF-8 without BOM, comma, LF, header always, minimal RFC 4180
//! quoting, and text cells that begin with `=`, `+`, `-`, `@`, tab or CR prefixed with `'`.

use std::io::Write;
use std::path::Path;

/// One output cell. Only [`Cell::Text`] is guarded against formula injection; numbers are
/// written as they are (a negative amount keeps its `-`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Number(String),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    pub fn number(s: impl Into<String>) -> Self {
        Self::Number(s.into())
    }

    /// The text as written to the file.
    pub fn rendered(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Number(s) => s.into(),
            Self::Text(s) => safe_text(s),
        }
    }
}

/// Prefixes `'` to text a spreadsheet would run as a formula.
pub fn safe_text(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// A whole CSV in memory, rendered to bytes.
pub struct CsvTable {
    header: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
}

impl CsvTable {
    pub fn new(header: &'static [&'static str]) -> Self {
        Self { header, rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.header.len());
        self.rows.push(row);
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(Vec::new());
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(self.header);
        for row in &self.rows {
            let _ = writer.write_record(row.iter().map(|c| c.rendered().into_owned()));
        }
        writer.into_inner().unwrap_or_default()
    }
}

/// Writes a file atomically: a temporary file beside it, fsync, rename. A reader (or a killed
/// run) never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_looks_like_a_formula_is_defused_numbers_are_not() {
        let mut t = CsvTable::new(&["a", "b", "c"]);
        t.push(vec![Cell::text("=HYPERLINK(\"x\")"), Cell::number("-5.00"), Cell::text("a,b")]);
        t.push(vec![Cell::text("@SUM(A1)"), Cell::text("+1"), Cell::text("\tx")]);
        let text = String::from_utf8(t.to_bytes()).unwrap();
        assert_eq!(text, "a,b,c\n\"'=HYPERLINK(\"\"x\"\")\",-5.00,\"a,b\"\n'@SUM(A1),'+1,'\tx\n");
    }

    #[test]
    fn header_is_written_without_rows() {
        assert_eq!(CsvTable::new(&["x", "y"]).to_bytes(), b"x,y\n");
    }
}
