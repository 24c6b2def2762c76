//! The roster (padrón) CSV of one period (SPEC §2.1, §7): one row per beneficiary with the
//! columns below, in any order and case, delimiter `;` or `,`, extra columns ignored.
//!
//! ```text
//! periodo;dni;nombres;apellido_paterno;apellido_materno;ubigeo;departamento;provincia;distrito;grupo;estado;cuenta;monto;agencia;distancia_km
//! 2012-07;42388604;María;Peña;Quispe;050101;AYACUCHO;HUAMANGA;AYACUCHO;PILOTO;ACTIVO;01800000400588058608;100.00;0040;2.5
//! 2012-07;01234567;Rosa;Huamán;Ccori;050102;AYACUCHO;HUAMANGA;ACOCRO;CONTROL;SUSPENDIDO;01800100000000123484;100;;
//! ```
//!
//! Every row must be valid: `periodo` a `YYYY-MM` month, the same on every row; `dni` 8 digits,
//! unique; names non-empty; `ubigeo` 6 digits; `departamento`, `provincia`, `distrito` and
//! `agencia` may be empty; `grupo` `PILOTO`|`CONTROL` and `estado` `ACTIVO`|`SUSPENDIDO`|`RETIRADO`,
//! upper case as written; `cuenta` a CCI with correct check digits, unique; `monto` a CSV amount
//! above 0; `distancia_km` empty or a decimal ≥ 0. A roster without rows is refused. The content holds
//! the rows that are valid, so `inspect` shows what could be read even when some are not.

use super::csv_common::{self, check, non_empty, positive_amount, Columns, Record, Seen};
use super::{Content, Format, ParseOptions, ParsedFile, Problem, Roster, RosterRow};
use crate::domain::money::parse_plain_decimal;
use crate::domain::{Cci, Dni, Estado, Grupo, Period, Ubigeo};

/// The roster's columns, lower case.
pub const COLUMNS: [&str; 15] = [
    "periodo",
    "dni",
    "nombres",
    "apellido_paterno",
    "apellido_materno",
    "ubigeo",
    "departamento",
    "provincia",
    "distrito",
    "grupo",
    "estado",
    "cuenta",
    "monto",
    "agencia",
    "distancia_km",
];

/// Parses and validates a roster CSV; every problem is reported, not just the first.
pub fn parse(text: &str, _options: &ParseOptions) -> ParsedFile {
    let mut problems = Vec::new();
    let content = match csv_common::open(text, &COLUMNS, &mut problems) {
        Some((table, columns)) => read_rows(&table.records, &columns, &mut problems),
        None => Content::Nothing,
    };
    csv_common::sort_problems(&mut problems);
    ParsedFile { format: Format::RosterCsv, content, problems }
}

/// What the rows check across each other: one period, unique DNIs and accounts.
#[derive(Default)]
struct FileChecks {
    period: Option<(Period, u64)>,
    dnis: Seen,
    cuentas: Seen,
}

fn read_rows(records: &[Record], columns: &Columns, problems: &mut Vec<Problem>) -> Content {
    if records.is_empty() {
        problems.push(Problem::in_file("", "the roster has no rows"));
        return Content::Nothing;
    }
    let mut checks = FileChecks::default();
    let rows: Vec<RosterRow> = records
        .iter()
        .filter_map(|r| {
            let whole = csv_common::check_width(r, columns, problems);
            whole.then(|| read_row(r, columns, &mut checks, problems)).flatten()
        })
        .collect();
    match checks.period {
        Some((period, _)) => Content::Roster(Roster { period, rows }),
        None => Content::Nothing,
    }
}

/// One row: each field checked on its own so that every problem of the row is reported.
fn read_row(
    record: &Record,
    columns: &Columns,
    checks: &mut FileChecks,
    problems: &mut Vec<Problem>,
) -> Option<RosterRow> {
    let line = record.line;
    let cell = |name: &str| columns.cell(record, name);
    let periodo = check(line, "periodo", Period::parse(cell("periodo")), problems)
        .filter(|p| same_period(*p, line, &mut checks.period, problems));
    let dni = check(line, "dni", Dni::parse(cell("dni")), problems)
        .filter(|d| checks.dnis.check(d.as_str(), line, "dni", problems));
    let nombres = check(line, "nombres", non_empty(cell("nombres")), problems);
    let apellido_paterno = check(line, "apellido_paterno", non_empty(cell("apellido_paterno")), problems);
    let apellido_materno = check(line, "apellido_materno", non_empty(cell("apellido_materno")), problems);
    let ubigeo = check(line, "ubigeo", Ubigeo::parse(cell("ubigeo")), problems);
    let grupo = check(line, "grupo", Grupo::parse(cell("grupo")), problems);
    let estado = check(line, "estado", Estado::parse(cell("estado")), problems);
    let cuenta = check(line, "cuenta", Cci::parse(cell("cuenta")), problems)
        .filter(|c| checks.cuentas.check(c.as_str(), line, "cuenta", problems));
    let monto = check(line, "monto", positive_amount(cell("monto")), problems);
    let distancia_km = check(line, "distancia_km", distance(cell("distancia_km")), problems);
    Some(RosterRow {
        periodo: periodo?,
        dni: dni?,
        nombres: nombres?,
        apellido_paterno: apellido_paterno?,
        apellido_materno: apellido_materno?,
        ubigeo: ubigeo?,
        departamento: cell("departamento").to_owned(),
        provincia: cell("provincia").to_owned(),
        distrito: cell("distrito").to_owned(),
        grupo: grupo?,
        estado: estado?,
        cuenta: cuenta?,
        monto: monto?,
        agencia: cell("agencia").to_owned(),
        distancia_km: distancia_km?,
    })
}

/// The first valid `periodo` fixes the roster's period; every other row must repeat it.
fn same_period(
    period: Period,
    line: u64,
    first: &mut Option<(Period, u64)>,
    problems: &mut Vec<Problem>,
) -> bool {
    match *first {
        None => {
            *first = Some((period, line));
            true
        }
        Some((p, _)) if p == period => true,
        Some((p, first_line)) => {
            problems.push(Problem::at_line(
                line,
                "periodo",
                format!("periodo {period} differs from {p} of line {first_line}; a roster holds one period"),
            ));
            false
        }
    }
}

/// `distancia_km`: empty, or a decimal ≥ 0.
fn distance(text: &str) -> Result<Option<rust_decimal::Decimal>, String> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse_plain_decimal(text).map(Some)
    }
}

#[cfg(test)]
mod tests;
