//! Tests of the camt.053 parser and writer: public samples, hand-made golden files, round trips
//! and never-panic properties.

use super::*;
use crate::formats::{Entry, EntryKind};
use chrono::NaiveDate;
use pretty_assertions::assert_eq;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn parse_with(rel: &str, currency: &str) -> ParsedFile {
    parse(&read(rel), &ParseOptions { currency: currency.into() })
}

fn statements(parsed: &ParsedFile) -> &[Statement] {
    match &parsed.content {
        Content::Statements(s) => s,
        other => panic!("no statements: {other:?}"),
    }
}

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn has_problem(parsed: &ParsedFile, location: &str, reason: &str) -> bool {
    parsed.problems.iter().any(|p| p.location.to_string().contains(location) && p.reason.contains(reason))
}

/// (opening, closing, entries, credits, debits) of each statement.
fn summary(parsed: &ParsedFile) -> Vec<(Decimal, Decimal, usize, Decimal, Decimal)> {
    statements(parsed)
        .iter()
        .map(|s| (s.opening, s.closing, s.entries.len(), s.credits(), s.debits()))
        .collect()
}

#[test]
fn accepted_samples_give_what_they_state() {
    let fi = parse_with("samples/camt053/moov-io-iso20022/FI_camt_053_sample.xml", "EUR");
    assert_eq!(fi.problems, vec![]);
    assert_eq!(fi.format, Format::Camt053("001.02".into()));
    assert_eq!(summary(&fi), vec![(dec("10000.00"), dec("23644.83"), 10, dec("23075.00"), dec("9430.17"))]);
    let be = parse_with("samples/camt053/subite-camt-to-coda/BE68793230773034-202411.xml", "EUR");
    assert_eq!(be.problems, vec![]);
    let st = &statements(&be)[0];
    assert_eq!((st.account.as_str(), st.from, st.to), ("BE68793230773034", d("2024-11-01"), d("2024-11-30")));
    assert_eq!(summary(&be), vec![(dec("59370.37"), dec("87539.12"), 268, dec("180000"), dec("151831.25"))]);
}

/// genkgo's multi-statement sample balances; its JSON (minor units) agrees with what we read.
#[test]
fn genkgo_multi_statement_matches_its_json() {
    let parsed = parse_with("samples/camt053/genkgo/camt053.v2.multi.statement.xml", "EUR");
    assert_eq!(parsed.problems, vec![]);
    let sts = statements(&parsed);
    assert_eq!(
        summary(&parsed),
        vec![
            (dec("18.15"), dec("27.00"), 1, dec("8.85"), dec("0")),
            (dec("27.00"), dec("20.00"), 1, dec("0"), dec("7.00")),
        ]
    );
    let json: serde_json::Value =
        serde_json::from_slice(&read("samples/camt053/genkgo/camt053.v2.multi.statement.json")).unwrap();
    let cents = |v: &serde_json::Value| Decimal::new(v.as_str().unwrap().parse().unwrap(), 2);
    let mut compared = 0;
    for entry in json["getEntries"].as_array().unwrap() {
        let record = &entry["getRecord"];
        let Some(balances) = record["getBalances"].as_array() else { continue };
        let balance = |t: &str| {
            balances.iter().find(|b| b["getType"] == t).map(|b| cents(&b["getAmount"]["getAmount"]))
        };
        let st = sts.iter().find(|s| Some(s.opening) == balance("opening")).unwrap();
        assert_eq!(Some(st.closing), balance("closing"));
        assert!(st.entries.iter().any(|e| e.amount == cents(&entry["getAmount"]["getAmount"])));
        compared += 1;
    }
    assert!(compared > 0);
}

#[test]
fn refused_samples_say_why_and_still_show_what_they_state() {
    let five = parse_with("samples/camt053/genkgo/camt053.v2.five.decimals.xml", "EUR");
    assert!(has_problem(&five, "/Stmt[1]/Ntry[1]/Amt", "more than 2 decimals"), "{:#?}", five.problems);
    assert_eq!(statements(&five)[0].entries[0].amount, dec("8.850"));
    for version in ["v2.minimal", "v3", "v4", "v8"] {
        let parsed = parse_with(&format!("samples/camt053/genkgo/camt053.{version}.xml"), "EUR");
        assert!(has_problem(&parsed, "/Stmt[1]/Bal[2]/Amt", "currency SEK is not the bank currency EUR"));
        assert!(has_problem(&parsed, "/Stmt[1]", "does not balance"), "{version}: {:#?}", parsed.problems);
        assert_eq!(summary(&parsed), vec![(dec("18.15"), dec("-27.00"), 1, dec("8.85"), dec("0"))]);
    }
    let v8 = parse_with("samples/camt053/genkgo/camt053.v8.xml", "EUR");
    assert_eq!(v8.format, Format::Camt053("001.08".into()));
    let post = parse_with(
        "samples/camt053/moov-io-iso20022/postfinance_camt.053.001.04_P_CH2909000000250094239_1110092698_0_2020112503071366.xml",
        "CHF",
    );
    assert!(has_problem(&post, "/Stmt[1]", "does not balance"), "{:#?}", post.problems);
    assert!(!has_problem(&post, "/Stmt[1]/Ntry[1]/Amt", "currency"));
    let pen = parse_with("samples/camt053/moov-io-iso20022/FI_camt_053_sample.xml", "PEN");
    assert!(has_problem(&pen, "/Stmt[1]/Ntry[10]/Amt", "currency EUR is not the bank currency PEN"));
    let lt = parse_with(
        "samples/camt053/subite-camt-to-coda/LT625883379695428516_camt053v08_2024-03-07.xml",
        "EUR",
    );
    assert!(has_problem(&lt, "/Stmt[1]/Ntry[1]", "Sts is missing"));
    assert!(has_problem(&lt, "/Stmt[1]/Bal[1]", "CdtDbtInd is missing"));
    let dttm = parse_with("samples/camt053/genkgo/camt53.only-Dt-with-DtTm.xml", "RON");
    assert!(has_problem(&dttm, "/Stmt[1]", "no closing balance"));
    assert!(has_problem(&dttm, "/Stmt[1]/Bal[1]/Amt", "more than 2 decimals"));
}

fn entry(
    date: &str,
    amount: &str,
    reversal: bool,
    referencia: Option<&str>,
    kind: EntryKind,
    text: &str,
) -> Entry {
    Entry {
        booking_date: d(date),
        value_date: None,
        amount: dec(amount),
        reversal,
        referencia: referencia.map(str::to_owned),
        kind,
        description: text.to_owned(),
    }
}

#[test]
fn golden_v02_file() {
    let parsed = parse_with("data/xml/good/camt053_v02_golden.xml", "PEN");
    assert_eq!(parsed.problems, vec![]);
    let mut first =
        entry("2024-03-05", "100.00", false, Some("REF-1"), EntryKind::Ordinary, "ABONO JUNTOS & CIA");
    first.value_date = Some(d("2024-03-06"));
    let expected = [
        Statement {
            account: "01800100012345678987".into(),
            from: d("2024-03-01"),
            to: d("2024-03-31"),
            opening: dec("200.00"),
            closing: dec("268.75"),
            entries: vec![
                first,
                entry("2024-03-10", "-30.00", true, None, EntryKind::Ordinary, ""),
                entry("2024-03-31", "-1.50", false, None, EntryKind::Charge, "COMISION"),
                entry("2024-03-31", "0.25", false, None, EntryKind::Interest, ""),
            ],
        },
        Statement {
            account: "PE12345678901234567890".into(),
            from: d("2024-03-03"),
            to: d("2024-03-12"),
            opening: dec("-50.00"),
            closing: dec("20.00"),
            entries: vec![
                entry("2024-03-12", "80", true, None, EntryKind::Ordinary, ""),
                entry("2024-03-03", "-10.0", false, Some("OP-77"), EntryKind::Ordinary, ""),
            ],
        },
    ];
    assert_eq!(statements(&parsed), &expected[..]);
}

#[test]
fn golden_v08_file() {
    let parsed = parse_with("data/xml/good/camt053_v08_golden.xml", "PEN");
    assert_eq!(parsed.problems, vec![]);
    assert_eq!(parsed.format.name(), "camt.053.001.08");
    let sts = statements(&parsed);
    assert_eq!(
        (sts[0].from, sts[0].to, sts[0].opening, sts[0].closing),
        (d("2024-05-02"), d("2024-05-02"), dec("-10.00"), dec("-5.00"))
    );
    assert_eq!(sts[0].entries, vec![entry("2024-05-02", "5.00", false, None, EntryKind::Ordinary, "")]);
    assert_eq!((sts[1].from, sts[1].to, sts[1].entries.len()), (d("2024-05-01"), d("2024-05-31"), 0));
}

fn arb_entry() -> impl Strategy<Value = Entry> {
    let kind = prop_oneof![Just(EntryKind::Ordinary), Just(EntryKind::Interest), Just(EntryKind::Charge)];
    (
        0u32..60,
        any::<bool>(),
        1i64..10_000_000,
        any::<bool>(),
        proptest::option::of("[A-Za-z0-9-]{1,16}"),
        kind,
        "[a-zA-Z0-9<>&\"' ]{0,20}",
        proptest::option::of(0u32..3),
    )
        .prop_filter_map(
            "referencia must not be a placeholder",
            |(day, credit, cents, reversal, referencia, kind, text, value)| {
                if referencia.as_deref().is_some_and(|r| r == "NONREF" || r == "NOTPROVIDED") {
                    return None;
                }
                let booking_date = d("2024-01-01") + chrono::Days::new(u64::from(day));
                Some(Entry {
                    booking_date,
                    value_date: value.map(|v| booking_date + chrono::Days::new(u64::from(v))),
                    amount: if credit { Decimal::new(cents, 2) } else { Decimal::new(-cents, 2) },
                    reversal,
                    referencia,
                    kind,
                    description: text.trim().to_owned(),
                })
            },
        )
}

fn arb_statement() -> impl Strategy<Value = Statement> {
    ("[A-Z0-9]{5,20}", -1_000_000i64..1_000_000, proptest::collection::vec(arb_entry(), 0..6)).prop_map(
        |(account, open, entries)| {
            let opening = Decimal::new(open, 2);
            let closing = opening + entries.iter().map(|e| e.amount).sum::<Decimal>();
            Statement { account, from: d("2024-01-01"), to: d("2024-03-31"), opening, closing, entries }
        },
    )
}

fn write(statements: &[Statement]) -> Vec<u8> {
    let created = d("2024-04-01").and_hms_opt(6, 0, 0).unwrap();
    let mut writer = Camt053Writer::new(Vec::new(), "MSG-1", created, "PEN").unwrap();
    for st in statements {
        writer.statement(st).unwrap();
    }
    writer.finish().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn written_statements_read_back(mut sts in proptest::collection::vec(arb_statement(), 1..4)) {
        for (i, st) in sts.iter_mut().enumerate() {
            st.account = format!("{}-{i}", st.account); // distinct accounts: no overlap
        }
        let parsed = parse(&write(&sts), &ParseOptions::default());
        prop_assert_eq!(&parsed.problems, &vec![]);
        let back = statements(&parsed);
        prop_assert_eq!(back.len(), sts.len());
        for (a, b) in back.iter().zip(&sts) {
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn parse_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse(&bytes, &ParseOptions::default());
    }

    #[test]
    fn parse_never_panics_on_mutated_files(at in any::<prop::sample::Index>(), len in 0usize..40, junk in proptest::collection::vec(any::<u8>(), 0..8)) {
        let mut bytes = read("data/xml/good/camt053_v02_golden.xml");
        let start = at.index(bytes.len());
        let end = (start + len).min(bytes.len());
        bytes.splice(start..end, junk);
        let _ = parse(&bytes, &ParseOptions::default());
    }
}

#[test]
fn prefixed_namespaces_are_read() {
    let text = std::str::from_utf8(&read("data/xml/good/camt053_v08_golden.xml")).unwrap().to_owned();
    let text = text
        .replace("<Document xmlns=", "<ns2:Document xmlns:ns2=")
        .replace("</Document>", "</ns2:Document>");
    let parsed = parse(text.as_bytes(), &ParseOptions::default());
    assert_eq!((parsed.problems, parsed.format.name()), (vec![], "camt.053.001.08".to_owned()));
}
