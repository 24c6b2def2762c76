//! Golden files (`tests/data/mt940/*.sta`), one bad file per rule (`tests/data/mt940/bad/`),
//! writer round trips and no-panic properties.

use super::*;
use crate::formats::{parse_any, Entry, EntryKind, Location, Statement};
use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/mt940").join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap()
}

fn pen() -> ParseOptions {
    ParseOptions::default()
}

fn statements(parsed: &ParsedFile) -> &[Statement] {
    match &parsed.content {
        Content::Statements(statements) => statements,
        other => panic!("no statements: {other:?}"),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[test]
fn multi_statement_file_with_blocks_reversals_and_debit_opening() {
    let parsed = parse_any(&read("multi_statement.sta"), &pen());
    assert_eq!(parsed.format, Format::Mt940);
    assert!(parsed.is_valid(), "{:?}", parsed.problems);
    let sts = statements(&parsed);
    assert_eq!(sts.len(), 2);
    let first = &sts[0];
    assert_eq!(first.account, "01800000000000012345");
    assert_eq!((first.from, first.to), (day(2023, 12, 30), day(2024, 1, 5)));
    assert_eq!((first.opening, first.closing), (dec("-100"), dec("104.95")));
    let amounts: Vec<_> = first.entries.iter().map(|e| (e.amount, e.reversal, e.kind)).collect();
    assert_eq!(
        amounts,
        [
            (dec("250"), false, EntryKind::Ordinary),
            (dec("-50"), true, EntryKind::Ordinary),
            (dec("10"), true, EntryKind::Charge),
            (dec("-5.5"), false, EntryKind::Charge),
            (dec("0.45"), false, EntryKind::Interest),
        ]
    );
    let e = &first.entries[0];
    assert_eq!((e.value_date, e.booking_date), (Some(day(2023, 12, 30)), day(2024, 1, 2)));
    assert_eq!(e.referencia.as_deref(), Some("JUN-2024-0001"));
    assert_eq!(e.description, "ABONO JUNTOS\nENERO 2024");
    assert_eq!(first.entries[2].referencia, None);
    assert_eq!(first.entries[3].description, "");
    assert_eq!(first.entries[4].description, "INTERES");
    let second = &sts[1];
    assert_eq!((second.from, second.to, second.entries.len()), (day(2024, 1, 31), day(2024, 1, 31), 0));
}

#[test]
fn intermediate_pages_join_into_one_statement() {
    let parsed = parse_any(&read("pages.sta"), &pen());
    assert!(parsed.is_valid(), "{:?}", parsed.problems);
    let sts = statements(&parsed);
    assert_eq!(sts.len(), 2);
    let joined = &sts[0];
    assert_eq!(joined.account, "PE-ACC-1");
    assert_eq!((joined.from, joined.to), (day(2024, 3, 1), day(2024, 3, 31)));
    assert_eq!((joined.opening, joined.closing), (dec("1000"), dec("0")));
    let refs: Vec<_> = joined.entries.iter().map(|e| e.referencia.clone().unwrap()).collect();
    assert_eq!(refs, ["REF-A", "REF-B", "REF-C"]);
    assert_eq!(
        (sts[1].account.as_str(), sts[1].from, sts[1].to),
        ("PE-ACC-2", day(2024, 3, 1), day(2024, 3, 1))
    );
}

#[test]
fn windows_1252_text_is_decoded() {
    let bytes = read("cp1252.sta");
    assert!(std::str::from_utf8(&bytes).is_err());
    let parsed = parse(&crate::formats::encoding::decode(&bytes), &pen());
    assert!(parsed.is_valid(), "{:?}", parsed.problems);
    let st = &statements(&parsed)[0];
    assert_eq!(st.account, "CUENTA-Ñ");
    assert_eq!(st.entries[0].description, "DEPÓSITO DE MARÍA PEÑA");
}

#[test]
fn lf_and_crlf_read_alike() {
    let crlf = String::from_utf8(read("multi_statement.sta")).unwrap();
    let lf = crlf.replace("\r\n", "\n");
    let (a, b) = (parse(&crlf, &pen()), parse(&lf, &pen()));
    assert_eq!(a.content, b.content);
}

#[test]
fn every_bad_file_gives_its_expected_problem() {
    let expected = String::from_utf8(read("bad/EXPECTED.tsv")).unwrap();
    let mut listed = std::collections::BTreeSet::new();
    for row in expected.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = row.split('\t').collect();
        let [file, line, field, reason] = cols[..] else { panic!("bad row {row:?}") };
        listed.insert(file.to_owned());
        let parsed = parse_any(&read(&format!("bad/{file}")), &pen());
        assert_eq!(parsed.format, Format::Mt940, "{file} not detected as MT940");
        let location = if line == "file" { Location::File } else { Location::Line(line.parse().unwrap()) };
        let found = parsed
            .problems
            .iter()
            .any(|p| p.location == location && p.field.contains(field) && p.reason.contains(reason));
        assert!(found, "{file}: no problem at {location} / {field:?} / {reason:?} in {:#?}", parsed.problems);
    }
    for entry in std::fs::read_dir(data("bad")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(name == "EXPECTED.tsv" || listed.contains(&name), "{name} is not in EXPECTED.tsv");
    }
}

#[test]
fn mt942_is_refused_with_one_reason() {
    let parsed = parse(":20:X\n:25:A\n:28C:1\n:34F:EURD0,00\n:13D:1610301730+0000\n", &pen());
    assert_eq!(parsed.content, Content::Nothing);
    assert_eq!(parsed.problems.len(), 1);
    assert!(parsed.problems[0].reason.contains("MT942"));
}

#[test]
fn a_dash_before_a_tag_other_than_20_is_text() {
    let text = ":20:X\n:25:A\n:60F:C240101PEN0,\n:61:240102C1,NTRFR\n:86:LINE\n-\n:62F:C240102PEN1,\n-\n";
    let parsed = parse(text, &pen());
    assert!(parsed.is_valid(), "{:?}", parsed.problems);
    assert_eq!(statements(&parsed)[0].entries[0].description, "LINE\n-");
}

fn entry_strategy() -> impl Strategy<Value = Entry> {
    (
        0i64..60,
        -10i64..10,
        -100_000_000i64..100_000_000,
        any::<bool>(),
        proptest::option::of("[A-Z0-9][A-Z0-9-]{0,15}"),
        prop_oneof![Just(EntryKind::Ordinary), Just(EntryKind::Interest), Just(EntryKind::Charge)],
        prop_oneof![
            Just(String::new()),
            "[A-Za-z0-9 ]{0,20}[A-Za-z0-9]",
            "[A-Z]{1,10}\n[A-Za-z0-9][A-Za-z0-9 ]{0,10}[a-z]"
        ],
    )
        .prop_map(|(offset, value_shift, cents, reversal, referencia, kind, description)| {
            let booking_date = day(2024, 1, 1) + chrono::Days::new(offset.unsigned_abs());
            let value_date = booking_date.checked_add_signed(chrono::TimeDelta::days(value_shift));
            Entry {
                booking_date,
                value_date,
                amount: Decimal::new(cents, 2),
                reversal,
                referencia: referencia.filter(|r| r != "NONREF" && r != "NOTPROVIDED"),
                kind,
                description: description.trim_end().to_owned(),
            }
        })
}

fn statement_strategy() -> impl Strategy<Value = Statement> {
    (
        "[A-Z0-9]{5,20}",
        0u64..3000,
        0u64..40,
        -1_000_000_000i64..1_000_000_000,
        prop::collection::vec(entry_strategy(), 0..6),
    )
        .prop_map(|(account, start, length, cents, entries)| {
            let from = day(2000, 1, 2) + chrono::Days::new(start);
            let opening = Decimal::new(cents, 2);
            let closing = opening + entries.iter().map(|e| e.amount).sum::<Decimal>();
            Statement { account, from, to: from + chrono::Days::new(length), opening, closing, entries }
        })
}

fn write_all(statements: &[Statement]) -> String {
    let mut writer = Mt940Writer::new(Vec::new(), "PEN");
    for st in statements {
        writer.statement(st).unwrap();
    }
    String::from_utf8(writer.finish().unwrap()).unwrap()
}

#[test]
fn writer_output_is_detected_and_uses_crlf() {
    let st = Statement {
        account: "ACC".into(),
        from: day(2024, 1, 1),
        to: day(2024, 1, 1),
        opening: dec("-1"),
        closing: dec("-1"),
        entries: vec![],
    };
    let text = write_all(&[st]);
    assert_eq!(
        text,
        ":20:ALC0000000001\r\n:25:ACC\r\n:28C:1/1\r\n:60F:D231231PEN1,00\r\n:62F:D240101PEN1,00\r\n-\r\n"
    );
    assert_eq!(crate::formats::detect::sniff(text.as_bytes()), Format::Mt940);
}

#[test]
fn writer_refuses_what_would_not_be_a_standard_customer_reference() {
    let entry = |referencia: &str| crate::formats::Entry {
        booking_date: day(2024, 1, 1),
        value_date: None,
        amount: dec("1"),
        reversal: false,
        referencia: Some(referencia.into()),
        kind: crate::formats::EntryKind::Ordinary,
        description: String::new(),
    };
    for (referencia, ok) in [("J201207-00000001", true), ("J201207-000000012", false), ("A//B", false)] {
        let st = Statement {
            account: "ACC".into(),
            from: day(2024, 1, 1),
            to: day(2024, 1, 1),
            opening: dec("0"),
            closing: dec("1"),
            entries: vec![entry(referencia)],
        };
        let mut writer = Mt940Writer::new(Vec::new(), "PEN");
        assert_eq!(writer.statement(&st).is_ok(), ok, "{referencia}");
    }
}

proptest! {
    #[test]
    fn written_statements_read_back_the_same(sts in prop::collection::vec(statement_strategy(), 1..4)) {
        // Distinct accounts: two generated statements of one account could overlap.
        let mut sts = sts;
        for (i, st) in sts.iter_mut().enumerate() {
            st.account = format!("{}{i}", st.account);
        }
        let text = write_all(&sts);
        let parsed = parse(&text, &pen());
        prop_assert!(parsed.is_valid(), "{:?}\n{}", parsed.problems, text);
        prop_assert_eq!(statements(&parsed), &sts[..]);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,400}") {
        let _ = parse(&text, &pen());
        let _ = parse_any(text.as_bytes(), &pen());
    }

    #[test]
    fn tag_soup_never_panics(lines in prop::collection::vec(
        prop_oneof![
            Just(":20:X".to_owned()), Just(":25:A".to_owned()), Just("-".to_owned()), Just("-}".to_owned()),
            Just("{1:F01}{2:O940X}{4:".to_owned()), "(:6[012][FM]?:)[CDR]{0,2}[0-9]{0,10}[A-Z]{0,4}[0-9,]{0,6}",
            "(:61:)[0-9 ]{0,10}R?[CD][A-Z]?[0-9,]{0,8}[NFS]?[A-Z]{0,3}[A-Z/]{0,8}", ":86:.{0,10}", ".{0,12}",
        ], 0..30)) {
        let _ = parse(&lines.join("\n"), &pen());
    }

    #[test]
    fn mutated_valid_files_never_panic(at in 0usize..700, byte in any::<u8>(), cut in 0usize..700) {
        let mut bytes = read("multi_statement.sta");
        let at = at % bytes.len();
        bytes[at] = byte;
        bytes.truncate(cut.max(1));
        let _ = parse_any(&bytes, &pen());
    }
}
