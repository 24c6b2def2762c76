//! Tests of the pain.001 parser and writer: public samples, a hand-made file, round trips and
//! never-panic properties.

use super::*;
use crate::domain::{Cci, Dni, Period};
use crate::formats::Instruction;
use pretty_assertions::assert_eq;
use proptest::prelude::*;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn parse_with(rel: &str, currency: &str) -> ParsedFile {
    parse(&read(rel), &ParseOptions { currency: currency.into() })
}

fn has_problem(parsed: &ParsedFile, location: &str, reason: &str) -> bool {
    parsed.problems.iter().any(|p| p.location.to_string().contains(location) && p.reason.contains(reason))
}

fn batches(parsed: &ParsedFile) -> &[Batch] {
    match &parsed.content {
        Content::Payments(b) => b,
        other => panic!("no batches: {other:?}"),
    }
}

#[test]
fn hand_made_file_gives_its_instructions() {
    let parsed = parse_with("data/xml/good/pain001_two.xml", "PEN");
    assert_eq!(parsed.problems, vec![]);
    assert_eq!(parsed.format, Format::Pain001("001.03".into()));
    let periodo = Period::parse("2024-03").unwrap();
    let instruction = |dni: &str, cuenta: &str, referencia: &str| Instruction {
        lote: "LOTE-1".into(),
        periodo,
        dni: Dni::parse(dni).unwrap(),
        cuenta: Cci::parse(cuenta).unwrap(),
        monto: "150.00".parse().unwrap(),
        referencia: referencia.into(),
    };
    let expected = [Batch {
        lote: "LOTE-1".into(),
        instructions: vec![
            instruction("12345678", "01800100012345678987", "REF-1"),
            instruction("87654321", "01800200098765432167", "REF-2"),
        ],
    }];
    assert_eq!(batches(&parsed), &expected[..]);
}

#[test]
fn samples_are_refused_with_clear_reasons() {
    let muster = parse_with("samples/pain001/moov-io-iso20022/musterfile_pain.001_Nov2020.xml", "CHF");
    assert!(
        has_problem(&muster, "/GrpHdr/NbOfTxs", "control count says \"7\" but there are 8"),
        "{:#?}",
        muster.problems
    );
    assert_eq!(batches(&muster).len(), 5);
    let king = parse_with("samples/pain001/sepa_king/pain.001.001.03.xml", "EUR");
    assert!(has_problem(&king, "/Document/CstmrCdtTrfInitn/GrpHdr", "CtrlSum is missing"));
    assert!(!has_problem(&king, "/PmtInf[1]/CtrlSum", ""), "its PmtInf totals are right");
    assert!(has_problem(&king, "/PmtInf[1]/CdtTrfTxInf[2]", "cuenta must be a CCI in CdtrAcct/Id/Othr/Id"));
    assert!(has_problem(&king, "/PmtInf[1]/CdtTrfTxInf[1]", "dni is missing"));
    assert_eq!(batches(&king)[0].lote, "Payment-Information-ID-4711");
    let sepa = parse_with("samples/pain001/moov-io-iso20022/sepa_payment_naujas_1.xml", "PEN");
    assert!(has_problem(
        &sepa,
        "/PmtInf[1]/CdtTrfTxInf[1]/Amt/InstdAmt",
        "currency EUR is not the bank currency PEN"
    ));
    assert!(!has_problem(&sepa, "CtrlSum", ""));
}

fn arb_batch(n: usize) -> impl Strategy<Value = Batch> {
    let instruction = (10_000_000u32..99_999_999, 0u64..999_999_999_999, 1i64..100_000_000, 0u16..999);
    (2020i32..2030, 1u32..13, proptest::collection::vec(instruction, 0..5)).prop_map(
        move |(year, month, rows)| {
            let periodo = Period::parse(&format!("{year}-{month:02}")).unwrap();
            let lote = format!("LOTE-{n}");
            let instructions = rows
                .into_iter()
                .enumerate()
                .map(|(i, (dni, account, cents, office))| Instruction {
                    lote: lote.clone(),
                    periodo,
                    dni: Dni::parse(&dni.to_string()).unwrap(),
                    cuenta: Cci::build(18, office, account),
                    monto: rust_decimal::Decimal::new(cents, 2),
                    referencia: format!("R{n}-{i}"),
                })
                .collect();
            Batch { lote, instructions }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn written_batches_read_back(a in arb_batch(1), b in arb_batch(2)) {
        let batches_in = vec![a, b];
        prop_assume!(batches_in.iter().any(|b| !b.instructions.is_empty()));
        let created = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(6, 0, 0).unwrap();
        let mut out = Vec::new();
        write_pain001(&mut out, "MSG-1", created, "PEN", &batches_in).unwrap();
        let parsed = parse(&out, &ParseOptions::default());
        prop_assert_eq!(&parsed.problems, &vec![]);
        prop_assert_eq!(batches(&parsed), &batches_in[..]);
    }

    #[test]
    fn parse_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse(&bytes, &ParseOptions::default());
    }

    #[test]
    fn parse_never_panics_on_mutated_files(at in any::<prop::sample::Index>(), len in 0usize..40, junk in proptest::collection::vec(any::<u8>(), 0..8)) {
        let mut bytes = read("data/xml/good/pain001_two.xml");
        let start = at.index(bytes.len());
        let end = (start + len).min(bytes.len());
        bytes.splice(start..end, junk);
        let _ = parse(&bytes, &ParseOptions::default());
    }
}
