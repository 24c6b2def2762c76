//! Bulk loads through `COPY … FROM STDIN` in PostgreSQL's text format.
//!
//! [`CopyRows`] encodes rows (tab-separated fields, `\N` for NULL, backslash escapes for the
//! characters the format reserves) and [`copy_in`] streams them on the given connection —
//! inside the caller's transaction, so a load is still all or nothing. A field with a NUL
//! character cannot be stored in PostgreSQL text and is refused with an error.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgConnection;

/// Bytes sent per `CopyData` message: small enough that the server starts on a chunk while
/// the rest of it is encoded.
const SEND_AT: usize = 256 << 10;

/// A value that can be written as one field of a text-format COPY row.
pub trait Field {
    fn write(&self, out: &mut Vec<u8>) -> anyhow::Result<()>;
}

impl Field for str {
    fn write(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
        for byte in self.bytes() {
            match byte {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                0 => anyhow::bail!("a text value contains a NUL character, which PostgreSQL cannot store"),
                other => out.push(other),
            }
        }
        Ok(())
    }
}

impl Field for String {
    fn write(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
        self.as_str().write(out)
    }
}

impl<T: Field + ?Sized> Field for &T {
    fn write(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
        (**self).write(out)
    }
}

impl<T: Field> Field for Option<T> {
    fn write(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
        match self {
            Some(value) => value.write(out),
            None => {
                out.extend_from_slice(b"\\N");
                Ok(())
            }
        }
    }
}

/// Values whose `Display` never contains a reserved character.
macro_rules! displayed_field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn write(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
                use std::io::Write as _;
                write!(out, "{self}")?;
                Ok(())
            }
        }
    )*};
}
displayed_field!(i64, i32, u32, NaiveDate, Decimal);

impl Field for bool {
    fn write(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
        out.push(if *self { b't' } else { b'f' });
        Ok(())
    }
}

/// Rows encoded for `COPY … FROM STDIN` (text format).
#[derive(Default)]
pub struct CopyRows {
    buf: Vec<u8>,
    fields_in_row: usize,
}

impl CopyRows {
    /// Appends one field to the current row.
    pub fn field(&mut self, value: impl Field) -> anyhow::Result<&mut Self> {
        if self.fields_in_row > 0 {
            self.buf.push(b'\t');
        }
        value.write(&mut self.buf)?;
        self.fields_in_row += 1;
        Ok(self)
    }

    /// Ends the current row.
    pub fn end_row(&mut self) {
        self.buf.push(b'\n');
        self.fields_in_row = 0;
    }

    #[cfg(test)]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// Runs `COPY {target} FROM STDIN` and sends the rows that `fill` writes, one call per item,
/// flushing every 256 KB. Returns the number of rows PostgreSQL stored.
pub async fn copy_in<T>(
    conn: &mut PgConnection,
    target: &str,
    items: impl IntoIterator<Item = T>,
    mut fill: impl FnMut(&mut CopyRows, T) -> anyhow::Result<()>,
) -> Result<u64, CopyError> {
    let mut copy = conn.copy_in_raw(&format!("COPY {target} FROM STDIN")).await?;
    let mut rows = CopyRows::default();
    for item in items {
        if let Err(error) = fill(&mut rows, item) {
            copy.abort("alcancia could not encode a row").await?;
            return Err(CopyError::Encode(error));
        }
        rows.end_row();
        if rows.buf.len() >= SEND_AT {
            copy.send(std::mem::take(&mut rows.buf)).await?;
        }
    }
    if !rows.buf.is_empty() {
        copy.send(rows.buf).await?;
    }
    Ok(copy.finish().await?)
}

/// Why a COPY failed: the database refused it (a constraint, a lost connection) or a value
/// could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Encode(anyhow::Error),
}

impl CopyError {
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Self::Database(sqlx::Error::Database(db)) if db.is_unique_violation())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_server;
    use super::*;

    fn row(fill: impl FnOnce(&mut CopyRows) -> anyhow::Result<()>) -> String {
        let mut rows = CopyRows::default();
        fill(&mut rows).unwrap();
        rows.end_row();
        String::from_utf8(rows.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn reserved_characters_are_escaped_and_none_is_null() {
        let text = row(|r| {
            r.field("a\tb\\c\nd\re")?.field(None::<&str>)?.field(Some("ñandú"))?.field(-1234i64)?;
            r.field(true)?.field(NaiveDate::from_ymd_opt(2012, 7, 1))?.field(Decimal::new(-501, 2))?;
            Ok(())
        });
        assert_eq!(text, "a\\tb\\\\c\\nd\\re\t\\N\tñandú\t-1234\tt\t2012-07-01\t-5.01\n");
    }

    #[test]
    fn the_end_of_data_marker_cannot_be_forged() {
        assert_eq!(row(|r| r.field("\\.").map(|_| ())), "\\\\.\n");
    }

    #[tokio::test]
    async fn awkward_text_survives_a_round_trip_through_postgresql() {
        use sqlx::Connection as _;
        let Some(url) = test_server() else { return };
        let mut conn = PgConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE TEMP TABLE t (n BIGINT, s TEXT, d DATE, a NUMERIC, b BOOLEAN)")
            .execute(&mut conn)
            .await
            .unwrap();
        let texts = [
            "tab\there",
            "line\nbreak\r\n",
            "back\\slash \\N \\.",
            "\\.",
            "ñandú «José» 😀",
            "",
            "a,b;\"c\"",
        ];
        let texts: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
        let rows: Vec<(i64, Option<&str>)> =
            texts.iter().enumerate().map(|(i, t)| (i as i64, Some(t.as_str()))).chain([(99, None)]).collect();
        let date = NaiveDate::from_ymd_opt(2012, 7, 31);
        let stored = copy_in(&mut conn, "t (n, s, d, a, b)", rows.clone(), |out, (n, s)| {
            out.field(n)?.field(s)?.field(date)?.field(Decimal::new(-12345, 3))?.field(n % 2 == 0)?;
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(stored, rows.len() as u64);
        let back: Vec<(i64, Option<String>, String)> =
            sqlx::query_as("SELECT n, s, d::text || ' ' || a::text || ' ' || b::text FROM t ORDER BY n")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for ((n, s), (m, t, rest)) in rows.iter().zip(&back) {
            assert_eq!((n, s.map(str::to_owned)), (m, t.clone()));
            assert_eq!(rest, &format!("2012-07-31 -12.345 {}", n % 2 == 0));
        }
    }

    #[test]
    fn a_nul_character_is_refused() {
        let mut rows = CopyRows::default();
        assert!(rows.field("a\0b").is_err());
    }
}
