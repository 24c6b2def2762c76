//! ISO 20022 pain.001 customer credit transfer initiations (SPEC §2.2, §7): the payment batches
//! JUNTOS instructed BN to pay, as written by pain.001.001.03 (newer versions are read too).
//!
//! [`parse_reader`] streams the document through [`XmlCursor`]: it announces each `PmtInf` as a
//! batch (`lote` = `PmtInfId`) to a [`Sink`] and hands it each valid instruction (`periodo` =
//! month of the batch's `ReqdExctnDt`) as soon as its `CdtTrfTxInf` closes; it returns every
//! problem located by element path such as
//! `/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[3]/Amt/InstdAmt`. The control totals
//! (`NbOfTxs`, `CtrlSum`) of the group header, and of each `PmtInf` where present, must match
//! all the transactions: the declared numbers are kept and compared with running counts and
//! sums when the `PmtInf`, or the file, ends. Memory holds one transaction, the current
//! `PmtInf`'s header and the `referencia` of every transaction so far, since a `referencia`
//! must be unique in the file (16 characters at most, so a few dozen bytes each). [`parse`]
//! collects the whole file as one [`Batch`] per `PmtInf`. [`write_pain001`] writes batches back.

mod draft;
#[cfg(test)]
mod streaming_tests;
#[cfg(test)]
mod tests;
mod writer;

pub use writer::{
    write_group_header, write_pain001, write_payment_info_start, write_transaction, DOCUMENT_END,
    PAYMENT_INFO_END,
};

use super::stream::{Collector, Outcome, Record, Sink};
use super::xml_guard::{self, Node, XmlCursor};
#[cfg(test)]
use super::Batch; // The tests compare collected batches.
use super::{Content, Format, ParseOptions, ParsedFile, Problem};
use crate::records::HashSet;
use draft::{Control, PmtInfDraft, TxDraft};
use rust_decimal::Decimal;
use std::io::BufRead;

/// Elements that may repeat among their siblings, so paths index them.
const REPEATABLE: &[&str] = &["PmtInf", "CdtTrfTxInf"];
const GROUP_HEADER: &str = "/Document/CstmrCdtTrfInitn/GrpHdr";

/// Parses a whole pain.001 file held in memory; see the module documentation.
pub fn parse(bytes: &[u8], options: &ParseOptions) -> ParsedFile {
    let mut parsed = Collector::collect(|sink| parse_reader(bytes, options, sink));
    if matches!(&parsed.content, Content::Payments(batches) if batches.is_empty()) {
        parsed.content = Content::Nothing;
    }
    parsed
}

/// Streams a pain.001 file from raw bytes (any encoding its BOM / XML declaration names).
pub fn parse_reader<R: BufRead>(reader: R, options: &ParseOptions, sink: &mut dyn Sink) -> Outcome {
    let file = xml_guard::open(reader, REPEATABLE);
    // The version `detect` saw in the first bytes; the root element's namespace replaces it.
    let version = match super::detect::sniff(&file.head) {
        Format::Pain001(version) => version,
        _ => String::new(),
    };
    let mut parser = Parser::new(options, version, sink);
    match file.cursor {
        Ok(mut cursor) => parser.run(&mut cursor),
        Err(problem) => parser.problems.push(problem),
    }
    parser.finish()
}

struct Parser<'o, 's> {
    options: &'o ParseOptions,
    sink: &'s mut dyn Sink,
    version: String,
    problems: Vec<Problem>,
    /// The group header's `NbOfTxs` and `CtrlSum` as stated, checked at the end.
    group: Control,
    /// Count and sum of every transaction of the file, valid or not.
    count: u64,
    sum: Decimal,
    /// Every `referencia` so far, for the uniqueness check: the one per-file set that grows
    /// (`ahash`: one lookup a transaction, and only membership is ever asked).
    referencias: HashSet<String>,
    pmt: Option<PmtInfDraft>,
    tx: Option<TxDraft>,
    ccy: Option<String>,
    complete: bool,
}

impl<'o, 's> Parser<'o, 's> {
    fn new(options: &'o ParseOptions, version: String, sink: &'s mut dyn Sink) -> Self {
        Self {
            options,
            sink,
            version,
            problems: Vec::new(),
            group: Control::default(),
            count: 0,
            sum: Decimal::ZERO,
            referencias: HashSet::default(),
            pmt: None,
            tx: None,
            ccy: None,
            complete: false,
        }
    }

    fn run<R: BufRead>(&mut self, cursor: &mut XmlCursor<R>) {
        loop {
            match cursor.advance() {
                Ok(Node::Open(_)) => self.open(cursor, cursor.name()),
                Ok(Node::Close(_)) => self.close(cursor, cursor.name()),
                Ok(Node::End) => break,
                Err(problem) => return self.problems.push(problem),
            }
        }
        self.complete = true;
    }

    fn open<R: BufRead>(&mut self, cursor: &XmlCursor<R>, name: &str) {
        match (cursor.depth(), name) {
            (1, _) => self.root(cursor, name),
            (2, "CstmrCdtTrfInitn") => {}
            (2, _) => self.problems.push(Problem::at_element(
                cursor.path(),
                name,
                "unexpected element: a pain.001 Document holds CstmrCdtTrfInitn",
            )),
            (3, "PmtInf") => self.pmt = Some(PmtInfDraft::new(cursor.path().to_owned())),
            (4, "CdtTrfTxInf") if self.pmt.is_some() => {
                self.tx = Some(TxDraft::new(cursor.path().to_owned()))
            }
            (_, "InstdAmt") => self.ccy = cursor.attr("Ccy").map(str::to_owned),
            _ => {}
        }
    }

    fn root<R: BufRead>(&mut self, cursor: &XmlCursor<R>, name: &str) {
        if name != "Document" {
            let reason = format!("the root element is <{name}>, not <Document>");
            self.problems.push(Problem::at_element(cursor.path(), "Document", reason));
        }
        let namespace = cursor.namespace("pain.001.");
        match xml_guard::namespace_version(namespace, "pain.001.") {
            Some(version) => self.version = version,
            None => self.problems.push(Problem::at_element(
                cursor.path(),
                "xmlns",
                format!("namespace {namespace:?} is not an ISO 20022 pain.001 namespace"),
            )),
        }
    }

    fn close<R: BufRead>(&mut self, cursor: &XmlCursor<R>, name: &str) {
        match (cursor.depth(), name) {
            (3, "PmtInf") => self.close_pmt_inf(),
            (4, "CdtTrfTxInf") => self.close_tx(),
            (4, _) if cursor.rel_path(2).starts_with("GrpHdr/") => {
                self.group.field(name, cursor.path(), cursor.text());
            }
            (depth, _) if depth > 4 && self.tx.is_some() => {
                if let Some(tx) = self.tx.as_mut() {
                    let currency = &self.options.currency;
                    tx.field(
                        cursor.rel_path(4),
                        cursor.path(),
                        cursor.text(),
                        self.ccy.as_deref(),
                        currency,
                        &mut self.problems,
                    );
                }
            }
            (depth, _) if depth > 3 => {
                if let Some(pmt) = self.pmt.as_mut() {
                    pmt.field(cursor.rel_path(3), cursor.path(), cursor.text(), &mut self.problems);
                }
            }
            _ => {}
        }
    }

    fn close_tx(&mut self) {
        let (Some(tx), Some(pmt)) = (self.tx.take(), self.pmt.as_mut()) else { return };
        self.count += 1;
        self.sum += tx.amount().unwrap_or_default();
        if let Some(instruction) = pmt.add(tx, &mut self.referencias, &mut self.problems) {
            if !pmt.announced {
                pmt.announced = true;
                self.sink.begin_batch(&instruction.lote);
            }
            self.sink.put(Record::Instruction(instruction));
        }
    }

    fn close_pmt_inf(&mut self) {
        if let Some(pmt) = self.pmt.take() {
            let announced = pmt.announced;
            let lote = pmt.finish(&mut self.problems);
            if !announced {
                self.sink.begin_batch(&lote);
            }
        }
    }

    fn finish(mut self) -> Outcome {
        if self.complete {
            if self.count == 0 {
                let reason = "no transaction (CdtTrfTxInf) in the file";
                self.problems.push(Problem::at_element("/Document/CstmrCdtTrfInitn", "CdtTrfTxInf", reason));
            }
            let group = std::mem::take(&mut self.group);
            group.check(GROUP_HEADER, true, self.count, self.sum, &mut self.problems);
        }
        Outcome { format: Format::Pain001(self.version), problems: self.problems }
    }
}
