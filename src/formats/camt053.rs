//! ISO 20022 camt.053 bank-to-customer statements (SPEC §2.3, §7), versions 001.02, .03, .04
//! and .08, which differ only in namespace and optional elements.
//!
//! [`parse`] streams the document through [`XmlCursor`], holding one `Stmt` at a time, and
//! returns every statement it could read (account, coverage, signed opening and closing, booked
//! entries) together with every problem, each located by element path such as
//! `/Document/BkToCstmrStmt/Stmt[2]/Ntry[5]/Amt`. Every entry is validated, booked or not; only
//! booked ones are kept. A statement that does not balance, a foreign currency, an amount with
//! more than two decimals or two statements of one account that overlap are problems, and the
//! file is then quarantined whole. [`Camt053Writer`] writes statements back as camt.053.001.02.

mod draft;
#[cfg(test)]
mod tests;
mod writer;

pub use writer::Camt053Writer;

use super::xml_guard::{self, Node, XmlCursor};
use super::{overlapping_pairs, Content, Format, ParseOptions, ParsedFile, Problem, Statement};
use draft::{BalDraft, EntryDraft, StmtDraft};

/// Elements that may repeat among their siblings, so paths index them.
const REPEATABLE: &[&str] = &["Stmt", "Bal", "Ntry", "NtryDtls", "TxDtls"];

/// Parses a camt.053 file; see the module documentation.
pub fn parse(bytes: &[u8], options: &ParseOptions) -> ParsedFile {
    let mut parser = Parser::new(options, sniffed_version(bytes));
    match xml_guard::prepare(bytes) {
        Ok(text) => parser.run(&mut XmlCursor::new(&text[..], REPEATABLE)),
        Err(problem) => parser.problems.push(problem),
    }
    parser.finish()
}

fn sniffed_version(bytes: &[u8]) -> String {
    match super::detect::sniff(bytes) {
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

struct Parser<'o> {
    options: &'o ParseOptions,
    version: String,
    problems: Vec<Problem>,
    statements: Vec<Statement>,
    /// Path of each statement kept, for overlap problems.
    statement_paths: Vec<String>,
    stmt_count: usize,
    depths: Depths,
    stmt: Option<StmtDraft>,
    bal: Option<BalDraft>,
    ntry: Option<EntryDraft>,
    /// The `Ccy` of the `Amt` element just opened.
    ccy: Option<String>,
}

impl<'o> Parser<'o> {
    fn new(options: &'o ParseOptions, version: String) -> Self {
        Self {
            options,
            version,
            problems: Vec::new(),
            statements: Vec::new(),
            statement_paths: Vec::new(),
            stmt_count: 0,
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
                Ok(Node::Open(name)) => self.open(cursor, &name),
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
                self.stmt = Some(StmtDraft::new(cursor.path()));
            }
            (3, "Bal") if self.stmt.is_some() => {
                self.depths.bal = Some(depth);
                self.bal = Some(BalDraft::new(cursor.path()));
            }
            (3, "Ntry") if self.stmt.is_some() => {
                self.depths.ntry = Some(depth);
                self.ntry = Some(EntryDraft::new(cursor.path()));
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
        if let Some(stmt) = self.stmt.take() {
            let path = stmt.path.clone();
            if let Some(statement) = stmt.finish(&mut self.problems) {
                self.statements.push(statement);
                self.statement_paths.push(path);
            }
        }
    }

    fn finish(mut self) -> ParsedFile {
        for (a, b) in overlapping_pairs(&self.statements) {
            let (first, second) = (&self.statements[a], &self.statements[b]);
            let reason = format!(
                "statement of account {} from {} to {} overlaps {} (from {} to {})",
                second.account, second.from, second.to, self.statement_paths[a], first.from, first.to
            );
            self.problems.push(Problem::at_element(self.statement_paths[b].clone(), "FrToDt", reason));
        }
        let content =
            if self.statements.is_empty() { Content::Nothing } else { Content::Statements(self.statements) };
        ParsedFile { format: Format::Camt053(self.version), content, problems: self.problems }
    }
}

/// The text of an element that just closed, with its path relative to its context.
pub(crate) struct Field<'a> {
    /// E.g. `BookgDt/Dt` inside an `Ntry`.
    pub rel: String,
    pub path: String,
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
