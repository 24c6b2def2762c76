//! Formula-injection and markup inputs stay inert text in every output: a roster whose names
//! and district are spreadsheet formulas and HTML, and a bank statement whose free-text
//! referencia and descripcion are formulas.

use crate::helpers::{stderr, Workspace};
use crate::reports::visible_text;
use calamine::{open_workbook, Data, Reader, Xlsx};

const ROSTER: &str = "periodo,dni,nombres,apellido_paterno,apellido_materno,ubigeo,departamento,provincia,distrito,grupo,estado,cuenta,monto,agencia,distancia_km\n\
2012-07,11111111,\"=HYPERLINK(\"\"http://x.example\"\",\"\"y\"\")\",+1,@SUM(A1),080803,-CUSCO,=ESPINAR,<script>x</script>+1,PILOTO,ACTIVO,01800100000000011185,100,,\n";
const BATCH: &str = "lote,periodo,dni,cuenta,monto,referencia\nL1,2012-07,11111111,01800100000000011185,100.00,R-1\nTOTAL,1,100.00\n";
const MOVEMENTS: &str = "cuenta,fecha,referencia,descripcion,cargo,abono,saldo\n\
01800100000000011185,2012-07-10,R-1,ABONO JUNTOS,,100.00,100.00\n\
01800100000000011185,2012-07-12,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",@SUM(1+1),,5.00,105.00\n";
const EVIL: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";

#[test]
fn formulas_and_markup_stay_text_in_csv_html_and_xlsx() {
    let ws = Workspace::new();
    std::fs::write(ws.path("inbox/1_padron.csv"), ROSTER).unwrap();
    std::fs::write(ws.path("inbox/2_lote.csv"), BATCH).unwrap();
    std::fs::write(ws.path("inbox/3_mov.csv"), MOVEMENTS).unwrap();
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // CSV: the text cell is defused with a leading quote (SPEC §4).
    let csv = std::fs::read_to_string(ws.path("out/2012-07/reconciliation_exceptions.csv")).unwrap();
    assert!(csv.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\","), "{csv}");

    // HTML: escaped text, never markup or a link.
    let html = std::fs::read_to_string(ws.path("out/2012-07/reporte.html")).unwrap();
    assert!(!html.contains("<script"), "markup from the roster reached the page");
    assert!(!html.contains("href"));
    assert!(html.contains("&lt;script&gt;x&lt;/script&gt;+1 (080803)"), "the district name, escaped");
    assert!(visible_text(&html).contains("Abono inesperado 1 UNEXPECTED_CREDIT"));

    // XLSX: string cells (never formulas), exactly as received.
    let mut wb: Xlsx<_> = open_workbook(ws.path("out/2012-07/reporte.xlsx")).unwrap();
    for sheet in wb.sheet_names() {
        let formulas = wb.worksheet_formula(&sheet).unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "a formula in sheet {sheet}");
    }
    let exceptions = wb.worksheet_range("Excepciones").unwrap();
    let row = exceptions.rows().find(|r| r[1] == Data::String("UNEXPECTED_CREDIT".into())).unwrap().to_vec();
    assert_eq!(row[6], Data::String(EVIL.into()));
    assert_eq!(row[5], Data::String("<script>x</script>+1".into()));
}
