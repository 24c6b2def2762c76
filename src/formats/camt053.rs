//! ISO 20022 camt.053 bank-to-customer statements (SPEC §2.3, §7), versions 001.02, .03, .04
//! and .08, which differ only in namespace and optional elements.
//!
//! [`parse_reader`] streams the document through [`XmlCursor`] and hands every statement it
//! could read (account, coverage, signed opening and closing, booked entries) to a [`Sink`] as
//! soon as its `Stmt` closes; it returns every problem, each located by element path such as
//! `/Document/BkToCstmrStmt/Stmt[2]/Ntry[5]/Amt`. Memory holds one `Stmt` with its entries, plus
//! the coverage of each statement read so far for the overlap check (`coverage.rs`). Every
//! entry is validated, booked or not; only booked ones are kept. A statement that does not
//! balance, a foreign currency, an amount with more than two decimals or two statements of one
//! account that overlap are problems, and the file is then quarantined whole. [`parse`] collects
//! the whole file. [`Camt053Writer`] writes statements back as camt.053.001.02.

mod coverage;
mod draft;
#[cfg(test)]
mod streaming_tests;
#[cfg(test)]
mod tests;
mod writer;

pub use writer::Camt053Writer;

use super::stream::{Collector, Outcome, Record, Sink};
use super::xml_guard::{self, Node, XmlCursor};
use super::{Content, Format, ParseOptions, ParsedFile, Problem, Statement};
use coverage::{Coverage, Place};
use draft::{BalDraft, EntryDraft, StmtDraft};
use std::io::BufRead;

/// Elements that may repeat among their siblings, so paths index them.
const REPEATABLE: &[&str] = &["Stmt", "Bal", "Ntry", "NtryDtls", "TxDtls"];

/// Parses a whole camt.053 file held in memory; see the module documentation.
pub fn parse(bytes: &[u8], options: &ParseOptions) -> ParsedFile {
    let mut parsed = Collector::collect(|sink| parse_reader(bytes, options, sink));
    if matches!(&parsed.content, Content::Statements(statements) if statements.is_empty()) {
        parsed.content = Content::Nothing;
    }
    parsed
}

/// Streams a camt.053 file from raw bytes (any encoding its BOM / XML declaration names).
pub fn parse_reader<R: BufRead>(reader: R, options: &ParseOptions, sink: &mut dyn Sink) -> Outcome {
    let file = xml_guard::open(reader, REPEATABLE);
    let mut parser = Parser::new(options, sniffed_version(&file.head), sink);
    match file.cursor {
        Ok(mut cursor) => parser.run(&mut cursor),
        Err(problem) => parser.problems.push(problem),
    }
    parser.finish()
}

/// The version `detect` saw in the first bytes; the root element's namespace replaces it.
fn sniffed_version(head: &[u8]) -> String {
    match super::detect::sniff(head) {
        Format::Camt053(version) => version,
        _ => String::new(),
    }
}

/// Where the walk is, by the stack depth (0-based) of each open context.
#[derive(Default)]
struct Depths {
    stmt: Option<usize>,
    bal: Option<usize>,
    ntry: Option<usize>,
}

struct Parser<'o, 's> {
    options: &'o ParseOptions,
    sink: &'s mut dyn Sink,
    version: String,
    problems: Vec<Problem>,
    /// Coverage of each statement kept, for overlap problems.
    coverage: Coverage,
    stmt_count: usize,
    /// Where the `Stmt` being read is.
    place: Option<Place>,
    depths: Depths,
    stmt: Option<StmtDraft>,
    bal: Option<BalDraft>,
    ntry: Option<EntryDraft>,
    /// The `Ccy` of the `Amt` element just opened.
    ccy: Option<String>,
}

impl<'o, 's> Parser<'o, 's> {
    fn new(options: &'o ParseOptions, version: String, sink: &'s mut dyn Sink) -> Self {
        Self {
            options,
            sink,
            version,
            problems: Vec::new(),
            coverage: Coverage::default(),
            stmt_count: 0,
            place: None,
            depths: Depths::default(),
            stmt: None,
            bal: None,
            ntry: None,
            ccy: None,
        }
    }

    fn run<R: std::io::BufRead>(&mut self, cursor: &mut XmlCursor<R>) {
        loop {
            match cursor.advance() {
                Ok(Node::Open(_)) => self.open(cursor, cursor.name()),
                Ok(Node::Close(_)) => self.close(cursor),
                Ok(Node::End) => break,
                Err(problem) => {
                    self.problems.push(problem);
                    return;
                }
            }
        }
        if self.stmt_count == 0 {
            self.problems.push(Problem::at_element(
                "/Document/BkToCstmrStmt",
                "Stmt",
                "no statement (Stmt) in the file",
            ));
        }
    }

    fn open<R: std::io::BufRead>(&mut self, cursor: &XmlCursor<R>, name: &str) {
        let depth = cursor.depth() - 1;
        match (depth, name) {
            (0, _) => self.root(cursor, name),
            (1, "BkToCstmrStmt") => {}
            (1, _) => self.problems.push(Problem::at_element(
                cursor.path(),
                name,
                "unexpected element: a camt.053 Document holds BkToCstmrStmt",
            )),
            (2, "Stmt") => {
                self.stmt_count += 1;
                self.depths.stmt = Some(depth);
                self.stmt = Some(StmtDraft::new(cursor.path().to_owned()));
                self.place = Some(self.coverage.place(cursor.parent_path(), cursor.index().unwrap_or(0)));
            }
            (3, "Bal") if self.stmt.is_some() => {
                self.depths.bal = Some(depth);
                self.bal = Some(BalDraft::new(cursor.path().to_owned()));
            }
            (3, "Ntry") if self.stmt.is_some() => {
                self.depths.ntry = Some(depth);
                self.ntry = Some(EntryDraft::new(cursor.path().to_owned()));
            }
            (_, "Amt") => self.ccy = cursor.attr("Ccy").map(str::to_owned),
            _ => {}
        }
    }

    fn root<R: std::io::BufRead>(&mut self, cursor: &XmlCursor<R>, name: &str) {
        if name != "Document" {
            let reason = format!("the root element is <{name}>, not <Document>");
            self.problems.push(Problem::at_element(cursor.path(), "Document", reason));
        }
        let namespace = cursor.namespace("camt.053.");
        match xml_guard::namespace_version(namespace, "camt.053.") {
            Some(version) => self.version = version,
            None => self.problems.push(Problem::at_element(
                cursor.path(),
                "xmlns",
                format!("namespace {namespace:?} is not an ISO 20022 camt.053 namespace"),
            )),
        }
    }

    fn close<R: std::io::BufRead>(&mut self, cursor: &XmlCursor<R>) {
        let depth = cursor.depth() - 1;
        if self.depths.ntry == Some(depth) {
            self.close_entry();
        } else if self.depths.bal == Some(depth) {
            self.close_balance();
        } else if self.depths.stmt == Some(depth) {
            self.close_statement();
        } else if let Some(at) = self.depths.ntry {
            if let Some(ntry) = self.ntry.as_mut() {
                let field = Field::new(cursor, at, self.ccy.as_deref());
                ntry.field(&field, self.options, &mut self.problems);
            }
        } else if let Some(at) = self.depths.bal {
            if let Some(bal) = self.bal.as_mut() {
                let field = Field::new(cursor, at, self.ccy.as_deref());
                bal.field(&field, &mut self.problems);
            }
        } else if let (Some(at), Some(stmt)) = (self.depths.stmt, self.stmt.as_mut()) {
            stmt.field(&Field::new(cursor, at, None), &mut self.problems);
        }
    }

    fn close_entry(&mut self) {
        self.depths.ntry = None;
        if let (Some(ntry), Some(stmt)) = (self.ntry.take(), self.stmt.as_mut()) {
            stmt.add_entry(ntry, &mut self.problems);
        }
    }

    fn close_balance(&mut self) {
        self.depths.bal = None;
        if let (Some(bal), Some(stmt)) = (self.bal.take(), self.stmt.as_mut()) {
            stmt.add_balance(bal, self.options, &mut self.problems);
        }
    }

    fn close_statement(&mut self) {
        self.depths.stmt = None;
        let (Some(stmt), Some(place)) = (self.stmt.take(), self.place.take()) else { return };
        if let Some(statement) = stmt.finish(&mut self.problems) {
            self.keep(statement, place);
        }
    }

    /// Notes a statement's coverage and hands it on.
    fn keep(&mut self, statement: Statement, place: Place) {
        self.coverage.add(&statement, place);
        self.sink.put(Record::Statement(statement));
    }

    fn finish(mut self) -> Outcome {
        self.problems.extend(self.coverage.problems());
        Outcome { format: Format::Camt053(self.version), problems: self.problems }
    }
}

/// The text of an element that just closed, with its path relative to its context.
pub(crate) struct Field<'a> {
    /// E.g. `BookgDt/Dt` inside an `Ntry`.
    pub rel: &'a str,
    pub path: &'a str,
    pub text: &'a str,
    /// `Ccy` of an `Amt`.
    pub ccy: Option<&'a str>,
}

impl<'a> Field<'a> {
    fn new<R: std::io::BufRead>(
        cursor: &'a XmlCursor<R>,
        context_depth: usize,
        ccy: Option<&'a str>,
    ) -> Self {
        Self { rel: cursor.rel_path(context_depth + 1), path: cursor.path(), text: cursor.text(), ccy }
    }
}
