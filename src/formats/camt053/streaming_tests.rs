//! Tests of the streaming parse: statements reach the sink one by one as the file is read, the
//! in-file overlap check over the compact index finds what `overlapping_pairs` finds, hostile
//! input late in a file is still refused, and any cut of the input into reads parses alike.

use super::*;
use crate::formats::overlapping_pairs;
use crate::formats::xml_guard::testing::{chunked, Counted, Generated};
use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::cell::Cell;
use std::io::BufReader;
use std::rc::Rc;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2024-04-01T00:00:00</CreDtTm></GrpHdr>
"#;
const TAIL: &str = "</BkToCstmrStmt></Document>\n";

/// A balanced statement of `account` over `from..=to` with one booked credit of 1.00.
fn stmt(account: &str, from: &str, to: &str) -> String {
    let bal = |code: &str, amount: &str, date: &str| {
        format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"PEN\">{amount}</Amt>\
             <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{date}</Dt></Dt></Bal>"
        )
    };
    format!(
        "<Stmt><Id>S</Id><FrToDt><FrDtTm>{from}T00:00:00</FrDtTm><ToDtTm>{to}T23:59:59</ToDtTm></FrToDt>\
         <Acct><Id><Othr><Id>{account}</Id></Othr></Id></Acct>{}{}\
         <Ntry><Amt Ccy=\"PEN\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
         <BookgDt><Dt>{from}</Dt></BookgDt></Ntry></Stmt>\n",
        bal("OPBD", "10.00", from),
        bal("CLBD", "11.00", to)
    )
}

/// The `i`-th statement of a generated file: every account once, all the same length.
fn nth(i: usize) -> Vec<u8> {
    stmt(&format!("ACC-{i:08}"), "2024-03-01", "2024-03-31").into_bytes()
}

/// Parses `count` generated statements (then `tail`) from a reader that counts the bytes it
/// gives; returns the outcome, the accounts received and the bytes read when each arrived.
fn stream(count: usize, tail: &str) -> (Outcome, Vec<String>, Vec<u64>, u64) {
    let read = Rc::new(Cell::new(0u64));
    let file = Generated::new(HEAD.as_bytes(), count, nth, tail.as_bytes());
    let reader = BufReader::new(Counted { inner: file, count: read.clone() });
    let (mut accounts, mut read_at) = (Vec::new(), Vec::new());
    let mut sink = |record: Record| {
        let Record::Statement(statement) = record else { panic!("not a statement: {record:?}") };
        accounts.push(statement.account);
        read_at.push(read.get());
    };
    let outcome = parse_reader(reader, &ParseOptions::default(), &mut sink);
    (outcome, accounts, read_at, read.get())
}

/// 20,000 statements (about 12 MB): each reaches the sink before the reader has gone more
/// than a few buffers past its end, so memory never holds more than one of them.
#[test]
fn statements_reach_the_sink_one_by_one() {
    let count = 20_000;
    let (outcome, accounts, read_at, total) = stream(count, TAIL);
    assert_eq!(outcome, Outcome { format: Format::Camt053("001.02".into()), problems: vec![] });
    assert_eq!(accounts.len(), count);
    assert_eq!((accounts[0].as_str(), accounts[count - 1].as_str()), ("ACC-00000000", "ACC-00019999"));
    let piece = nth(0).len() as u64;
    assert_eq!(total, (HEAD.len() + TAIL.len()) as u64 + piece * count as u64);
    // Read ahead at most the head sniffed, the decoder's and the reader's buffers.
    let slack = 32 * 1024;
    assert!(read_at[0] < slack, "the first statement came after {} bytes", read_at[0]);
    for (i, at) in read_at.iter().enumerate() {
        let end_of_statement = HEAD.len() as u64 + piece * (i as u64 + 1);
        assert!((end_of_statement..end_of_statement + slack).contains(at), "statement {i} after {at} bytes");
    }
}

/// A DOCTYPE halfway through a long valid file stops the parse there: the statements before it
/// were handed on (the store rolls them back with the file), none after it, and the rest of the
/// file is never read.
#[test]
fn a_doctype_after_a_long_valid_prefix_is_refused() {
    let rest: String = (0..5_000).map(|i| stmt(&format!("LATE-{i}"), "2024-03-01", "2024-03-31")).collect();
    let tail = format!("<!-- <!doctype Document [<!ENTITY x 'y'>]> -->{rest}{TAIL}");
    let (outcome, accounts, _, total) = stream(5_000, &tail);
    let refusal =
        Problem::in_file("", "<!DOCTYPE is not allowed in XML input (DTDs and entities are refused)");
    assert_eq!(outcome.problems, vec![refusal]);
    assert_eq!(accounts.len(), 5_000);
    let prefix = (HEAD.len() + nth(0).len() * 5_000) as u64;
    assert!(total < prefix + 64 * 1024, "read {total} bytes of {}", prefix as usize + tail.len());
}

/// An overlap between the last statement and the fourth is found from the compact index.
#[test]
fn overlaps_are_found_across_the_whole_file() {
    let tail = format!("{}{TAIL}", stmt("ACC-00000003", "2024-03-31", "2024-04-30"));
    let (outcome, accounts, _, _) = stream(3_000, &tail);
    assert_eq!(accounts.len(), 3_001);
    let reason = "statement of account ACC-00000003 from 2024-03-31 to 2024-04-30 overlaps \
                  /Document/BkToCstmrStmt/Stmt[4] (from 2024-03-01 to 2024-03-31)";
    let at = Problem::at_element("/Document/BkToCstmrStmt/Stmt[3001]", "FrToDt", reason);
    assert_eq!(outcome.problems, vec![at]);
}

/// Latin-1 named by the declaration, and UTF-16 named by a BOM, are decoded as they stream.
#[test]
fn declared_encodings_are_decoded_as_they_stream() {
    let text = format!("{HEAD}{}{TAIL}", stmt("PEÑA-1", "2024-03-01", "2024-03-31"));
    let expected = parse(text.as_bytes(), &ParseOptions::default());
    let Content::Statements(sts) = &expected.content else { panic!("{:?}", expected.problems) };
    assert_eq!(sts[0].account, "PEÑA-1");
    let latin = text.replacen("UTF-8", "ISO-8859-1", 1);
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode(&latin);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    for bytes in [latin.into_owned(), utf16] {
        let mut collector = Collector::default();
        let outcome = parse_reader(chunked(&bytes, vec![1, 7, 3]), &ParseOptions::default(), &mut collector);
        assert_eq!(outcome.problems, vec![]);
        assert_eq!(collector.into_content(&outcome.format), expected.content);
    }
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(u64::from(day))
}

/// Parses through reads of `sizes` and compares with the whole-file parse.
fn agrees(bytes: &[u8], sizes: Vec<usize>) -> Result<(), TestCaseError> {
    let whole = parse(bytes, &ParseOptions::default());
    let mut collector = Collector::default();
    let outcome = parse_reader(chunked(bytes, sizes), &ParseOptions::default(), &mut collector);
    prop_assert_eq!(&outcome.format, &whole.format);
    prop_assert_eq!(&outcome.problems, &whole.problems);
    let content = match collector.into_content(&outcome.format) {
        Content::Statements(s) if s.is_empty() => Content::Nothing,
        content => content,
    };
    prop_assert_eq!(content, whole.content);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The overlaps read off the compact index are those `overlapping_pairs` finds over the
    /// whole statements, with the same messages, in the same order.
    #[test]
    fn overlaps_match_overlapping_pairs(spans in proptest::collection::vec((0usize..3, 0u32..60, 0u32..20), 1..12)) {
        let statements: Vec<Statement> = spans
            .iter()
            .map(|&(account, start, days)| Statement {
                account: format!("ACC-{account}"),
                from: date(start),
                to: date(start + days),
                opening: Decimal::ZERO,
                closing: Decimal::ZERO,
                entries: Vec::new(),
            })
            .collect();
        let body: String = statements
            .iter()
            .map(|s| stmt(&s.account, &s.from.to_string(), &s.to.to_string()))
            .collect();
        let parsed = parse(format!("{HEAD}{body}{TAIL}").as_bytes(), &ParseOptions::default());
        let path = |i: usize| format!("/Document/BkToCstmrStmt/Stmt[{}]", i + 1);
        let expected: Vec<Problem> = overlapping_pairs(&statements)
            .into_iter()
            .map(|(a, b)| {
                let (first, second) = (&statements[a], &statements[b]);
                let reason = format!(
                    "statement of account {} from {} to {} overlaps {} (from {} to {})",
                    second.account, second.from, second.to, path(a), first.from, first.to
                );
                Problem::at_element(path(b), "FrToDt", reason)
            })
            .collect();
        prop_assert_eq!(parsed.problems, expected);
    }

    #[test]
    fn reads_of_any_size_parse_like_the_whole_file(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        sizes in proptest::collection::vec(1usize..64, 1..4),
    ) {
        agrees(&bytes, sizes)?;
    }

    #[test]
    fn mutated_files_parse_alike_in_reads_of_any_size(
        at in any::<prop::sample::Index>(),
        len in 0usize..40,
        junk in proptest::collection::vec(any::<u8>(), 0..8),
        sizes in proptest::collection::vec(1usize..64, 1..4),
    ) {
        let mut bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/xml/good/camt053_v02_golden.xml")).unwrap();
        let start = at.index(bytes.len());
        let end = (start + len).min(bytes.len());
        bytes.splice(start..end, junk);
        agrees(&bytes, sizes)?;
    }
}
