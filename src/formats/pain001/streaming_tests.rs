//! Tests of the streaming parse: instructions reach the sink one by one as the file is read,
//! control totals are checked from running counts and sums, hostile input late in a file is
//! still refused, and any cut of the input into reads parses alike.

use super::*;
use crate::formats::stream::Outcome;
use crate::formats::xml_guard::testing::{chunked, Counted, Generated};
use crate::formats::Instruction;
use proptest::prelude::*;
use std::cell::Cell;
use std::io::BufReader;
use std::rc::Rc;

fn head(count: usize, sum: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn><GrpHdr><MsgId>M</MsgId><CreDtTm>2024-03-01T00:00:00</CreDtTm><NbOfTxs>{count}</NbOfTxs><CtrlSum>{sum}</CtrlSum></GrpHdr>
<PmtInf><PmtInfId>LOTE-1</PmtInfId><PmtMtd>TRF</PmtMtd><NbOfTxs>{count}</NbOfTxs><CtrlSum>{sum}</CtrlSum><ReqdExctnDt>2024-03-01</ReqdExctnDt><Dbtr><Nm>PROGRAMA JUNTOS</Nm></Dbtr>
"#
    )
}

const TAIL: &str = "</PmtInf>\n</CstmrCdtTrfInitn></Document>\n";

/// The `i`-th transaction of a generated file: 1.50 to a valid DNI and CCI, all the same length.
fn nth(i: usize) -> Vec<u8> {
    format!(
        "<CdtTrfTxInf><PmtId><EndToEndId>R-{i:08}</EndToEndId></PmtId><Amt><InstdAmt Ccy=\"PEN\">1.50</InstdAmt></Amt>\
         <Cdtr><Nm>X</Nm><Id><PrvtId><Othr><Id>12345678</Id><SchmeNm><Cd>NIDN</Cd></SchmeNm></Othr></PrvtId></Id></Cdtr>\
         <CdtrAcct><Id><Othr><Id>01800100012345678987</Id></Othr></Id></CdtrAcct></CdtTrfTxInf>\n"
    )
    .into_bytes()
}

/// What reached the sink, in order: `B:lote` for a batch, the referencia for an instruction,
/// with the bytes read by then.
type Seen = Vec<(String, u64)>;

/// Parses a generated file of `count` transactions whose headers state `stated` and `sum`.
fn stream(count: usize, stated: usize, sum: &str, tail: &str) -> (Outcome, Seen, u64) {
    struct Recorder {
        read: Rc<Cell<u64>>,
        seen: Seen,
    }
    impl Sink for Recorder {
        fn put(&mut self, record: Record) {
            let Record::Instruction(instruction) = record else { panic!("not an instruction: {record:?}") };
            self.seen.push((instruction.referencia, self.read.get()));
        }
        fn begin_batch(&mut self, lote: &str) {
            self.seen.push((format!("B:{lote}"), self.read.get()));
        }
    }
    let read = Rc::new(Cell::new(0u64));
    let file = Generated::new(head(stated, sum).as_bytes(), count, nth, tail.as_bytes());
    let reader = BufReader::new(Counted { inner: file, count: read.clone() });
    let mut recorder = Recorder { read: read.clone(), seen: Vec::new() };
    let outcome = parse_reader(reader, &ParseOptions::default(), &mut recorder);
    (outcome, recorder.seen, read.get())
}

/// 20,000 transactions: each instruction reaches the sink before the reader has gone more than
/// a few buffers past its end, after its batch was announced once; the totals stated before
/// the transactions are checked against running counts at the end.
#[test]
fn instructions_reach_the_sink_one_by_one() {
    let count = 20_000;
    let (outcome, seen, total) = stream(count, count, "30000.00", TAIL);
    assert_eq!(outcome, Outcome { format: Format::Pain001("001.03".into()), problems: vec![] });
    assert_eq!(seen.len(), count + 1);
    assert_eq!((seen[0].0.as_str(), seen[1].0.as_str()), ("B:LOTE-1", "R-00000000"));
    assert_eq!(seen[count].0, "R-00019999");
    let (head_len, piece) = (head(count, "30000.00").len() as u64, nth(0).len() as u64);
    assert_eq!(total, head_len + piece * count as u64 + TAIL.len() as u64);
    let slack = 32 * 1024;
    for (i, (_, at)) in seen.iter().skip(1).enumerate() {
        let end_of_transaction = head_len + piece * (i as u64 + 1);
        assert!(
            (end_of_transaction..end_of_transaction + slack).contains(at),
            "transaction {i} after {at} bytes"
        );
    }
}

#[test]
fn control_totals_stated_first_are_checked_at_the_end() {
    let (outcome, seen, _) = stream(1_000, 999, "1500.01", TAIL);
    assert_eq!(seen.len(), 1_001, "the instructions are still handed on");
    let group = "/Document/CstmrCdtTrfInitn/GrpHdr";
    let pmt = "/Document/CstmrCdtTrfInitn/PmtInf[1]";
    let count = "control count says \"999\" but there are 1000 transactions";
    let sum = "control sum says \"1500.01\" but the transactions add up to 1500.00";
    let expected = vec![
        Problem::at_element(format!("{pmt}/NbOfTxs"), "NbOfTxs", count),
        Problem::at_element(format!("{pmt}/CtrlSum"), "CtrlSum", sum),
        Problem::at_element(format!("{group}/NbOfTxs"), "NbOfTxs", count),
        Problem::at_element(format!("{group}/CtrlSum"), "CtrlSum", sum),
    ];
    assert_eq!(outcome.problems, expected);
}

#[test]
fn a_doctype_after_a_long_valid_prefix_is_refused() {
    let rest: String = (5_000..10_000).map(|i| String::from_utf8(nth(i)).unwrap()).collect();
    let tail = format!("<!DOCTYPE Document [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>{rest}{TAIL}");
    let (outcome, seen, total) = stream(5_000, 10_000, "15000.00", &tail);
    let refusal =
        Problem::in_file("", "<!DOCTYPE is not allowed in XML input (DTDs and entities are refused)");
    assert_eq!(outcome.problems, vec![refusal]);
    assert_eq!(seen.len(), 5_001);
    let prefix = (head(10_000, "15000.00").len() + nth(0).len() * 5_000) as u64;
    assert!(total < prefix + 64 * 1024, "read {total} bytes of {}", prefix as usize + tail.len());
}

/// Each `PmtInf` is a batch of its own, announced even without a valid instruction.
#[test]
fn every_payment_information_is_announced() {
    let text = String::from_utf8(
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/xml/good/pain001_two.xml")).unwrap(),
    )
    .unwrap();
    let empty = "<PmtInf><PmtInfId>LOTE-0</PmtInfId><ReqdExctnDt>2024-03-01</ReqdExctnDt></PmtInf>\n";
    let text = text.replacen("<PmtInf>", &format!("{empty}<PmtInf>"), 1);
    let mut collector = Collector::default();
    let outcome = parse_reader(text.as_bytes(), &ParseOptions::default(), &mut collector);
    assert_eq!(outcome.problems, vec![]);
    let Content::Payments(batches) = collector.into_content(&outcome.format) else { panic!("no batches") };
    let lotes: Vec<(&str, usize)> = batches.iter().map(|b| (b.lote.as_str(), b.instructions.len())).collect();
    assert_eq!(lotes, [("LOTE-0", 0), ("LOTE-1", 2)]);
}

/// A batch's `PmtInfId` or `ReqdExctnDt` after its transactions is a problem: the transactions
/// were handed on without it.
#[test]
fn batch_fields_after_the_transactions_are_problems() {
    let text = String::from_utf8(
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/xml/good/pain001_two.xml")).unwrap(),
    )
    .unwrap();
    let late = text
        .replacen("<PmtInfId>LOTE-1</PmtInfId>", "", 1)
        .replacen("<ReqdExctnDt>2024-03-01</ReqdExctnDt>", "", 1)
        .replacen(
            "</PmtInf>",
            "<PmtInfId>LOTE-1</PmtInfId><ReqdExctnDt>2024-03-01</ReqdExctnDt></PmtInf>",
            1,
        );
    let parsed = parse(late.as_bytes(), &ParseOptions::default());
    let pmt = "/Document/CstmrCdtTrfInitn/PmtInf[1]";
    let expected = vec![
        Problem::at_element(
            format!("{pmt}/PmtInfId"),
            "PmtInfId",
            "PmtInfId must come before the transactions (CdtTrfTxInf)",
        ),
        Problem::at_element(
            format!("{pmt}/ReqdExctnDt"),
            "ReqdExctnDt",
            "ReqdExctnDt must come before the transactions (CdtTrfTxInf)",
        ),
    ];
    assert_eq!(parsed.problems, expected);
    let Content::Payments(batches) = parsed.content else { panic!("no batches") };
    assert_eq!(batches, [Batch { lote: "LOTE-1".into(), instructions: Vec::<Instruction>::new() }]);
}

/// Parses through reads of `sizes` and compares with the whole-file parse.
fn agrees(bytes: &[u8], sizes: Vec<usize>) -> Result<(), TestCaseError> {
    let whole = parse(bytes, &ParseOptions::default());
    let mut collector = Collector::default();
    let outcome = parse_reader(chunked(bytes, sizes), &ParseOptions::default(), &mut collector);
    prop_assert_eq!(&outcome.format, &whole.format);
    prop_assert_eq!(&outcome.problems, &whole.problems);
    let content = match collector.into_content(&outcome.format) {
        Content::Payments(b) if b.is_empty() => Content::Nothing,
        content => content,
    };
    prop_assert_eq!(content, whole.content);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

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
        let mut bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/xml/good/pain001_two.xml")).unwrap();
        let start = at.index(bytes.len());
        let end = (start + len).min(bytes.len());
        bytes.splice(start..end, junk);
        agrees(&bytes, sizes)?;
    }
}
