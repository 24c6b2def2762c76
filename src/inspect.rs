//! `alcancia inspect FILE`: what a file states and every problem, as JSON, without storing.
//!
//! The file is streamed twice — once to decide its text encoding, once through its format's
//! parser into a [`Tally`] that keeps only what the summary shows — so that inspecting a
//! national roster (2.5 GB, 20 million rows) holds the parser's per-file checks and a few
//! counters, not the file or its rows. A statement file's summary lists every statement (not
//! its entries): those are kept, ~100 bytes each, until the parse has found every problem
//! (`errors` comes before `statements` in the output), and the JSON is written to its writer as
//! it is serialised, never built as a tree.

use crate::domain::money::format_amount;
use crate::domain::{Estado, Period};
use crate::formats::encoding::{TextEncoding, Utf8Check};
use crate::formats::stream::{join_runs, Outcome, Record, Sink};
use crate::formats::{detect, Format, ParseOptions, Problem, Statement};
use rust_decimal::Decimal;
use serde::Serialize;
use std::io::Read;
use std::path::Path;

/// The summary `inspect` prints as JSON. Fields are in the order of their names (the order the
/// command has always printed them in).
#[derive(Serialize)]
pub struct Summary {
    #[serde(skip_serializing_if = "Option::is_none")]
    batches: Option<Vec<BatchSummary>>,
    encoding: &'static str,
    errors: Vec<ProblemSummary>,
    file: String,
    format: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    roster: Option<RosterSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statements: Option<Vec<StatementSummary>>,
}

#[derive(Serialize)]
struct BatchSummary {
    count: u64,
    lote: String,
    period: String,
    sum: String,
}

#[derive(Serialize)]
struct ProblemSummary {
    field: String,
    location: String,
    reason: String,
}

#[derive(Serialize)]
struct RosterSummary {
    active: u64,
    monto_sum: String,
    period: String,
    rows: u64,
}

/// A statement as shown (amounts formatted as they are serialised, one at a time).
struct StatementSummary(StatementTally);

impl Serialize for StatementSummary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let s = &self.0;
        let mut map = serializer.serialize_map(Some(8))?;
        map.serialize_entry("account", &s.account)?;
        map.serialize_entry("closing", &format_amount(s.closing))?;
        map.serialize_entry("credits", &format_amount(s.credits))?;
        map.serialize_entry("debits", &format_amount(s.debits))?;
        map.serialize_entry("entries", &s.entries)?;
        map.serialize_entry("from", &s.from.to_string())?;
        map.serialize_entry("opening", &format_amount(s.opening))?;
        map.serialize_entry("to", &s.to.to_string())?;
        map.end()
    }
}

/// The summary of the file at `path`, and whether the file is valid (no problem).
pub fn inspect_file(path: &Path, options: &ParseOptions) -> std::io::Result<(Summary, bool)> {
    let encoding = text_encoding(std::fs::File::open(path)?)?;
    let mut tally = Tally::default();
    let outcome = detect::parse_reader(std::fs::File::open(path)?, encoding, options, &mut tally);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let valid = outcome.is_valid();
    Ok((tally.summary(&name, encoding, &outcome), valid))
}

/// The encoding the job would decide for these bytes while archiving them.
fn text_encoding(mut file: impl Read) -> std::io::Result<TextEncoding> {
    let mut check = Utf8Check::default();
    std::io::copy(&mut file, &mut check)?;
    Ok(check.finish())
}

/// What the summary shows of the records a parser puts, kept as they stream.
#[derive(Default)]
struct Tally {
    discarded: bool,
    roster_period: Option<Period>,
    first_row_period: Option<Period>,
    roster_rows: u64,
    roster_active: u64,
    roster_monto: Decimal,
    batches: Vec<BatchTally>,
    /// Accounts in the order their statements began, where the parser tells it.
    begun: Vec<String>,
    statements: Vec<StatementTally>,
}

struct BatchTally {
    lote: String,
    /// The instructions' periods, a run of the same one written once.
    periods: Vec<String>,
    count: u64,
    sum: Decimal,
}

struct StatementTally {
    account: String,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    opening: Decimal,
    closing: Decimal,
    entries: usize,
    credits: Decimal,
    debits: Decimal,
}

impl StatementTally {
    fn of(s: &Statement) -> Self {
        Self {
            account: s.account.clone(),
            from: s.from,
            to: s.to,
            opening: s.opening,
            closing: s.closing,
            entries: s.entries.len(),
            credits: s.credits(),
            debits: s.debits(),
        }
    }
}

impl BatchTally {
    fn new(lote: &str) -> Self {
        Self { lote: lote.to_owned(), periods: Vec::new(), count: 0, sum: Decimal::ZERO }
    }
}

impl Sink for Tally {
    fn put(&mut self, record: Record) {
        match record {
            Record::RosterRow(row) => {
                self.first_row_period.get_or_insert(row.periodo);
                self.roster_rows += 1;
                self.roster_active += u64::from(row.estado == Estado::Activo);
                self.roster_monto += row.monto;
            }
            Record::Instruction(instruction) => {
                // The latest batch of that `lote`, as `stream::Collector` groups them.
                let at = match self.batches.iter().rposition(|b| b.lote == instruction.lote) {
                    Some(at) => at,
                    None => {
                        self.batches.push(BatchTally::new(&instruction.lote));
                        self.batches.len() - 1
                    }
                };
                let batch = &mut self.batches[at];
                let period = instruction.periodo.to_string();
                if batch.periods.last() != Some(&period) {
                    batch.periods.push(period);
                }
                batch.count += 1;
                batch.sum += instruction.monto;
            }
            Record::Statement(statement) => self.statements.push(StatementTally::of(&statement)),
        }
    }

    fn begin_batch(&mut self, lote: &str) {
        self.batches.push(BatchTally::new(lote));
    }

    fn roster_period(&mut self, period: Period) {
        self.roster_period = Some(period);
    }

    fn statement_begins(&mut self, account: &str) {
        self.begun.push(account.to_owned());
    }

    fn discard(&mut self) {
        *self = Self { discarded: true, ..Self::default() };
    }
}

impl Tally {
    fn summary(self, name: &str, encoding: TextEncoding, outcome: &Outcome) -> Summary {
        let format = &outcome.format;
        // The kind is what could be read: a file whose parse was discarded, or a roster
        // without any valid `periodo`, states nothing.
        let roster_period = self.roster_period.or(self.first_row_period);
        let kind = match format {
            _ if self.discarded => "unknown",
            Format::RosterCsv if roster_period.is_none() => "unknown",
            _ => format.kind(),
        };
        let mut summary = Summary {
            batches: None,
            encoding: match encoding {
                TextEncoding::Windows1252 => "windows-1252",
                TextEncoding::Utf8 => "utf-8",
            },
            errors: outcome.problems.iter().map(problem).collect(),
            file: name.to_owned(),
            format: format.name(),
            kind,
            roster: None,
            statements: None,
        };
        match kind {
            "roster" => {
                summary.roster = roster_period.map(|period| RosterSummary {
                    active: self.roster_active,
                    monto_sum: format_amount(self.roster_monto),
                    period: period.to_string(),
                    rows: self.roster_rows,
                });
            }
            "payments" => {
                summary.batches = Some(
                    self.batches
                        .into_iter()
                        .map(|b| BatchSummary {
                            count: b.count,
                            lote: b.lote,
                            period: b.periods.join(","),
                            sum: format_amount(b.sum),
                        })
                        .collect(),
                );
            }
            "statements" => {
                let statements = match format {
                    // A CSV movements file states one statement per account: an account's
                    // runs of rows are joined as `stream::Collector` joins them.
                    Format::StatementCsv => join_runs(
                        self.begun,
                        self.statements,
                        |s| &s.account,
                        |s, run| {
                            s.to = run.to;
                            s.closing = run.closing;
                            s.entries += run.entries;
                            s.credits += run.credits;
                            s.debits += run.debits;
                        },
                    ),
                    _ => self.statements,
                };
                summary.statements = Some(statements.into_iter().map(StatementSummary).collect());
            }
            _ => {}
        }
        summary
    }
}

fn problem(p: &Problem) -> ProblemSummary {
    ProblemSummary { field: p.field.to_string(), location: p.location.to_string(), reason: p.reason.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{encoding, Content, ParsedFile};
    use serde_json::{json, Value};

    /// The summary built from the whole parsed file, as `inspect` did before it streamed: the
    /// reference the streamed one is checked against.
    fn summary_of_parsed(name: &str, bytes: &[u8], parsed: &ParsedFile) -> Value {
        let mut out = json!({
            "file": name,
            "kind": parsed.content.kind(),
            "format": parsed.format.name(),
            "encoding": if encoding::is_windows_1252(bytes) { "windows-1252" } else { "utf-8" },
        });
        match &parsed.content {
            Content::Roster(r) => {
                let active = r.rows.iter().filter(|m| m.estado == Estado::Activo).count();
                out["roster"] = json!({
                    "period": r.period.to_string(),
                    "rows": r.rows.len(),
                    "active": active,
                    "monto_sum": format_amount(r.rows.iter().map(|m| m.monto).sum()),
                });
            }
            Content::Payments(batches) => {
                out["batches"] = batches
                    .iter()
                    .map(|b| {
                        let mut periods: Vec<String> =
                            b.instructions.iter().map(|i| i.periodo.to_string()).collect();
                        periods.dedup();
                        json!({
                            "lote": b.lote,
                            "period": periods.join(","),
                            "count": b.instructions.len(),
                            "sum": format_amount(b.instructions.iter().map(|i| i.monto).sum()),
                        })
                    })
                    .collect();
            }
            Content::Statements(statements) => {
                out["statements"] = statements
                    .iter()
                    .map(|s| {
                        json!({
                            "account": s.account,
                            "from": s.from.to_string(),
                            "to": s.to.to_string(),
                            "opening": format_amount(s.opening),
                            "closing": format_amount(s.closing),
                            "entries": s.entries.len(),
                            "credits": format_amount(s.credits()),
                            "debits": format_amount(s.debits()),
                        })
                    })
                    .collect();
            }
            Content::Nothing => {}
        }
        out["errors"] = parsed
            .problems
            .iter()
            .map(|p| json!({"location": p.location.to_string(), "field": p.field, "reason": p.reason}))
            .collect();
        out
    }

    fn files_under(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_under(&path, found);
            } else {
                found.push(path);
            }
        }
    }

    /// Every file the tests hold — valid, broken, hostile, the public samples — gives the same
    /// summary streamed as parsed whole.
    #[test]
    fn the_streamed_summary_is_the_summary_of_the_whole_parsed_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["tests/data", "tests/samples", "fixtures"] {
            files_under(&root.join(dir), &mut files);
        }
        files.sort();
        let options = ParseOptions::default();
        let mut by_kind = std::collections::BTreeMap::<String, usize>::new();
        for path in &files {
            let bytes = std::fs::read(path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let parsed = detect::parse_any(&bytes, &options);
            let expected = summary_of_parsed(&name, &bytes, &parsed);
            let (streamed, valid) = inspect_file(path, &options).unwrap();
            // The same text, byte for byte, as the whole file's summary printed.
            let text = serde_json::to_string_pretty(&streamed).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected, "{}", path.display());
            assert_eq!(text, serde_json::to_string_pretty(&expected).unwrap(), "{}", path.display());
            assert_eq!(valid, parsed.is_valid(), "{}", path.display());
            *by_kind.entry(format!("{}/{valid}", expected["kind"])).or_default() += 1;
            *by_kind.entry(expected["encoding"].to_string()).or_default() += 1;
        }
        // The comparison covered every kind, valid and not.
        for kind in ["roster", "payments", "statements"] {
            for valid in [true, false] {
                assert!(by_kind.contains_key(&format!("\"{kind}\"/{valid}")), "{by_kind:?}");
            }
        }
        assert!(by_kind.contains_key("\"unknown\"/false"), "{by_kind:?}");
        // Windows-1252 files among them (the story's roster, an MT940, a roster sample).
        assert!(by_kind.get("\"windows-1252\"").is_some_and(|n| *n >= 3), "{by_kind:?}");
    }
}
