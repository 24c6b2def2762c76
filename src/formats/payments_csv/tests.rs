//! Golden parse of a good batch file, trailer rules, and every-problem reporting.

use super::*;
use crate::formats::{parse_any, Location};
use pretty_assertions::assert_eq;

const A: &str = "01800000400588058608";
const B: &str = "01800100000000012380";
const C: &str = "01804000400588058766";

fn instruction(lote: &str, dni: &str, cuenta: &str, monto: Decimal, referencia: &str) -> Instruction {
    Instruction {
        lote: lote.into(),
        periodo: Period::parse("2012-07").unwrap(),
        dni: Dni::parse(dni).unwrap(),
        cuenta: Cci::parse(cuenta).unwrap(),
        monto,
        referencia: referencia.into(),
    }
}

fn problems_of(text: &str) -> Vec<Problem> {
    parse(text, &ParseOptions::default()).problems
}

#[test]
fn two_lotes_crlf_reordered_header_padded_trailer() {
    let path = format!("{}/tests/data/csv/good/payments_two_lotes.csv", env!("CARGO_MANIFEST_DIR"));
    let parsed = parse_any(&std::fs::read(path).unwrap(), &ParseOptions::default());
    assert_eq!(parsed.format, Format::PaymentsCsv);
    assert_eq!(parsed.problems, []);
    let expected = vec![
        Batch {
            lote: "L2012-07-A".into(),
            instructions: vec![
                instruction("L2012-07-A", "42388604", A, Decimal::new(10000, 2), "JP201207000001"),
                instruction("L2012-07-A", "70000001", C, Decimal::new(20050, 2), "JP201207000003"),
            ],
        },
        Batch {
            lote: "L2012-07-B".into(),
            instructions: vec![instruction(
                "L2012-07-B",
                "01234567",
                B,
                Decimal::new(100, 0),
                "JP201207000002",
            )],
        },
    ];
    assert_eq!(parsed.content, Content::Payments(expected));
}

#[test]
fn semicolon_batch_with_semicolon_trailer_is_valid() {
    let text = format!(
        "lote;periodo;dni;cuenta;monto;referencia\nL1;2012-07;42388604;{A};100.5;R-1\nTOTAL;1;100.50\n"
    );
    assert_eq!(problems_of(&text), []);
}

#[test]
fn trailer_sum_is_compared_as_an_exact_decimal() {
    let head = format!("lote,periodo,dni,cuenta,monto,referencia\nL1,2012-07,42388604,{A},0.1,R1\nL1,2012-07,01234567,{B},0.2,R2\n");
    assert_eq!(problems_of(&format!("{head}TOTAL,2,0.3\n")), []);
    assert_eq!(problems_of(&format!("{head}TOTAL,2,0.30\n")), []);
    let wrong = problems_of(&format!("{head}TOTAL,002,0.31\n"));
    assert_eq!(
        wrong,
        [Problem::at_line(4, "TOTAL", "control-total sum is 0.31 but the rows' monto add up to 0.30")]
    );
}

#[test]
fn every_problem_is_reported_and_count_and_sum_both_checked() {
    let text = format!(
        "lote,periodo,dni,cuenta,monto,referencia\n\
         ,2012-13,123,{A}9,0,R 1\n\
         L1,2012-07,42388604,{A},100,R1\n\
         TOTAL,1,1\n\
         L1,2012-07,42388604,{A},100,R1\n\
         TOTAL,1,100\n"
    );
    let parsed = parse(&text, &ParseOptions::default());
    let found: Vec<(Location, &str)> =
        parsed.problems.iter().map(|p| (p.location.clone(), p.field.as_str())).collect();
    let at = |n, f| (Location::Line(n), f);
    let expected = vec![
        at(2, "lote"),
        at(2, "periodo"),
        at(2, "dni"),
        at(2, "cuenta"),
        at(2, "monto"),
        at(2, "referencia"),
        at(4, "TOTAL"),
        at(5, "referencia"),
        at(6, "TOTAL"),
        at(6, "TOTAL"),
    ];
    assert_eq!(found, expected);
    assert!(parsed.problems[8].reason.contains("count is 1 but the file has 3"), "{:?}", parsed.problems[8]);
    assert!(parsed.problems[9].reason.contains("add up to 200.00"), "{:?}", parsed.problems[9]);
    let Content::Payments(batches) = parsed.content else { panic!("not payments") };
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].instructions.len(), 1);
}

#[test]
fn an_unreadable_amount_is_not_reported_again_as_a_wrong_sum() {
    let text =
        format!("lote,periodo,dni,cuenta,monto,referencia\nL1,2012-07,42388604,{A},1e3,R1\nTOTAL,1,1000\n");
    assert_eq!(problems_of(&text).len(), 1);
}

#[test]
fn a_batch_without_rows_is_refused() {
    let problems = problems_of("lote,periodo,dni,cuenta,monto,referencia\nTOTAL,0,0.00\n");
    assert_eq!(problems, [Problem::in_file("", "the batch has no instructions")]);
}

#[test]
fn a_lower_case_or_short_trailer_is_malformed() {
    let head = format!("lote,periodo,dni,cuenta,monto,referencia\nL1,2012-07,42388604,{A},1,R1\n");
    for trailer in ["total,1,1", "TOTAL,1", "TOTAL,1,1,x", "TOTAL,-1,1", "TOTAL,1,-1", "TOTALES,1,1"] {
        let problems = problems_of(&format!("{head}{trailer}\n"));
        assert_eq!(problems.len(), 1, "{trailer}: {problems:?}");
        assert!(problems[0].reason.starts_with("malformed"), "{trailer}: {problems:?}");
    }
}
