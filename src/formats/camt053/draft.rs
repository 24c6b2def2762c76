//! The parts of one `Stmt` while it is being read: balances and entries are collected field by
//! field, then checked and turned into a [`Statement`] when their element closes.

use super::Field;
use crate::formats::xml_guard::{xml_amount, xml_date};
use crate::formats::{statement_referencia, Entry, EntryKind, ParseOptions, Problem, Statement};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Reads `CRDT`/`DBIT` as +1/−1.
fn sign(field: &Field<'_>, problems: &mut Vec<Problem>) -> Option<Decimal> {
    match field.text {
        "CRDT" => Some(Decimal::ONE),
        "DBIT" => Some(Decimal::NEGATIVE_ONE),
        other => {
            let reason = format!("must be CRDT or DBIT, got {:?}", crate::domain::dni::shorten(other));
            problems.push(Problem::at_element(field.path, "CdtDbtInd", reason));
            None
        }
    }
}

fn date(field: &Field<'_>, name: &str, problems: &mut Vec<Problem>) -> Option<NaiveDate> {
    xml_date(field.text).map_err(|reason| problems.push(Problem::at_element(field.path, name, reason))).ok()
}

fn missing(problems: &mut Vec<Problem>, path: &str, field: &str) {
    problems.push(Problem::at_element(path, field, format!("{field} is missing")));
}

/// A `Bal` being read.
pub(super) struct BalDraft {
    path: String,
    code: Option<String>,
    /// (amount text, its path, its Ccy): checked only when the code is one we use.
    amount: Option<(String, String, Option<String>)>,
    sign: Option<Decimal>,
    date: Option<NaiveDate>,
}

impl BalDraft {
    pub(super) fn new(path: String) -> Self {
        Self { path, code: None, amount: None, sign: None, date: None }
    }

    pub(super) fn field(&mut self, field: &Field<'_>, problems: &mut Vec<Problem>) {
        match field.rel {
            "Tp/CdOrPrtry/Cd" => self.code = Some(field.text.to_owned()),
            "Amt" => {
                let ccy = field.ccy.map(str::to_owned);
                self.amount = Some((field.text.to_owned(), field.path.to_owned(), ccy));
            }
            "CdtDbtInd" => self.sign = sign(field, problems),
            "Dt/Dt" | "Dt/DtTm" => self.date = date(field, "Dt", problems),
            _ => {}
        }
    }
}

/// A checked balance: signed amount and date.
#[derive(Clone, Copy)]
struct Balance {
    amount: Decimal,
    date: Option<NaiveDate>,
}

/// An `Ntry` being read.
pub(super) struct EntryDraft {
    path: String,
    amount_seen: bool,
    amount: Option<Decimal>,
    sign: Option<Decimal>,
    reversal: bool,
    status: Option<String>,
    booking: Option<NaiveDate>,
    value: Option<NaiveDate>,
    /// The first `EndToEndId` seen, already mapped by `statement_referencia`.
    referencia: Option<Option<String>>,
    kind: EntryKind,
    description: String,
}

impl EntryDraft {
    pub(super) fn new(path: String) -> Self {
        Self {
            path,
            amount_seen: false,
            amount: None,
            sign: None,
            reversal: false,
            status: None,
            booking: None,
            value: None,
            referencia: None,
            kind: EntryKind::Ordinary,
            description: String::new(),
        }
    }

    pub(super) fn field(&mut self, field: &Field<'_>, options: &ParseOptions, problems: &mut Vec<Problem>) {
        let currency = options.currency.as_str();
        match field.rel {
            "Amt" => {
                self.amount_seen = true;
                self.amount = xml_amount(field.path, "Amt", field.text, field.ccy, currency, problems);
            }
            "CdtDbtInd" => self.sign = sign(field, problems),
            "RvslInd" => self.reversal = reversal(field, problems),
            "Sts" | "Sts/Cd" if !field.text.is_empty() => self.status = Some(field.text.to_owned()),
            "BookgDt/Dt" | "BookgDt/DtTm" => self.booking = date(field, "BookgDt", problems),
            "ValDt/Dt" | "ValDt/DtTm" => self.value = date(field, "ValDt", problems),
            "BkTxCd/Domn/Fmly/SubFmlyCd" => self.kind = EntryKind::from_code(field.text),
            "AddtlNtryInf" => self.description = field.text.to_owned(),
            "NtryDtls/TxDtls/Refs/EndToEndId" if self.referencia.is_none() => {
                self.referencia = Some(statement_referencia(field.text));
            }
            _ => {}
        }
    }
}

fn reversal(field: &Field<'_>, problems: &mut Vec<Problem>) -> bool {
    match field.text {
        "true" | "1" => true,
        "false" | "0" => false,
        other => {
            let reason = format!("must be true, false, 1 or 0, got {:?}", crate::domain::dni::shorten(other));
            problems.push(Problem::at_element(field.path, "RvslInd", reason));
            false
        }
    }
}

/// A `Stmt` being read: its own fields, its balances and its booked entries so far.
pub(super) struct StmtDraft {
    pub(super) path: String,
    account: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    opbd: Option<Balance>,
    prcd: Option<Balance>,
    clbd: Option<Balance>,
    entries: Vec<Entry>,
    /// A booked entry could not be kept, so the balance check would only repeat that problem.
    incomplete: bool,
}

impl StmtDraft {
    pub(super) fn new(path: String) -> Self {
        Self {
            path,
            account: None,
            from: None,
            to: None,
            opbd: None,
            prcd: None,
            clbd: None,
            entries: Vec::new(),
            incomplete: false,
        }
    }

    pub(super) fn field(&mut self, field: &Field<'_>, problems: &mut Vec<Problem>) {
        match field.rel {
            "Acct/Id/IBAN" | "Acct/Id/Othr/Id" => self.account = Some(field.text.to_owned()),
            "FrToDt/FrDtTm" => self.from = date(field, "FrDtTm", problems),
            "FrToDt/ToDtTm" => self.to = date(field, "ToDtTm", problems),
            _ => {}
        }
    }

    pub(super) fn add_balance(&mut self, bal: BalDraft, options: &ParseOptions, problems: &mut Vec<Problem>) {
        let code = bal.code.clone().unwrap_or_default();
        if !matches!(code.as_str(), "OPBD" | "PRCD" | "CLBD") {
            return; // Other balance types (OPAV, ITBD…) are not ours to check.
        }
        let Some(balance) = checked_balance(bal, options, problems) else { return };
        let slot = match code.as_str() {
            "OPBD" => &mut self.opbd,
            "PRCD" => &mut self.prcd,
            _ => &mut self.clbd,
        };
        if slot.is_some() {
            problems.push(Problem::at_element(&self.path, "Bal", format!("more than one {code} balance")));
        }
        *slot = Some(balance);
    }

    pub(super) fn add_entry(&mut self, ntry: EntryDraft, problems: &mut Vec<Problem>) {
        let p = &ntry.path;
        if !ntry.amount_seen {
            missing(problems, p, "Amt");
        }
        if ntry.sign.is_none() {
            missing(problems, p, "CdtDbtInd");
        }
        let Some(status) = ntry.status.as_deref() else {
            missing(problems, p, "Sts");
            self.incomplete = true;
            return;
        };
        if status != "BOOK" {
            return; // Pending or information-only entries are validated, never kept.
        }
        if ntry.booking.is_none() {
            missing(problems, p, "BookgDt");
        }
        match (ntry.amount, ntry.sign, ntry.booking) {
            (Some(amount), Some(sign), Some(booking_date)) => self.entries.push(Entry {
                booking_date,
                value_date: ntry.value,
                amount: amount * sign,
                reversal: ntry.reversal,
                referencia: ntry.referencia.flatten(),
                kind: ntry.kind,
                description: ntry.description,
            }),
            _ => self.incomplete = true,
        }
    }

    /// Checks the whole statement and returns what it states when its coverage is known.
    pub(super) fn finish(self, problems: &mut Vec<Problem>) -> Option<Statement> {
        if self.account.is_none() {
            missing(problems, &self.path, "Acct/Id");
        }
        let opening = self.opbd.or(self.prcd);
        if opening.is_none() {
            problems.push(Problem::at_element(&self.path, "Bal", "no opening balance (OPBD or PRCD)"));
        }
        if self.clbd.is_none() {
            problems.push(Problem::at_element(&self.path, "Bal", "no closing balance (CLBD)"));
        }
        let (from, to) = self.coverage(opening, problems)?;
        let opening = opening.map_or(Decimal::ZERO, |b| b.amount);
        let closing = self.clbd.map_or(Decimal::ZERO, |b| b.amount);
        let statement = Statement {
            account: self.account.unwrap_or_default(),
            from,
            to,
            opening,
            closing,
            entries: self.entries,
        };
        if self.clbd.is_some() && !self.incomplete {
            check_balance(&self.path, &statement, problems);
        }
        Some(statement)
    }

    fn coverage(
        &self,
        opening: Option<Balance>,
        problems: &mut Vec<Problem>,
    ) -> Option<(NaiveDate, NaiveDate)> {
        let booked = || {
            let first = self.entries.iter().map(|e| e.booking_date).min()?;
            Some((first, self.entries.iter().map(|e| e.booking_date).max()?))
        };
        let balances = || Some((opening?.date?, self.clbd?.date?));
        let (from, to, what) = match (self.from, self.to) {
            (Some(from), Some(to)) => (from, to, "FrToDt"),
            _ => match booked() {
                Some((from, to)) => (from, to, "booking dates"),
                None => {
                    let Some((from, to)) = balances() else {
                        let reason = "no coverage: neither FrToDt, a booked entry nor dated balances";
                        problems.push(Problem::at_element(&self.path, "FrToDt", reason));
                        return None;
                    };
                    (from, to, "balance dates")
                }
            },
        };
        if to < from {
            let reason = format!("{what} end ({to}) before they start ({from})");
            problems.push(Problem::at_element(&self.path, "FrToDt", reason));
        }
        Some((from, to))
    }
}

fn checked_balance(bal: BalDraft, options: &ParseOptions, problems: &mut Vec<Problem>) -> Option<Balance> {
    let amount = match &bal.amount {
        Some((text, path, ccy)) => xml_amount(path, "Amt", text, ccy.as_deref(), &options.currency, problems),
        None => {
            missing(problems, &bal.path, "Amt");
            None
        }
    };
    if bal.sign.is_none() {
        missing(problems, &bal.path, "CdtDbtInd");
    }
    if bal.date.is_none() {
        missing(problems, &bal.path, "Dt");
    }
    // A missing indicator is already a problem; the amount is kept as stated for `inspect`.
    Some(Balance { amount: amount? * bal.sign.unwrap_or(Decimal::ONE), date: bal.date })
}

fn check_balance(path: &str, st: &Statement, problems: &mut Vec<Problem>) {
    let sum: Decimal = st.entries.iter().map(|e| e.amount).sum();
    let expected = st.opening + sum;
    if expected != st.closing {
        let reason = format!(
            "does not balance: opening {} + booked entries {} = {}, but the closing balance (CLBD) is {}",
            st.opening, sum, expected, st.closing
        );
        problems.push(Problem::at_element(path, "CLBD", reason));
    }
}
