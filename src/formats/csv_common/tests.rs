//! Tests of the shared CSV reading; the one-bad-file-per-rule directory `tests/data/csv/bad/`,
//! each file parsed through detection with `parse_any`, its first expected problem given in
//! `EXPECTED.tsv` as `file<TAB>line<TAB>field<TAB>reason substring` (line a number, or `file`
//! for a whole-file problem; field empty for none); and the never-panic property of the three
//! CSV parsers.

use super::*;
use crate::formats::{parse_any, Location, ParseOptions};
use proptest::prelude::*;
use std::path::Path;

fn table(text: &str) -> (Table, Vec<Problem>) {
    let mut problems = Vec::new();
    let table = read_table(text, &mut problems).expect("a header");
    (table, problems)
}

#[test]
fn delimiter_is_the_more_frequent_with_comma_on_a_tie() {
    assert_eq!(detect_delimiter("a;b;c"), b';');
    assert_eq!(detect_delimiter("a,b,c"), b',');
    assert_eq!(detect_delimiter("a;b,c"), b',');
    assert_eq!(detect_delimiter("a;b;c,d"), b';');
    assert_eq!(detect_delimiter("abc"), b',');
}

#[test]
fn physical_lines_count_blank_lines_crlf_and_quoted_line_breaks() {
    let text = "\r\nA;B\r\n\r\n1;\"x\r\ny\"\r\n  \r\n;\r\n2; z \r\n";
    let (table, problems) = table(text);
    assert!(problems.is_empty());
    assert_eq!(table.delimiter, b';');
    assert_eq!(table.header_line, 2);
    assert_eq!(table.header, ["a", "b"]);
    let lines: Vec<u64> = table.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [4, 8]);
    assert_eq!(table.records[0].cells, ["1", "x\r\ny"]);
    assert_eq!(table.records[1].cells, ["2", "z"]);
}

#[test]
fn header_is_trimmed_case_insensitive_and_any_order() {
    let (table, _) = table("\u{feff} Monto ,DNI,extra\n5,12345678,x\n");
    let mut problems = Vec::new();
    let columns = map_columns(&table.header, &["dni", "monto"], &mut problems).expect("columns");
    let record = &table.records[0];
    assert_eq!((columns.cell(record, "dni"), columns.cell(record, "monto")), ("12345678", "5"));
    assert_eq!(columns.width, 3);
}

#[test]
fn every_missing_or_repeated_column_is_named() {
    let mut problems = Vec::new();
    let header: Vec<String> = ["dni", "dni", "x"].map(String::from).to_vec();
    assert!(map_columns(&header, &["dni", "monto", "cuenta"], &mut problems).is_none());
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["dni", "monto", "cuenta"]);
    assert!(problems.iter().all(|p| p.location == Location::File));
}

#[test]
fn a_text_of_empty_cells_has_no_header() {
    let mut problems = Vec::new();
    assert!(read_table(",,\n , \n", &mut problems).is_none());
    assert_eq!(problems, [Problem::in_file("", "the file has no header line")]);
}

#[test]
fn an_empty_text_is_a_file_problem() {
    let mut problems = Vec::new();
    assert!(read_table(" \n\r\n", &mut problems).is_none());
    assert_eq!(problems, [Problem::in_file("", "the file is empty")]);
}

#[test]
fn wrong_width_is_a_problem_on_its_line() {
    let (table, _) = table("a,b\n1,2\n\n1,2,3\n");
    let mut problems = Vec::new();
    let columns = map_columns(&table.header, &["a", "b"], &mut problems).expect("columns");
    assert!(check_width(&table.records[0], &columns, &mut problems));
    assert!(!check_width(&table.records[1], &columns, &mut problems));
    assert_eq!(problems, [Problem::at_line(4, "", "expected 2 fields as in the header, found 3")]);
}

/// One expected first problem of a bad file.
struct Expected {
    file: String,
    location: Location,
    field: String,
    reason: String,
}

fn read_expected(dir: &Path) -> Vec<Expected> {
    let text = std::fs::read_to_string(dir.join("EXPECTED.tsv")).expect("EXPECTED.tsv");
    let lines = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    lines
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "EXPECTED.tsv line {l:?}");
            let location = if cols[1] == "file" {
                Location::File
            } else {
                Location::Line(cols[1].parse().expect("line"))
            };
            Expected { file: cols[0].into(), location, field: cols[2].into(), reason: cols[3].into() }
        })
        .collect()
}

#[test]
fn each_bad_file_yields_its_expected_problem() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/csv/bad");
    let expected = read_expected(&dir);
    let listed: Vec<&str> = expected.iter().map(|e| e.file.as_str()).collect();
    for entry in std::fs::read_dir(&dir).expect("bad dir") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(name == "EXPECTED.tsv" || listed.contains(&name.as_str()), "{name} is not in EXPECTED.tsv");
    }
    for e in &expected {
        let parsed = parse_any(&std::fs::read(dir.join(&e.file)).expect("file"), &ParseOptions::default());
        let prefix = e.file.split('_').next().unwrap_or("");
        let format = parsed.format.name();
        assert!(format.ends_with(prefix), "{}: detected as {format}", e.file);
        let first = parsed.problems.first().unwrap_or_else(|| panic!("{}: no problem found", e.file));
        let ok = first.location == e.location && first.field == e.field && first.reason.contains(&e.reason);
        assert!(
            ok,
            "{}: expected {:?} {:?} ~{:?}, got {:?}",
            e.file, e.location, e.field, e.reason, parsed.problems
        );
    }
}

#[test]
fn each_good_file_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/csv/good");
    for entry in std::fs::read_dir(&dir).expect("good dir") {
        let path = entry.expect("entry").path();
        let parsed = parse_any(&std::fs::read(&path).expect("file"), &ParseOptions::default());
        assert!(parsed.is_valid(), "{}: {:?}", path.display(), parsed.problems);
    }
}

proptest! {
    #[test]
    fn no_csv_parser_panics_on_arbitrary_text(text in "(?s).{0,400}") {
        let options = ParseOptions::default();
        for parse in [crate::formats::roster_csv::parse, crate::formats::payments_csv::parse, crate::formats::statement_csv::parse] {
            let parsed = parse(&text, &options);
            prop_assert!(!parsed.is_valid() || parsed.content != crate::formats::Content::Nothing);
        }
    }

    #[test]
    fn no_csv_parser_panics_on_csv_like_text(
        header in prop::sample::select(vec![
            "periodo,dni,nombres,apellido_paterno,apellido_materno,ubigeo,departamento,provincia,distrito,grupo,estado,cuenta,monto,agencia,distancia_km",
            "lote;periodo;dni;cuenta;monto;referencia",
            "cuenta,fecha,referencia,descripcion,cargo,abono,saldo",
        ]),
        rows in prop::collection::vec(prop::collection::vec("[-0-9A-Za-z.\"é ]{0,22}", 0..16), 0..8),
        trailer in "(TOTAL[;,][0-9]{0,3}[;,][0-9.]{0,6})?",
    ) {
        let delimiter = if header.contains(';') { ";" } else { "," };
        let body: Vec<String> = rows.iter().map(|r| r.join(delimiter)).collect();
        let text = format!("{header}\n{}\n{trailer}\n", body.join("\r\n"));
        let parsed = parse_any(text.as_bytes(), &ParseOptions::default());
        prop_assert!(!parsed.is_valid() || parsed.content != crate::formats::Content::Nothing);
    }
}
