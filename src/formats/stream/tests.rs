//! Streaming of the text formats (CSV roster, payments and movements, MT940): records leave
//! while most of a large file is still unread, raw Windows-1252 bytes stream through the
//! decoding reader to the same records, and `parse_reader` fed any text in any chunking gives
//! what `parse` gives over the whole text.

use super::*;
use crate::domain::{Cci, Period};
use crate::formats::{
    encoding, mt940, payments_csv, roster_csv, statement_csv, Location, ParseOptions, ParsedFile,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::cell::Cell;
use std::fmt::Write as _;
use std::io::{BufReader, Read};
use std::rc::Rc;

/// A reader that tells how many bytes it has handed out, and hands out at most `chunk` at a
/// time (to cut lines, records and characters anywhere).
struct Counting<'a> {
    bytes: &'a [u8],
    chunk: usize,
    read: Rc<Cell<usize>>,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.chunk).min(self.bytes.len());
        let (head, rest) = self.bytes.split_at(n);
        buf[..n].copy_from_slice(head);
        self.bytes = rest;
        self.read.set(self.read.get() + n);
        Ok(n)
    }
}

type Parse = fn(&str, &ParseOptions) -> ParsedFile;

/// The four text formats: roster, payments, movements, MT940.
const PARSE: [Parse; 4] = [roster_csv::parse, payments_csv::parse, statement_csv::parse, mt940::parse];

/// The `parse_reader` of format `which` (an index into [`PARSE`]) over any reader.
fn parse_reader<R: std::io::BufRead>(which: usize, input: R, sink: &mut dyn Sink) -> Outcome {
    let options = ParseOptions::default();
    match which {
        0 => roster_csv::parse_reader(input, &options, sink),
        1 => payments_csv::parse_reader(input, &options, sink),
        2 => statement_csv::parse_reader(input, &options, sink),
        _ => mt940::parse_reader(input, &options, sink),
    }
}

fn reader(bytes: &[u8], chunk: usize, capacity: usize) -> (BufReader<Counting<'_>>, Rc<Cell<usize>>) {
    let read = Rc::new(Cell::new(0));
    (BufReader::with_capacity(capacity, Counting { bytes, chunk, read: Rc::clone(&read) }), read)
}

/// Streams `text`: the records, how many bytes had been read when the first one arrived, and
/// the outcome.
fn stream(text: &str, which: usize) -> (Vec<Record>, Option<usize>, Outcome) {
    let (input, read) = reader(text.as_bytes(), usize::MAX, 8 * 1024);
    let (mut records, mut first_at) = (Vec::new(), None);
    let mut sink = |record: Record| {
        first_at = first_at.or(Some(read.get()));
        records.push(record);
    };
    let outcome = parse_reader(which, input, &mut sink);
    (records, first_at, outcome)
}

fn roster(rows: u32) -> String {
    let mut text = roster_csv::COLUMNS.join(",") + "\n";
    for i in 0..rows {
        let cuenta = Cci::build(18, 1, u64::from(i));
        let (dni, cuenta) = (10_000_000 + i, cuenta.as_str());
        let _ = writeln!(
            text,
            "2012-07,{dni},María,Peña,Quispe,050101,AYACUCHO,HUAMANGA,AYACUCHO,PILOTO,ACTIVO,{cuenta},100.00,0040,2.5"
        );
    }
    text
}

fn payments(rows: u32) -> String {
    let mut text = payments_csv::COLUMNS.join(";") + "\n";
    for i in 0..rows {
        let cuenta = Cci::build(18, 1, u64::from(i));
        let _ =
            writeln!(text, "LOTE-AÑO-2012;2012-07;{};{};100.00;JP{i:08}", 10_000_000 + i, cuenta.as_str());
    }
    text + &format!("TOTAL;{rows};{}.00\n", u64::from(rows) * 100)
}

/// `accounts` accounts of ten movements each, every balance continuing the one before.
fn movements(accounts: u32) -> String {
    let mut text = statement_csv::COLUMNS.join(",") + "\n";
    for a in 0..accounts {
        let mut saldo = 0;
        for day in 1..=10u32 {
            let (cargo, abono) = if day % 2 == 1 { ("", "100.00") } else { ("40.00", "") };
            saldo += if day % 2 == 1 { 100 } else { -40 };
            let _ = writeln!(
                text,
                "ACC{a:06},2012-07-{day:02},JP{a:06}{day:02},Interés del mes,{cargo},{abono},{saldo}.00"
            );
        }
    }
    text
}

/// `statements` single-page statements of ten entries each.
fn mt940_file(statements: u32) -> String {
    let mut text = String::new();
    for s in 0..statements {
        let _ = write!(text, ":20:STMT-{s}\r\n:25:ACC{s:06}\r\n:28C:1/1\r\n:60F:C120630PEN0,00\r\n");
        for day in 1..=10u32 {
            let _ = write!(text, ":61:1207{day:02}C10,00NTRFJP{s:06}\r\n:86:ABONO JUNTOS\r\nAÑO 2012\r\n");
        }
        text.push_str(":62F:C120710PEN100,00\r\n-\r\n");
    }
    text
}

#[test]
fn records_leave_while_most_of_the_file_is_unread() {
    let files = [roster(50_000), payments(50_000), movements(5_000), mt940_file(5_000)];
    let expected_records = [50_000, 50_000, 5_000, 5_000];
    for (which, (text, expected)) in files.iter().zip(expected_records).enumerate() {
        let (records, first_at, outcome) = stream(text, which);
        assert_eq!(outcome.problems, [], "{}", outcome.format.name());
        assert_eq!(records.len(), expected, "{}", outcome.format.name());
        let first_at = first_at.expect("a record");
        assert!(text.len() > 2_000_000, "{}: {} bytes", outcome.format.name(), text.len());
        // The csv reader's buffer (64 KiB) plus one read of the input's buffer, of megabytes.
        assert!(first_at < 100 * 1024, "{}: first record after {first_at} bytes", outcome.format.name());
    }
}

#[test]
fn raw_windows_1252_streams_to_the_records_of_the_decoded_text() {
    let small = [roster(3), payments(3), movements(2), mt940_file(2)];
    for (which, (text, parse)) in small.iter().zip(PARSE).enumerate() {
        let (raw, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
        assert!(!unmappable && raw.len() < text.len(), "the text has accents to transcode");
        assert_eq!(encoding::TextEncoding::of(&raw), encoding::TextEncoding::Windows1252);
        let decoded = encoding::decode(&raw);
        let text_records = stream(&decoded, which).0;
        let streamed = encoding::decoding_reader(&*raw, encoding::TextEncoding::Windows1252).expect("reader");
        let mut collector = Collector::default();
        let mut records = Vec::new();
        let mut both = |record: Record| {
            collector.put(record.clone());
            records.push(record);
        };
        let outcome = parse_reader(which, BufReader::new(streamed), &mut both);
        assert_eq!(records, text_records);
        let whole = parse(&decoded, &ParseOptions::default());
        assert_eq!((&outcome.problems, &whole.problems), (&vec![], &vec![]));
        assert_eq!(collector.into_content(&outcome.format), whole.content);
    }
}

#[test]
fn an_interrupted_account_keeps_its_place_and_its_rows() {
    let text = "cuenta,fecha,referencia,descripcion,cargo,abono,saldo\n\
        B,2012-13-01,,X,,1,1\nC,2012-07-01,,X,,1,1\nB,2012-07-02,,X,,1,2\nB,2012-07-03,,X,1,,1\n";
    let parsed = statement_csv::parse(text, &ParseOptions::default());
    let fields: Vec<(&Location, &str)> =
        parsed.problems.iter().map(|p| (&p.location, p.field.as_str())).collect();
    assert_eq!(fields, [(&Location::Line(2), "fecha"), (&Location::Line(4), "cuenta")]);
    let Content::Statements(statements) = parsed.content else { panic!("statements") };
    let summary: Vec<(&str, usize, Decimal, Decimal)> =
        statements.iter().map(|s| (s.account.as_str(), s.entries.len(), s.opening, s.closing)).collect();
    // B's first row is not whole (its fecha), so B's statement is its run after C's rows, which
    // starts afresh: opening from that run's first row (saldo 2 − abono 1). B keeps its place.
    assert_eq!(summary, [("B", 2, Decimal::ONE, Decimal::ONE), ("C", 1, Decimal::ZERO, Decimal::ONE)]);
}

#[test]
fn a_roster_without_a_whole_row_keeps_its_period() {
    let text = format!("{}\n2012-07,1,,,,,,,,,,,,,\n", roster_csv::COLUMNS.join(","));
    let parsed = roster_csv::parse(&text, &ParseOptions::default());
    let period = Period::parse("2012-07").expect("period");
    assert_eq!(parsed.content, Content::Roster(Roster { period, rows: vec![] }));
}

#[test]
fn mt940_statements_leave_in_file_order_once_final() {
    let page = |n: &str, acc: &str, open: &str, close: &str| {
        format!(":20:{n}\n:25:{acc}\n:{open}\n:61:240102C10,NTRFX\n:{close}\n-\n")
    };
    let text = page("1", "A", "60F:C240101PEN0,", "62M:C240102PEN10,")
        + &page("2", "B", "60F:C240101PEN0,", "62F:C240102PEN10,")
        + &page("3", "A", "60M:C240102PEN10,", "62F:C240103PEN20,");
    let (records, _, outcome) = stream(&text, 3);
    assert_eq!(outcome.problems, []);
    let accounts: Vec<(&str, usize)> = records
        .iter()
        .map(|r| match r {
            Record::Statement(s) => (s.account.as_str(), s.entries.len()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(accounts, [("A", 2), ("B", 1)]);
}

/// Hands out its bytes, then fails.
struct Failing<'a>(&'a [u8]);

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::other("disk gone"));
        }
        let n = self.0.read(buf)?;
        Ok(n)
    }
}

#[test]
fn a_read_error_is_a_problem_where_reading_stopped() {
    let files = [roster(2), payments(2), movements(1), mt940_file(1)];
    let expected =
        [(4, "unreadable CSV record"), (5, "unreadable CSV record"), (12, "unreadable CSV record")];
    for (which, text) in files.iter().enumerate() {
        let mut records = 0;
        let outcome =
            parse_reader(which, BufReader::new(Failing(text.as_bytes())), &mut |_: Record| records += 1);
        let failure = outcome.problems.iter().find(|p| p.reason.contains("disk gone")).expect("the failure");
        match expected.get(which) {
            Some((line, reason)) => {
                assert_eq!(failure.location, Location::Line(*line), "{}", outcome.format.name());
                assert!(failure.reason.starts_with(reason), "{}", failure.reason);
            }
            None => assert_eq!(failure.location, Location::Line(37)),
        }
        assert!(records > 0, "{}: what was read whole still went on", outcome.format.name());
    }
}

fn agrees(text: &str, chunk: usize, capacity: usize) -> Result<(), TestCaseError> {
    for (which, parse) in PARSE.into_iter().enumerate() {
        let whole = parse(text, &ParseOptions::default());
        let (input, _) = reader(text.as_bytes(), chunk, capacity);
        let mut collector = Collector::default();
        let outcome = parse_reader(which, input, &mut collector);
        prop_assert_eq!(&outcome.format, &whole.format);
        prop_assert_eq!(&outcome.problems, &whole.problems, "{:?}", text);
        prop_assert_eq!(collector.into_content(&outcome.format), whole.content, "{:?}", text);
    }
    Ok(())
}

proptest! {
    #[test]
    fn parse_reader_in_any_chunks_agrees_with_parse(text in "(?s).{0,300}", chunk in 1usize..9, capacity in 1usize..17) {
        agrees(&text, chunk, capacity)?;
    }

    #[test]
    fn parse_reader_agrees_on_file_like_text(
        lines in prop::collection::vec(prop::sample::select(vec![
            "cuenta;fecha;referencia;descripcion;cargo;abono;saldo", "A;2012-07-01;;Interés;;1;1", "A;2012-07-02;;X;1;;0",
            "B;2012-07-01;;\"x\r\ny\";;2;2", "", " ", ";;", "TOTAL;1;1", ":20:X", ":25:A", ":60F:C240101PEN0,",
            ":61:240102C1,NTRFX", ":86:AÑO", "-", ":62F:C240102PEN1,", ":62M:C240102PEN1,", ":60M:C240102PEN1,",
            "{1:F01}{4:", "-}", "lote,periodo,dni,cuenta,monto,referencia",
            "L1,2012-07,42388604,01800000400588058608,100,R1", "TOTAL,1,100",
        ]), 0..24),
        crlf in any::<bool>(), chunk in 1usize..9, capacity in 1usize..17,
    ) {
        agrees(&lines.join(if crlf { "\r\n" } else { "\n" }), chunk, capacity)?;
    }
}
