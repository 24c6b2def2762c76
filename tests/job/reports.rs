//! Golden tests of the person-facing reports of the hand-built story (tests/data/story/README):
//! the HTML's structure and numbers (not pixels) and the spreadsheet's values and cell types,
//! read back with calamine.

use crate::helpers::{on_both_backends, repo, stderr, Workspace};
use calamine::{open_workbook, Data, Reader, Xlsx};

/// The page's text without tags, whitespace collapsed: what a reader sees, in order.
pub fn visible_text(html: &str) -> String {
    let html = match (html.find("<style>"), html.find("</style>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a], &html[b..]),
        _ => html.to_owned(),
    };
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn story() -> Workspace {
    let ws = Workspace::new();
    ws.drop_into_inbox("tests/data/story/inputs");
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    ws
}

#[test]
fn the_html_report_shows_the_story_figures_in_spanish() {
    let ws = story();
    let html = std::fs::read_to_string(ws.path("out/2012-07/reporte.html")).unwrap();
    // Self-contained: no script, nothing loaded from anywhere.
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"es\">"), "{}", &html[..80]);
    for forbidden in ["<script", " src=", " href=", "<link", "@import", "url("] {
        assert!(!html.contains(forbidden), "{forbidden} in the report");
    }
    assert_eq!(html.matches("<svg").count(), 4, "four charts");
    let text = visible_text(&html);
    for expected in [
        "Conciliación e indicadores de ahorro",
        "julio de 2012",
        // Headline: 6 active women, 6 instructions for S/ 610.00, 5 credited for S/ 500.00,
        // 2 savers of 5 accounts with data (40.0 %), average balance 43.81 % of the transfer.
        "Mujeres activas en el padrón 6",
        "Pagos instruidos S/ 610.00 6 pagos",
        "Pagos abonados por el banco S/ 500.00 5 pagos",
        "Ahorristas 40.0 % 2 / 5",
        "Saldo promedio / transferencia 43.8 %",
        // The summary: every category, in code order, with its amounts.
        "Pago a otra cuenta ACCOUNT_MISMATCH 1 S/ 100.00 S/ 100.00 \
         Monto instruido distinto al padrón AMOUNT_MISMATCH 1 S/ 100.00 S/ 110.00 \
         Salto de saldo entre extractos BALANCE_GAP 1 S/ 90.00 S/ 80.00 \
         Abono por otro monto CREDIT_AMOUNT_MISMATCH 1 S/ 100.00 S/ 90.00 \
         Abono duplicado DUPLICATE_CREDIT 1 S/ 100.00 S/ 100.00 \
         Instrucción duplicada DUPLICATE_INSTRUCTION 1 S/ 100.00 — \
         Sin instrucción de pago MISSING_INSTRUCTION 1 S/ 100.00 — \
         Pago no abonado NOT_CREDITED 1 S/ 100.00 — \
         Pago a quien no corresponde NOT_ENTITLED 1 — S/ 100.00 \
         Pago extornado RETURNED 1 S/ 100.00 S/ 100.00 \
         Abono inesperado UNEXPECTED_CREDIT 1 — S/ 50.00 Total 11",
        // Exceptions grouped by category and district, with what to do.
        "Pago extornado 1 RETURNED El banco revirtió un abono ya conciliado",
        "Qué hacer: Averiguar el motivo con el banco",
        "Distrito Casos Monto esperado Monto observado San Jeronimo (030213) 1 S/ 100.00 S/ 100.00",
        "Sin instrucción de pago 1 MISSING_INSTRUCTION",
        // Indicators: savers rate by district, groups, the table.
        "Coporaque (080803)",
        "40.0 % (2 / 5)",
        "Tasa de ahorristas 40.0 % 40.0 % —",
        "Saldo promedio a fin de mes S/ 43.81 S/ 43.81 —",
        "Saldo mediano a fin de mes S/ 30.00 S/ 30.00 —",
        // July opens raffle period 2012-B4: nothing published yet.
        "Sorteo de canastas 2012-B4 Sorteo pendiente",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // No personal data in a page that may be e-mailed.
    for private in ["11111111", "07777777", "01800100000000011185", "Quispe", "María"] {
        assert!(!html.contains(private), "{private} in the HTML report");
    }
}

#[test]
fn the_report_command_rewrites_both_files_from_the_store_and_speaks_english() {
    let ws = story();
    let before = (
        std::fs::read(ws.path("out/2012-07/reporte.html")).unwrap(),
        std::fs::read(ws.path("out/2012-07/reporte.xlsx")).unwrap(),
    );
    std::fs::remove_file(ws.path("out/2012-07/reporte.html")).unwrap();
    std::fs::remove_file(ws.path("out/2012-07/reporte.xlsx")).unwrap();
    let out = ws.alcancia(&["report", "--period", "2012-07"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Byte for byte the same: the reports are a function of the stored results.
    assert_eq!(std::fs::read(ws.path("out/2012-07/reporte.html")).unwrap(), before.0);
    assert_eq!(std::fs::read(ws.path("out/2012-07/reporte.xlsx")).unwrap(), before.1);
    let out = ws.alcancia_env(&["report", "--period", "2012-07"], &[("ALCANCIA__REPORT__LANGUAGE", "en")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = visible_text(&std::fs::read_to_string(ws.path("out/2012-07/reporte.html")).unwrap());
    assert!(text.contains("Reconciliation summary"), "{text}");
    assert!(text.contains("Payment returned RETURNED 1 S/ 100.00 S/ 100.00"), "{text}");
    assert!(text.contains("July 2012"), "{text}");
    // A period never computed: a clear failure, nothing written.
    let out = ws.alcancia(&["report", "--period", "2012-09"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no stored results"), "{}", stderr(&out));
}

/// The warning of a recompute that did not find the districts' first rows where it looked.
const DISTRICTS_NOT_WHERE_FOUND: &str =
    "The districts' first roster rows were not where the recompute found them";

on_both_backends! {
    /// The districts' names in the reports are those of each district's first roster row, read
    /// by its position in the roster the recompute holds. Stored positions that do not number
    /// the rows from 0 (the job never writes them so) are noticed, and the names are then read
    /// from the whole roster: the same reports, and a warning.
    fn districts_are_named_from_their_first_roster_rows(backend) {
        let ws = Workspace::on(&backend);
        ws.drop_into_inbox("tests/data/story/inputs");
        let out = ws.alcancia(&["run"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(!stderr(&out).contains(DISTRICTS_NOT_WHERE_FOUND), "{}", stderr(&out));
        let reports = || {
            ["reporte.html", "reporte.xlsx"].map(|name| std::fs::read(ws.path(&format!("out/2012-07/{name}"))).unwrap())
        };
        let before = reports();
        let html = String::from_utf8(before[0].clone()).unwrap();
        assert!(html.contains("San Jeronimo") && html.contains("Coporaque"), "district names in the page");
        ws.execute("UPDATE roster_rows SET position = position + 1000");
        let out = ws.alcancia(&["reconcile", "--period", "2012-07"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).contains(DISTRICTS_NOT_WHERE_FOUND), "{}", stderr(&out));
        assert!(reports() == before, "the reports changed");
    }
}

fn rows(wb: &mut Xlsx<std::io::BufReader<std::fs::File>>, sheet: &str) -> Vec<Vec<Data>> {
    wb.worksheet_range(sheet).unwrap().rows().map(<[Data]>::to_vec).collect()
}

/// A text cell as calamine reads it back (an empty text is an empty cell).
fn s(text: &str) -> Data {
    if text.is_empty() {
        Data::Empty
    } else {
        Data::String(text.into())
    }
}

fn is_july_2012(cell: &Data) -> bool {
    let july = chrono::NaiveDate::from_ymd_opt(2012, 7, 1).unwrap().and_hms_opt(0, 0, 0);
    matches!(cell, Data::DateTime(d) if d.is_datetime() && d.as_datetime() == july)
}

#[test]
fn the_spreadsheet_has_typed_cells_matching_the_csvs() {
    let ws = story();
    let mut wb: Xlsx<_> = open_workbook(ws.path("out/2012-07/reporte.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), ["Resumen", "Excepciones", "Cuentas-mes", "Indicadores"]);

    let summary = rows(&mut wb, "Resumen");
    assert_eq!(summary.len(), 12);
    assert_eq!(
        summary[0][..6],
        [s("Periodo"), s("Código"), s("Categoría"), s("Casos"), s("Monto esperado"), s("Monto observado")]
    );
    assert!(is_july_2012(&summary[2][0]), "{:?}", summary[2][0]);
    assert_eq!(
        summary[2][1..6],
        [
            s("AMOUNT_MISMATCH"),
            s("Monto instruido distinto al padrón"),
            Data::Float(1.0),
            Data::Float(100.0),
            Data::Float(110.0)
        ]
    );
    assert_eq!(
        summary[9][1..6],
        [
            s("NOT_ENTITLED"),
            s("Pago a quien no corresponde"),
            Data::Float(1.0),
            Data::Empty,
            Data::Float(100.0)
        ]
    );

    // Exceptions: the CSV's rows, DNIs and accounts as text (leading zeros kept), amounts as numbers.
    let csv =
        std::fs::read_to_string(repo("tests/data/story/expected/2012-07/reconciliation_exceptions.csv"))
            .unwrap();
    let exceptions = rows(&mut wb, "Excepciones");
    assert_eq!(exceptions.len(), csv.lines().count());
    for (row, line) in exceptions[1..].iter().zip(csv.lines().skip(1)) {
        let cells: Vec<&str> = line.splitn(9, ',').collect();
        assert!(is_july_2012(&row[0]));
        assert_eq!(row[1..5], [s(cells[1]), s(cells[2]), s(cells[3]), s(cells[4])]);
        assert_eq!(row[6], s(cells[5]));
        let amount = |t: &str| if t.is_empty() { Data::Empty } else { Data::Float(t.parse().unwrap()) };
        assert_eq!(row[7..9], [amount(cells[6]), amount(cells[7])], "{line}");
    }
    assert_eq!(exceptions[3][2], s("07777777"));

    let months = rows(&mut wb, "Cuentas-mes");
    assert_eq!(months.len(), 8);
    // A: 25.05 at month end, min 20.00, average 30.00, saver.
    let a = months.iter().find(|r| r[1] == s("11111111")).unwrap();
    assert_eq!(
        a[5..13],
        [
            Data::Float(25.05),
            Data::Float(20.0),
            Data::Float(30.0),
            Data::Float(100.0),
            Data::Float(5.05),
            Data::Float(80.0),
            Data::Float(2.0),
            Data::Bool(true)
        ]
    );
    // C: no data: empty balance cells.
    let c = months.iter().find(|r| r[1] == s("33333333")).unwrap();
    assert_eq!(c[5..8], [Data::Empty, Data::Empty, Data::Empty]);
    assert_eq!(c[12], Data::Bool(false));

    let indicators = rows(&mut wb, "Indicadores");
    let value = |scope: &str, id: &str, metric: &str| {
        indicators
            .iter()
            .find(|r| r[1] == s(scope) && r[2] == s(id) && r[4] == s(metric))
            .map(|r| r[5].clone())
    };
    assert_eq!(value("PROGRAM", "ALL", "savers_rate"), Some(Data::Float(0.4)));
    assert_eq!(value("PROGRAM", "ALL", "instructed_amount"), Some(Data::Float(610.0)));
    assert_eq!(value("PROGRAM", "ALL", "avg_balance_pct_transfer"), Some(Data::Float(43.81)));
    assert_eq!(value("GROUP", "CONTROL", "savers_rate"), Some(Data::Empty));
    let expected = std::fs::read_to_string(repo("tests/data/story/expected/2012-07/indicators.csv")).unwrap();
    assert_eq!(indicators.len(), expected.lines().count());
}
