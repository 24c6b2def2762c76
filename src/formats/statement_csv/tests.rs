//! Golden parse of a good movements file, the marks read from `descripcion`, and the running
//! balance, date order and contiguity rules. (The one-bad-file-per-rule directory is walked in
//! `csv_common::tests`, for the three CSV kinds at once.)

use super::*;
use crate::formats::{parse_any, Location};
use pretty_assertions::assert_eq;

const A: &str = "01800000400588058608";
const D: &str = "01825000009876543214";
const HEADER: &str = "cuenta,fecha,referencia,descripcion,cargo,abono,saldo\n";

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn entry(
    date: &str,
    cents: i64,
    referencia: Option<&str>,
    kind: EntryKind,
    reversal: bool,
    text: &str,
) -> Entry {
    Entry {
        booking_date: day(date),
        value_date: None,
        amount: Decimal::new(cents, 2),
        reversal,
        referencia: referencia.map(String::from),
        kind,
        description: text.into(),
    }
}

fn statements_of(parsed: &ParsedFile) -> &[Statement] {
    match &parsed.content {
        Content::Statements(statements) => statements,
        other => panic!("not statements: {other:?}"),
    }
}

#[test]
fn two_accounts_with_interest_charges_reversal_and_overdraft() {
    let path = format!("{}/tests/data/csv/good/movements_two_accounts.csv", env!("CARGO_MANIFEST_DIR"));
    let parsed = parse_any(&std::fs::read(path).unwrap(), &ParseOptions::default());
    assert_eq!(parsed.format, Format::StatementCsv);
    assert_eq!(parsed.problems, []);
    use EntryKind::{Charge, Interest, Ordinary};
    let expected = vec![
        Statement {
            account: A.into(),
            from: day("2012-07-05"),
            to: day("2012-08-02"),
            opening: Decimal::new(5000, 2),
            closing: Decimal::new(10800, 2),
            entries: vec![
                entry("2012-07-05", 10000, Some("JP201207000001"), Ordinary, false, "ABONO JUNTOS"),
                entry("2012-07-05", -4000, None, Ordinary, false, "RETIRO; CAJERO"),
                entry("2012-07-31", 5, None, Interest, false, "Interés del mes"),
                entry("2012-08-02", -205, None, Charge, false, "Comisión mantenimiento"),
            ],
        },
        Statement {
            account: D.into(),
            from: day("2012-07-10"),
            to: day("2012-07-13"),
            opening: Decimal::ZERO,
            closing: Decimal::new(-150, 2),
            entries: vec![
                entry("2012-07-10", 10000, Some("JP201207000009"), Ordinary, false, "ABONO JUNTOS"),
                entry("2012-07-12", -10000, Some("JP201207000009"), Ordinary, true, "extorno abono juntos"),
                entry("2012-07-13", -150, None, Charge, false, "COMISION"),
            ],
        },
    ];
    assert_eq!(statements_of(&parsed), expected.as_slice());
    for s in statements_of(&parsed) {
        assert_eq!(s.opening + s.entries.iter().map(|e| e.amount).sum::<Decimal>(), s.closing);
    }
}

#[test]
fn descriptions_are_folded_for_accents_and_case() {
    assert_eq!(kind_of("Interés ganado"), (EntryKind::Interest, false));
    assert_eq!(kind_of("INTERÉS"), (EntryKind::Interest, false));
    assert_eq!(kind_of("comisión por mantenimiento"), (EntryKind::Charge, false));
    assert_eq!(kind_of("Extorno de abono"), (EntryKind::Ordinary, true));
    assert_eq!(kind_of("ABONO INTERES"), (EntryKind::Ordinary, false));
}

#[test]
fn balances_may_be_negative_but_movements_may_not() {
    assert_eq!(parse_balance("-1.5"), Ok(Decimal::new(-15, 1)));
    assert!(parse_balance("--1").is_err());
    assert!(parse_balance("+1").is_err());
    assert!(parse_date("2012-7-01").is_err());
    assert!(parse_date("+2012-07-01").is_err());
    assert_eq!(parse_date("2012-02-29"), Ok(day("2012-02-29")));
}

#[test]
fn a_broken_balance_is_reported_once_and_the_balance_reanchors() {
    let text =
        format!("{HEADER}{A},2012-07-01,,X,,10,10\n{A},2012-07-02,,X,,5,16\n{A},2012-07-03,,X,1,,15\n");
    let parsed = parse(&text, &ParseOptions::default());
    assert_eq!(
        parsed.problems,
        [Problem::at_line(
            3,
            "saldo",
            "running balance broken: expected saldo 15.00 (saldo 10.00 of line 2 + 5.00), found 16.00"
        )]
    );
    let s = &statements_of(&parsed)[0];
    assert_eq!((s.opening, s.closing, s.entries.len()), (Decimal::ZERO, Decimal::new(15, 0), 3));
}

#[test]
fn every_problem_is_reported() {
    let text = format!(
        "{HEADER}{A},2012-07-05,,X,,10,10\n{D},2012-07-01,,X,,1,1\n{A},2012-07-04,,X,1,1,9\n{A},2012-07-31,,X,,,9\n,2012-07-31,,X,,1,10\n{A},x\n"
    );
    let parsed = parse(&text, &ParseOptions::default());
    let found: Vec<(Location, &str)> =
        parsed.problems.iter().map(|p| (p.location.clone(), p.field.as_str())).collect();
    let at = |n, f| (Location::Line(n), f);
    // Line 4's account reappears: that is the problem; its run is checked on its own (its
    // fecha, earlier than line 2's, is not compared with where the account left off).
    let expected =
        vec![at(4, "cargo/abono"), at(4, "cuenta"), at(5, "cargo/abono"), at(6, "cuenta"), at(7, "")];
    assert_eq!(found, expected);
    assert_eq!(statements_of(&parsed).len(), 2);
}

#[test]
fn a_header_only_file_is_refused() {
    let parsed = parse(HEADER, &ParseOptions::default());
    assert_eq!(parsed.problems, [Problem::in_file("", "the file has no movements")]);
    assert_eq!(parsed.content, Content::Statements(vec![]));
}

/// Each reappearance names the line where the account's latest run ended, however often the
/// account comes back; every run still reaches the statement (joined for the whole file).
#[test]
fn every_reappearance_names_the_end_of_the_accounts_latest_run() {
    let text = format!(
        "{HEADER}{A},2012-07-01,,X,,10,10\n{D},2012-07-01,,X,,1,1\n{A},2012-07-02,,X,,5,15\n\
         {A},2012-07-03,,X,,5,20\n{D},2012-07-02,,X,,1,2\n{A},2012-07-04,,X,1,,19\n"
    );
    let parsed = parse(&text, &ParseOptions::default());
    let found: Vec<(Location, String)> =
        parsed.problems.iter().map(|p| (p.location.clone(), p.reason.clone())).collect();
    let reappears = |line, account, ended| {
        let shown = crate::domain::dni::shorten(account);
        let reason = format!(
            "account {shown:?} reappears after other accounts' rows (its rows ended on line {ended}); \
             each account's rows must be contiguous"
        );
        (Location::Line(line), reason)
    };
    assert_eq!(found, [reappears(4, A, 2), reappears(6, D, 3), reappears(7, A, 5)]);
    let statements = statements_of(&parsed);
    let a = statements.iter().find(|s| s.account == A).expect("A");
    assert_eq!((a.entries.len(), a.opening, a.closing), (4, Decimal::ZERO, Decimal::new(19, 0)));
}
