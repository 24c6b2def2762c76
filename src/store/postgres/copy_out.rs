//! Bulk reads through `COPY (SELECT …) TO STDOUT WITH (FORMAT csv)`.
//!
//! A period's large reads are millions of rows. Through the query protocol sqlx builds a row
//! object for every `DataRow` and looks each column up by name or index; at 700,000 women that
//! cost several times what the server took to run the queries. `COPY` sends the same rows as
//! CSV text, which [`CsvDecoder`] decodes with `csv_core` as the chunks arrive (nothing buffered
//! beyond the row being read), handing each row's fields to the caller by position.
//!
//! CSV cannot tell a NULL from an empty string once decoded (PostgreSQL writes NULL as an
//! unquoted empty field and `""` for an empty string, but `csv_core` does not say whether a
//! field was quoted), so a query selects `column IS NULL` beside each nullable column.

use crate::store::rows::schema_date;
use chrono::NaiveDate;
use csv_core::{ReadRecordResult, Reader};
use futures_util::TryStreamExt;
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};

/// Runs `COPY (SELECT {columns} {rest}) TO STDOUT WITH (FORMAT csv)` on a connection of its own
/// and hands every row to `each`, in the order the server sends them. `table` and `columns` name
/// a bad field in errors; the first column is never free text (csv_core drops a UTF-8
/// byte-order mark at the start of its input). `COPY` takes no bind parameters: `rest` carries
/// its values inline (only dates and numbers, see [`date_literal`]).
pub async fn copy_out(
    pool: &PgPool,
    table: &'static str,
    columns: &'static [&'static str],
    rest: &str,
    mut each: impl FnMut(&Fields<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let sql = format!("COPY (SELECT {} {rest}) TO STDOUT WITH (FORMAT csv)", columns.join(", "));
    let mut copying = Copying { conn: pool.acquire().await?, read_to_the_end: false };
    stream(&mut copying.conn, &sql, CsvDecoder::new(table, columns), &mut each).await?;
    copying.read_to_the_end = true;
    Ok(())
}

/// A pooled connection in `COPY … TO STDOUT`. If its output was not read to the end (an error,
/// or the read dropped by `try_join!` when another read failed), sqlx would hand it out again
/// with the rest of the rows still queued and the next query would read them: it is closed
/// instead of going back to the pool.
struct Copying {
    conn: PoolConnection<Postgres>,
    read_to_the_end: bool,
}

impl Drop for Copying {
    fn drop(&mut self) {
        if !self.read_to_the_end {
            self.conn.close_on_drop();
        }
    }
}

async fn stream(
    conn: &mut PgConnection,
    sql: &str,
    mut decoder: CsvDecoder,
    each: &mut impl FnMut(&Fields<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut chunks = conn.copy_out_raw(sql).await?;
    while let Some(chunk) = chunks.try_next().await? {
        decoder.feed(&chunk, each)?;
    }
    decoder.finish(each).map(|_| ())
}

/// A date as a literal for a `COPY` query (its `Display` is `YYYY-MM-DD`: nothing to escape).
pub fn date_literal(date: NaiveDate) -> String {
    format!("DATE '{date}'")
}

/// Decodes CSV rows fed in chunks cut anywhere (inside a field, a quoted field or between the
/// two characters of `""`); each complete row goes to the caller as [`Fields`].
pub struct CsvDecoder {
    table: &'static str,
    columns: &'static [&'static str],
    reader: Reader,
    /// The current row's field bytes, unquoted, and where each field ends in them.
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    rows: u64,
}

impl CsvDecoder {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Self {
            table,
            columns,
            // PostgreSQL's CSV: comma, `"` quotes, `""` inside quotes, rows ended by a newline
            // (a value holding a newline or a carriage return is quoted); csv_core's defaults.
            reader: Reader::new(),
            out: vec![0; 256],
            out_len: 0,
            // One more than the row should have: a row with more fields stops as soon as it has.
            ends: vec![0; columns.len() + 1],
            ends_len: 0,
            rows: 0,
        }
    }

    /// Decodes `chunk`, handing each row it completes to `each`.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        each: &mut impl FnMut(&Fields<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        // csv_core reads an empty input as the end of the data.
        if chunk.is_empty() {
            return Ok(());
        }
        self.decode(chunk, false, each)
    }

    /// Ends the data: a last row without its newline is still a row. Returns the rows decoded.
    pub fn finish(mut self, each: &mut impl FnMut(&Fields<'_>) -> anyhow::Result<()>) -> anyhow::Result<u64> {
        self.decode(&[], true, each)?;
        Ok(self.rows)
    }

    fn decode(
        &mut self,
        mut input: &[u8],
        end: bool,
        each: &mut impl FnMut(&Fields<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        loop {
            // Only the end may call with nothing left: csv_core takes an empty input as the end.
            if input.is_empty() && !end {
                return Ok(());
            }
            let (result, read, written, ended) = self.reader.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            input = &input[read..];
            self.out_len += written;
            self.ends_len += ended;
            match result {
                ReadRecordResult::Record => self.row(each)?,
                ReadRecordResult::InputEmpty | ReadRecordResult::End => return Ok(()),
                ReadRecordResult::OutputFull => {
                    let doubled = self.out.len() * 2;
                    self.out.resize(doubled, 0);
                }
                ReadRecordResult::OutputEndsFull => anyhow::bail!(
                    "Bad row {} of {} in database: more than the {} fields expected",
                    self.rows + 1,
                    self.table,
                    self.columns.len()
                ),
            }
        }
    }

    fn row(&mut self, each: &mut impl FnMut(&Fields<'_>) -> anyhow::Result<()>) -> anyhow::Result<()> {
        self.rows += 1;
        let fields = Fields {
            table: self.table,
            columns: self.columns,
            row: self.rows,
            bytes: &self.out[..self.out_len],
            ends: &self.ends[..self.ends_len],
        };
        if fields.ends.len() != self.columns.len() {
            anyhow::bail!(
                "Bad row {} of {} in database: {} fields where {} were expected",
                self.rows,
                self.table,
                fields.ends.len(),
                self.columns.len()
            );
        }
        each(&fields)?;
        self.out_len = 0;
        self.ends_len = 0;
        Ok(())
    }
}

/// One decoded row: its fields by position (the query's column order).
pub struct Fields<'a> {
    table: &'static str,
    columns: &'static [&'static str],
    row: u64,
    bytes: &'a [u8],
    ends: &'a [usize],
}

impl<'a> Fields<'a> {
    fn raw(&self, i: usize) -> &'a [u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// An error naming the row, the table and the field.
    pub fn bad(&self, i: usize, why: impl std::fmt::Display) -> anyhow::Error {
        let value = String::from_utf8_lossy(self.raw(i));
        anyhow::anyhow!(
            "Bad row {} of {} in database: {} {:?}: {why}",
            self.row,
            self.table,
            self.columns[i],
            crate::domain::dni::shorten(&value)
        )
    }

    pub fn text(&self, i: usize) -> anyhow::Result<&'a str> {
        std::str::from_utf8(self.raw(i)).map_err(|_| self.bad(i, "not UTF-8"))
    }

    /// An integer as PostgreSQL writes it: an optional `-` and digits. Read from the bytes
    /// (five or six of them in every row: no UTF-8 check, no `str::parse`).
    pub fn int(&self, i: usize) -> anyhow::Result<i64> {
        let raw = self.raw(i);
        let (negative, digits) = match raw.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, raw),
        };
        // Accumulated negatively: i64::MIN has no positive counterpart.
        let number = (!digits.is_empty())
            .then_some(digits)
            .and_then(|d| {
                d.iter().try_fold(0i64, |n, b| {
                    b.is_ascii_digit().then_some(())?;
                    n.checked_mul(10)?.checked_sub(i64::from(b - b'0'))
                })
            })
            .and_then(|n| if negative { Some(n) } else { n.checked_neg() });
        number.ok_or_else(|| self.bad(i, "not a 64-bit integer"))
    }

    /// A date as PostgreSQL writes it with `DateStyle` ISO (sqlx's setting): `YYYY-MM-DD`.
    pub fn date(&self, i: usize) -> anyhow::Result<NaiveDate> {
        schema_date(self.text(i)?).map_err(|_| self.bad(i, "not a YYYY-MM-DD date"))
    }

    /// A boolean as PostgreSQL writes it: `t` or `f`.
    pub fn flag(&self, i: usize) -> anyhow::Result<bool> {
        match self.raw(i) {
            b"t" => Ok(true),
            b"f" => Ok(false),
            _ => Err(self.bad(i, "not a boolean (t or f)")),
        }
    }

    /// A nullable text selected as `column IS NULL, column` (field `i` the flag, `i + 1` the
    /// text): CSV alone cannot tell NULL from an empty string (module comment).
    pub fn optional_text(&self, i: usize) -> anyhow::Result<Option<&'a str>> {
        if self.flag(i)? {
            if !self.raw(i + 1).is_empty() {
                return Err(self.bad(i + 1, "a value where the row says NULL"));
            }
            return Ok(None);
        }
        self.text(i + 1).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[&str] =
        &["id", "account", "booking_date", "reversal", "referencia IS NULL", "referencia"];

    /// Decodes `chunks` in turn; each row as its fields' debug text.
    fn decode(chunks: &[&[u8]]) -> anyhow::Result<Vec<String>> {
        let mut decoder = CsvDecoder::new("entries", COLUMNS);
        let mut rows = Vec::new();
        let mut each = |f: &Fields<'_>| -> anyhow::Result<()> {
            rows.push(format!(
                "{} {:?} {} {} {:?}",
                f.int(0)?,
                f.text(1)?,
                f.date(2)?,
                f.flag(3)?,
                f.optional_text(4)?
            ));
            Ok(())
        };
        for chunk in chunks {
            decoder.feed(chunk, &mut each)?;
        }
        let count = decoder.finish(&mut each)?;
        assert_eq!(count as usize, rows.len());
        Ok(rows)
    }

    /// PostgreSQL's CSV for a NULL referencia, an empty one, and texts that must be quoted.
    const CSV: &[u8] = b"1,ACC-1,2012-07-01,f,t,\n\
        2,\"a,b\",2012-07-31,t,f,\"\"\n\
        3,\"say \"\"hi\"\"\nthere\",2012-02-29,f,f,\"x\r\ny\"\n\
        -4,\xc3\xb1and\xc3\xba,2012-08-10,f,f,R-9\n";

    fn expected() -> Vec<String> {
        vec![
            "1 \"ACC-1\" 2012-07-01 false None".to_owned(),
            "2 \"a,b\" 2012-07-31 true Some(\"\")".to_owned(),
            "3 \"say \\\"hi\\\"\\nthere\" 2012-02-29 false Some(\"x\\r\\ny\")".to_owned(),
            "-4 \"ñandú\" 2012-08-10 false Some(\"R-9\")".to_owned(),
        ]
    }

    #[test]
    fn rows_decode_exactly_whatever_the_chunks() {
        assert_eq!(decode(&[CSV]).unwrap(), expected());
        // Every split in two: inside fields, quotes, `""`, `\r\n`, a UTF-8 character, between
        // a row's newline and the next.
        for at in 0..=CSV.len() {
            assert_eq!(decode(&[&CSV[..at], &CSV[at..]]).unwrap(), expected(), "split at {at}");
        }
        // One byte at a time, empty chunks among them.
        let bytes: Vec<&[u8]> = CSV.chunks(1).flat_map(|b| [b, &b""[..]]).collect();
        assert_eq!(decode(&bytes).unwrap(), expected());
    }

    #[test]
    fn integers_are_read_to_their_limits() {
        let rows = decode(&[b"9223372036854775807,a,2012-07-01,f,t,\n-9223372036854775808,a,2012-07-01,f,t,\n-0,a,2012-07-01,f,t,\n"]).unwrap();
        assert!(
            rows[0].starts_with("9223372036854775807 ") && rows[1].starts_with("-9223372036854775808 "),
            "{rows:?}"
        );
        assert!(rows[2].starts_with("0 "), "{rows:?}");
    }

    #[test]
    fn a_last_row_without_its_newline_is_read() {
        assert_eq!(decode(&[b"1,ACC-1,2012-07-01,f,t,"]).unwrap(), expected()[..1]);
        assert_eq!(decode(&[b""]).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn null_and_empty_text_differ_only_by_their_flag() {
        // An unquoted empty field and `""` decode alike: the flag column tells them apart.
        let rows = decode(&[b"1,a,2012-07-01,f,t,\n2,a,2012-07-01,f,f,\n3,a,2012-07-01,f,f,\"\"\n"]).unwrap();
        assert!(rows[0].ends_with("None"), "{rows:?}");
        assert!(rows[1].ends_with("Some(\"\")") && rows[2].ends_with("Some(\"\")"), "{rows:?}");
        let error = decode(&[b"1,a,2012-07-01,f,t,x\n"]).unwrap_err().to_string();
        assert!(error.contains("referencia \"x\""), "{error}");
    }

    #[test]
    fn a_bad_row_names_its_table_row_and_field() {
        let error = |csv: &[u8]| decode(&[CSV, csv]).unwrap_err().to_string();
        let e = error(b"5,a,2012-13-01,f,t,\n");
        assert!(e.starts_with("Bad row 5 of entries in database: booking_date \"2012-13-01\""), "{e}");
        let e = error(b"x5,a,2012-07-01,f,t,\n");
        assert!(e.contains("row 5 of entries") && e.contains("id \"x5\": not a 64-bit integer"), "{e}");
        for bad in ["", "-", "+5", "1.0", "9223372036854775808", "-9223372036854775809", "1 "] {
            let e = error(format!("{bad},a,2012-07-01,f,t,\n").as_bytes());
            assert!(e.contains("id") && e.contains("not a 64-bit integer"), "{bad:?}: {e}");
        }
        let e = error(b"5,a,2012-07-01,true,t,\n");
        assert!(e.contains("reversal \"true\": not a boolean"), "{e}");
        let e = error(b"5,a,2012-07-01,f,t\n");
        assert!(e.contains("row 5 of entries") && e.contains("5 fields where 6 were expected"), "{e}");
        let e = error(b"5,a,2012-07-01,f,t,,\n");
        assert!(e.contains("row 5 of entries") && e.contains("7 fields where 6 were expected"), "{e}");
        let e = error(b"5,a,2012-07-01,f,t,,,,,,,\n");
        assert!(e.contains("row 5 of entries") && e.contains("more than the 6 fields"), "{e}");
        let e = error(b"5,\xff,2012-07-01,f,t,\n");
        assert!(e.contains("account") && e.contains("not UTF-8"), "{e}");
    }

    #[tokio::test]
    async fn rows_read_through_copy_match_the_query_protocol() {
        let Some(url) = super::super::test_server() else { return };
        // One connection: a read that fails half way must not hand it on with rows still queued.
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        let texts = [
            "",
            "a,b",
            "say \"hi\"\nthere",
            "x\r\ny",
            "\\N",
            "ñandú «José» 😀",
            "NULL",
            " lead",
            "\"",
            "\\.",
        ];
        let mut values: Vec<String> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| format!("({i}, '{}', DATE '2012-07-01' + {i})", t.replace('\'', "''")))
            .collect();
        values.push(format!("({}, NULL, DATE '2012-08-10')", texts.len()));
        // A regular table: `copy_out` takes a connection of its own.
        let table = format!("copy_out_test_{}", std::process::id());
        let create =
            format!("CREATE TABLE {table} AS SELECT * FROM (VALUES {}) v (n, s, d)", values.join(", "));
        sqlx::query(&create).execute(&pool).await.unwrap();
        let expected: Vec<(i64, Option<String>, NaiveDate)> =
            sqlx::query_as(&format!("SELECT n::BIGINT, s, d FROM {table} ORDER BY n"))
                .fetch_all(&pool)
                .await
                .unwrap();
        const TEST_COLUMNS: &[&str] = &["n", "s IS NULL", "s", "d"];
        let rest = format!("FROM {table} ORDER BY n");
        let mut read = Vec::new();
        let copied = copy_out(&pool, "the test table", TEST_COLUMNS, &rest, |f| {
            read.push((f.int(0)?, f.optional_text(1)?.map(str::to_owned), f.date(3)?));
            Ok(())
        })
        .await;
        let failed = copy_out(&pool, "the test table", &["s"], &rest, |f| f.int(0).map(|_| ())).await;
        let one: Result<i32, _> = sqlx::query_scalar("SELECT 1").fetch_one(&pool).await;
        sqlx::query(&format!("DROP TABLE {table}")).execute(&pool).await.unwrap();
        copied.unwrap();
        assert_eq!(read, expected);
        assert_eq!(read.len(), texts.len() + 1);
        let failed = failed.unwrap_err().to_string();
        assert!(
            failed.starts_with("Bad row 1 of the test table in database: s \"\": not a 64-bit integer"),
            "{failed}"
        );
        assert_eq!(one.unwrap(), 1);
    }
}
