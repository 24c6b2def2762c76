//! Input formats: bytes in, domain values out (SPEC §2, §7).
//!
//! Each format lives in its own file and exposes one `parse(text_or_bytes, &ParseOptions)`
//! function returning a [`ParsedFile`]: what the file states (as far as it could be read) plus
//! every [`Problem`] found, each located by line (CSV, MT940) or element path (XML), field and
//! reason. A file with any problem is quarantined whole; `inspect` still shows what it states.
//! The kind of a file is recognised by content in [`detect`], never by its name.

pub mod camt053;
pub mod coverage;
pub mod csv_common;
pub mod detect;
pub mod encoding;
pub mod mt940;
pub mod pain001;
pub mod payments_csv;
pub mod roster_csv;
pub mod statement_csv;
pub mod stream;
pub mod xml_guard;

use crate::domain::{Cci, Dni, Estado, Grupo, Period, Ubigeo};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::fmt;

pub use detect::parse_any;

/// Settings that change how a file is validated.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// `bank.currency`: every amount of a statement or batch must be in it.
    pub currency: String,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self { currency: "PEN".into() }
    }
}

/// Where in a file a problem is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// 1-based physical line (CSV, MT940).
    Line(u64),
    /// XML element path such as `/Document/BkToCstmrStmt/Stmt[2]/Ntry[5]/Amt`.
    Element(String),
    /// The file as a whole (encoding, unknown kind, empty file).
    File,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line(n) => write!(f, "line {n}"),
            Self::Element(path) => write!(f, "element {path}"),
            Self::File => f.write_str("file"),
        }
    }
}

/// One validation or structural problem: where, which field, why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub location: Location,
    pub field: String,
    pub reason: String,
}

impl Problem {
    pub fn new(location: Location, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { location, field: field.into(), reason: reason.into() }
    }

    pub fn at_line(line: u64, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::new(Location::Line(line), field, reason)
    }

    pub fn at_element(path: impl Into<String>, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::new(Location::Element(path.into()), field, reason)
    }

    pub fn in_file(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::new(Location::File, field, reason)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.location, self.reason)
        } else {
            write!(f, "{}, field {}: {}", self.location, self.field, self.reason)
        }
    }
}

/// The concrete format a file was recognised as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    RosterCsv,
    PaymentsCsv,
    StatementCsv,
    /// camt.053 with its version, e.g. `001.02`.
    Camt053(String),
    /// pain.001 with its version, e.g. `001.03`.
    Pain001(String),
    Mt940,
    Unknown,
}

impl Format {
    /// The name shown by `inspect` and stored with the file: `camt.053.001.02`, `csv-roster` …
    pub fn name(&self) -> String {
        match self {
            Self::RosterCsv => "csv-roster".into(),
            Self::PaymentsCsv => "csv-payments".into(),
            Self::StatementCsv => "csv-movements".into(),
            Self::Camt053(v) => format!("camt.053.{v}"),
            Self::Pain001(v) => format!("pain.001.{v}"),
            Self::Mt940 => "mt940".into(),
            Self::Unknown => "unknown".into(),
        }
    }
}

/// A beneficiary row of the roster (padrón) of one month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterRow {
    pub periodo: Period,
    pub dni: Dni,
    pub nombres: String,
    pub apellido_paterno: String,
    pub apellido_materno: String,
    pub ubigeo: Ubigeo,
    pub departamento: String,
    pub provincia: String,
    pub distrito: String,
    pub grupo: Grupo,
    pub estado: Estado,
    pub cuenta: Cci,
    /// Monthly entitlement, > 0.
    pub monto: Decimal,
    pub agencia: String,
    pub distancia_km: Option<Decimal>,
}

/// The roster of one period, rows in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roster {
    pub period: Period,
    pub rows: Vec<RosterRow>,
}

/// One payment instruction: what JUNTOS told the bank to pay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    pub lote: String,
    pub periodo: Period,
    pub dni: Dni,
    pub cuenta: Cci,
    pub monto: Decimal,
    /// 1–16 chars of `[A-Za-z0-9-]`, unique per instruction.
    pub referencia: String,
}

/// A payment batch (`lote`) with its instructions in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub lote: String,
    pub instructions: Vec<Instruction>,
}

/// What the bank marked an entry as (SPEC §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// An ordinary movement.
    Ordinary,
    /// Interest paid by the bank (camt `INTR`, MT940 `NINT`, CSV `INTERES…`).
    Interest,
    /// A bank charge (camt `CHRG`, MT940 `NCHG`, CSV `COMISION…`).
    Charge,
}

impl EntryKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Ordinary => "ORD",
            Self::Interest => "INTR",
            Self::Charge => "CHRG",
        }
    }

    pub fn from_code(code: &str) -> Self {
        match code {
            "INTR" => Self::Interest,
            "CHRG" => Self::Charge,
            _ => Self::Ordinary,
        }
    }
}

/// One booked entry of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub booking_date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    /// Signed: positive credits the account, negative debits it. A reversal keeps the sign of
    /// its effect on the balance (MT940 `RC` and a camt `DBIT` reversal are negative).
    pub amount: Decimal,
    /// camt `RvslInd`, MT940 `RC`/`RD`, CSV `EXTORNO…`.
    pub reversal: bool,
    /// The payment reference; `None` for none, `NOTPROVIDED` or `NONREF`.
    pub referencia: Option<String>,
    pub kind: EntryKind,
    /// Free text (camt `AddtlNtryInf`, MT940 `:86:`, CSV `descripcion`).
    pub description: String,
}

/// One account over a date range: opening, booked entries, closing (SPEC §2.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The bank's account id as text (CCI, IBAN or other), matched exactly.
    pub account: String,
    /// Coverage, inclusive, after each format's rule.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Signed balances.
    pub opening: Decimal,
    pub closing: Decimal,
    /// Booked entries only, in file order.
    pub entries: Vec<Entry>,
}

impl Statement {
    /// Sum of the positive (credit) booked amounts.
    pub fn credits(&self) -> Decimal {
        self.entries.iter().map(|e| e.amount).filter(|a| a.is_sign_positive()).sum()
    }

    /// Sum of the debit booked amounts, as a positive number.
    pub fn debits(&self) -> Decimal {
        -self.entries.iter().map(|e| e.amount).filter(|a| a.is_sign_negative()).sum::<Decimal>()
    }
}

/// What a file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    Roster(Roster),
    Payments(Vec<Batch>),
    Statements(Vec<Statement>),
    /// Nothing could be read (unknown kind, unreadable structure).
    Nothing,
}

impl Content {
    /// The kind name stored with the file and shown by `inspect`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Roster(_) => "roster",
            Self::Payments(_) => "payments",
            Self::Statements(_) => "statements",
            Self::Nothing => "unknown",
        }
    }
}

/// The result of parsing one file: what it states and every problem found.
#[derive(Clone, Debug)]
pub struct ParsedFile {
    pub format: Format,
    pub content: Content,
    /// Empty when the file is valid and may be stored.
    pub problems: Vec<Problem>,
}

impl ParsedFile {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks a `referencia` of a programme file: 1–16 chars of `[A-Za-z0-9-]`.
pub fn check_referencia(text: &str) -> Result<(), String> {
    let ok = (1..=16).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "referencia must be 1–16 characters of A-Z, a-z, 0-9 or '-', got {:?}",
            crate::domain::dni::shorten(text)
        ))
    }
}

/// Statement-side referencia: `NONREF`, `NOTPROVIDED` and blank mean none (SPEC §3.1).
pub fn statement_referencia(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t == "NONREF" || t == "NOTPROVIDED" {
        None
    } else {
        Some(t.to_owned())
    }
}

/// Pairs of statements (by index) of one file that cover the same account on intersecting
/// inclusive day ranges (SPEC §7: overlaps count inside one file too).
pub fn overlapping_pairs(statements: &[Statement]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..statements.len()).collect();
    order.sort_by(|&a, &b| {
        (&statements[a].account, statements[a].from, a).cmp(&(&statements[b].account, statements[b].from, b))
    });
    let mut pairs = Vec::new();
    for window in order.windows(2) {
        let (a, b) = (&statements[window[0]], &statements[window[1]]);
        if a.account == b.account && b.from <= a.to {
            pairs.push((window[0].min(window[1]), window[0].max(window[1])));
        }
    }
    pairs
}
