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

/// A CSV written row by row straight to a temporary file beside its path, with the same rules
/// as [`CsvTable`], and put in place atomically by [`CsvFile::finish`] (dropped unfinished, it
/// leaves nothing behind). Memory does not grow with the rows.
pub struct CsvFile {
    writer: csv::Writer<std::io::BufWriter<tempfile::NamedTempFile>>,
    path: std::path::PathBuf,
}

impl CsvFile {
    pub fn create(path: &Path, header: &[&str]) -> std::io::Result<Self> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = tempfile::NamedTempFile::new_in(dir)?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(std::io::BufWriter::with_capacity(1 << 16, tmp));
        writer.write_record(header)?;
        Ok(Self { writer, path: path.to_owned() })
    }

    /// A text cell, guarded against formula injection.
    pub fn text(&mut self, s: &str) -> std::io::Result<()> {
        Ok(self.writer.write_field(safe_text(s).as_bytes())?)
    }

    /// A number cell, as it is.
    pub fn number(&mut self, s: &str) -> std::io::Result<()> {
        Ok(self.writer.write_field(s)?)
    }

    pub fn end_row(&mut self) -> std::io::Result<()> {
        Ok(self.writer.write_record(None::<&[u8]>)?)
    }

    /// Flushes, syncs and renames the file into place.
    pub fn finish(self) -> std::io::Result<()> {
        let mut prepared = Prepared::default();
        self.close_into(&mut prepared)?;
        prepared.persist()
    }

    /// Flushes and syncs the file, to be put in place with the others of `prepared`.
    pub fn close_into(self, prepared: &mut Prepared) -> std::io::Result<()> {
        let buffered = self.writer.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?;
        let tmp = buffered.into_inner().map_err(|e| e.into_error())?;
        tmp.as_file().sync_all()?;
        prepared.files.push((tmp, self.path));
        Ok(())
    }
}

/// Output files written under temporary names beside their places, put in place together by
/// [`Prepared::persist`] (each rename is atomic); dropped unpersisted, they leave nothing behind.
/// Lets outputs be written while the results they show are still being saved, and appear only
/// once those are committed.
#[derive(Default)]
pub struct Prepared {
    files: Vec<(tempfile::NamedTempFile, std::path::PathBuf)>,
}

impl Prepared {
    /// Writes `bytes` to a temporary file beside `path`.
    pub fn add(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        self.add_written(path, |out| out.write_all(bytes))
    }

    /// Writes a temporary file beside `path` through `write`, buffered: a file written as it is
    /// made (the spreadsheet, whose account-month sheets are most of its bytes) never has to be
    /// held whole in memory. If `write` fails, the temporary file is removed.
    pub fn add_written<E: From<std::io::Error>>(
        &mut self,
        path: &Path,
        write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> Result<(), E>,
    ) -> Result<(), E> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = tempfile::NamedTempFile::new_in(dir)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file());
        write(&mut out)?;
        out.flush()?;
        drop(out);
        tmp.as_file().sync_all()?;
        self.files.push((tmp, path.to_owned()));
        Ok(())
    }

    /// Takes over the files `other` prepared, after this one's.
    pub fn append(&mut self, other: Prepared) {
        self.files.extend(other.files);
    }

    /// Renames every file into place, in the order they were prepared.
    pub fn persist(self) -> std::io::Result<()> {
        for (tmp, path) in self.files {
            tmp.persist(&path).map_err(|e| e.error)?;
        }
        Ok(())
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
    fn a_streamed_file_is_written_as_the_table_would_be() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut f = CsvFile::create(&path, &["a", "b", "c"]).unwrap();
        f.text("=HYPERLINK(\"x\")").unwrap();
        f.number("-5.00").unwrap();
        f.text("a,b").unwrap();
        f.end_row().unwrap();
        f.text("").unwrap();
        f.number("").unwrap();
        f.text("@x").unwrap();
        f.end_row().unwrap();
        f.finish().unwrap();
        let mut t = CsvTable::new(&["a", "b", "c"]);
        t.push(vec![Cell::text("=HYPERLINK(\"x\")"), Cell::number("-5.00"), Cell::text("a,b")]);
        t.push(vec![Cell::text(""), Cell::number(""), Cell::text("@x")]);
        assert_eq!(std::fs::read(&path).unwrap(), t.to_bytes());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn header_is_written_without_rows() {
        assert_eq!(CsvTable::new(&["x", "y"]).to_bytes(), b"x,y\n");
    }
}
