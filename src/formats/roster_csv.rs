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

use super::csv_common::{self, check, column, non_empty, positive_amount, Row, Seen};
use super::stream::{Collector, Outcome, Record, Sink};
use super::{Format, ParseOptions, ParsedFile, Problem, RosterRow};
use crate::domain::money::parse_plain_decimal;
use crate::domain::{Cci, Dni, Estado, Grupo, Period, Ubigeo};
use std::io::BufRead;

#[cfg(test)]
use super::{Content, Roster};

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

const PERIODO: usize = column(&COLUMNS, "periodo");
const DNI: usize = column(&COLUMNS, "dni");
const NOMBRES: usize = column(&COLUMNS, "nombres");
const APELLIDO_PATERNO: usize = column(&COLUMNS, "apellido_paterno");
const APELLIDO_MATERNO: usize = column(&COLUMNS, "apellido_materno");
const UBIGEO: usize = column(&COLUMNS, "ubigeo");
const DEPARTAMENTO: usize = column(&COLUMNS, "departamento");
const PROVINCIA: usize = column(&COLUMNS, "provincia");
const DISTRITO: usize = column(&COLUMNS, "distrito");
const GRUPO: usize = column(&COLUMNS, "grupo");
const ESTADO: usize = column(&COLUMNS, "estado");
const CUENTA: usize = column(&COLUMNS, "cuenta");
const MONTO: usize = column(&COLUMNS, "monto");
const AGENCIA: usize = column(&COLUMNS, "agencia");
const DISTANCIA_KM: usize = column(&COLUMNS, "distancia_km");

/// Parses and validates a roster CSV; every problem is reported, not just the first.
pub fn parse(text: &str, options: &ParseOptions) -> ParsedFile {
    Collector::collect(|sink| parse_reader(text.as_bytes(), options, sink))
}

/// Streams a file whose text is already UTF-8 (see `encoding::decoding_reader`): each whole
/// row goes to the sink as soon as it is read.
pub fn parse_reader<R: BufRead>(reader: R, _options: &ParseOptions, sink: &mut dyn Sink) -> Outcome {
    let mut problems = Vec::new();
    match csv_common::open(reader, &COLUMNS, &mut problems) {
        Some((mut reader, columns)) => {
            let mut checks = FileChecks::default();
            let mut rows = 0u64;
            while reader.next(&mut problems) {
                rows += 1;
                let row = reader.row(&columns);
                if csv_common::check_row_width(&row, &columns, &mut problems) {
                    read_row(&row, &mut checks, sink, &mut problems);
                }
            }
            if rows == 0 {
                problems.push(Problem::in_file("", "the roster has no rows"));
            }
        }
        None => sink.discard(),
    }
    csv_common::sort_problems(&mut problems);
    Outcome { format: Format::RosterCsv, problems }
}

/// What the rows check across each other: one period, unique DNIs and accounts. This is all
/// a streamed roster keeps between rows: the period of the first row and two exact indexes.
#[derive(Default)]
struct FileChecks {
    period: Option<(Period, u64)>,
    dnis: Seen,
    cuentas: Seen,
}

/// One row: each field checked on its own so that every problem of the row is reported; a
/// whole row goes to the sink.
fn read_row(row: &Row<'_>, checks: &mut FileChecks, sink: &mut dyn Sink, problems: &mut Vec<Problem>) {
    let line = row.line;
    let cell = |column: usize| row.cell(column);
    let had_period = checks.period.is_some();
    let periodo = check(line, "periodo", Period::parse(cell(PERIODO)), problems)
        .filter(|p| same_period(*p, line, &mut checks.period, problems));
    if let (false, Some((period, _))) = (had_period, checks.period) {
        sink.roster_period(period);
    }
    let dni = check(line, "dni", Dni::parse(cell(DNI)), problems)
        .filter(|d| checks.dnis.check(d.as_str(), line, "dni", problems));
    let nombres = check(line, "nombres", non_empty(cell(NOMBRES)), problems);
    let apellido_paterno = check(line, "apellido_paterno", non_empty(cell(APELLIDO_PATERNO)), problems);
    let apellido_materno = check(line, "apellido_materno", non_empty(cell(APELLIDO_MATERNO)), problems);
    let ubigeo = check(line, "ubigeo", Ubigeo::parse(cell(UBIGEO)), problems);
    let grupo = check(line, "grupo", Grupo::parse(cell(GRUPO)), problems);
    let estado = check(line, "estado", Estado::parse(cell(ESTADO)), problems);
    let cuenta = check(line, "cuenta", Cci::parse(cell(CUENTA)), problems)
        .filter(|c| checks.cuentas.check(c.as_str(), line, "cuenta", problems));
    let monto = check(line, "monto", positive_amount(cell(MONTO)), problems);
    let distancia_km = check(line, "distancia_km", distance(cell(DISTANCIA_KM)), problems);
    let whole = || {
        Some(RosterRow {
            periodo: periodo?,
            dni: dni?,
            nombres: nombres?,
            apellido_paterno: apellido_paterno?,
            apellido_materno: apellido_materno?,
            ubigeo: ubigeo?,
            departamento: cell(DEPARTAMENTO).to_owned(),
            provincia: cell(PROVINCIA).to_owned(),
            distrito: cell(DISTRITO).to_owned(),
            grupo: grupo?,
            estado: estado?,
            cuenta: cuenta?,
            monto: monto?,
            agencia: cell(AGENCIA).to_owned(),
            distancia_km: distancia_km?,
        })
    };
    if let Some(row) = whole() {
        sink.put(Record::RosterRow(row));
    }
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
