//! The parts of one `PmtInf` while it is being read: its `lote`, period and control totals,
//! and each `CdtTrfTxInf` checked field by field and turned into an [`Instruction`] as soon as
//! it closes. The schema puts `PmtInfId` and `ReqdExctnDt` before the transactions; one that
//! comes after a transaction is a problem, so that no transaction ever waits for its batch.

use crate::domain::{Cci, Dni, Period};
use crate::formats::xml_guard::{xml_amount, xml_date};
use crate::formats::{check_referencia, Instruction, Problem};
use crate::records::HashSet;
use rust_decimal::Decimal;

/// `NbOfTxs` and `CtrlSum` as stated, with their paths.
#[derive(Default)]
pub(super) struct Control {
    count: Option<(String, String)>,
    sum: Option<(String, String)>,
}

impl Control {
    pub(super) fn field(&mut self, name: &str, path: &str, text: &str) {
        match name {
            "NbOfTxs" => self.count = Some((path.to_owned(), text.to_owned())),
            "CtrlSum" => self.sum = Some((path.to_owned(), text.to_owned())),
            _ => {}
        }
    }

    /// Compares with the transactions counted; `required` for the group header.
    pub(super) fn check(
        self,
        at: &str,
        required: bool,
        count: u64,
        sum: Decimal,
        problems: &mut Vec<Problem>,
    ) {
        match self.count {
            Some((path, text)) if text.parse::<u64>().ok() != Some(count) => {
                let reason = format!("control count says {text:?} but there are {count} transactions");
                problems.push(Problem::at_element(path, "NbOfTxs", reason));
            }
            None if required => problems.push(Problem::at_element(at, "NbOfTxs", "NbOfTxs is missing")),
            _ => {}
        }
        match self.sum {
            Some((path, text)) if decimal(&text) != Some(sum) => {
                let reason = format!("control sum says {text:?} but the transactions add up to {sum}");
                problems.push(Problem::at_element(path, "CtrlSum", reason));
            }
            None if required => problems.push(Problem::at_element(at, "CtrlSum", "CtrlSum is missing")),
            _ => {}
        }
    }
}

fn decimal(text: &str) -> Option<Decimal> {
    let plain = !text.is_empty() && text.len() <= 40 && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    plain.then(|| Decimal::from_str_exact(text).ok()).flatten()
}

/// A `CdtTrfTxInf` being read.
pub(super) struct TxDraft {
    path: String,
    referencia: Option<(String, String)>,
    amount_seen: bool,
    amount: Option<Decimal>,
    amount_path: String,
    cuenta: Option<(String, String)>,
    iban: bool,
    /// The `Othr` being read under `Cdtr/Id/PrvtId`: id (with path) and scheme code.
    othr: (Option<(String, String)>, Option<String>),
    dni: Option<(String, String)>,
}

impl TxDraft {
    pub(super) fn new(path: String) -> Self {
        Self {
            path,
            referencia: None,
            amount_seen: false,
            amount: None,
            amount_path: String::new(),
            cuenta: None,
            iban: false,
            othr: (None, None),
            dni: None,
        }
    }

    /// The amount as stated, for the control sums.
    pub(super) fn amount(&self) -> Option<Decimal> {
        self.amount
    }

    pub(super) fn field(
        &mut self,
        rel: &str,
        path: &str,
        text: &str,
        ccy: Option<&str>,
        currency: &str,
        problems: &mut Vec<Problem>,
    ) {
        let owned = || Some((path.to_owned(), text.to_owned()));
        match rel {
            "PmtId/EndToEndId" => self.referencia = owned(),
            "Amt/InstdAmt" => {
                self.amount_seen = true;
                self.amount_path = path.to_owned();
                self.amount = xml_amount(path, "InstdAmt", text, ccy, currency, problems);
            }
            "CdtrAcct/Id/Othr/Id" => self.cuenta = owned(),
            "CdtrAcct/Id/IBAN" => self.iban = true,
            "Cdtr/Id/PrvtId/Othr/Id" => self.othr.0 = owned(),
            "Cdtr/Id/PrvtId/Othr/SchmeNm/Cd" => self.othr.1 = Some(text.to_owned()),
            "Cdtr/Id/PrvtId/Othr" => {
                let (id, scheme) = std::mem::take(&mut self.othr);
                if scheme.as_deref() == Some("NIDN") && self.dni.is_none() {
                    self.dni = id;
                }
            }
            _ => {}
        }
    }
}

/// A `PmtInf` being read.
pub(super) struct PmtInfDraft {
    path: String,
    lote: Option<String>,
    periodo: Option<Period>,
    date_seen: bool,
    control: Control,
    count: u64,
    sum: Decimal,
    /// The batch was announced to the sink.
    pub(super) announced: bool,
}

impl PmtInfDraft {
    pub(super) fn new(path: String) -> Self {
        Self {
            path,
            lote: None,
            periodo: None,
            date_seen: false,
            control: Control::default(),
            count: 0,
            sum: Decimal::ZERO,
            announced: false,
        }
    }

    pub(super) fn field(&mut self, rel: &str, path: &str, text: &str, problems: &mut Vec<Problem>) {
        match rel {
            "PmtInfId" => {
                self.after_transactions(path, "PmtInfId", problems);
                self.lote = Some(text.to_owned());
            }
            "ReqdExctnDt" | "ReqdExctnDt/Dt" | "ReqdExctnDt/DtTm" if !text.is_empty() => {
                self.after_transactions(path, "ReqdExctnDt", problems);
                self.date_seen = true;
                match xml_date(text) {
                    Ok(date) => self.periodo = Some(Period::of_date(date)),
                    Err(reason) => problems.push(Problem::at_element(path, "ReqdExctnDt", reason)),
                }
            }
            "NbOfTxs" | "CtrlSum" => self.control.field(rel, path, text),
            _ => {}
        }
    }

    /// The transactions before `field` were handed on without it.
    fn after_transactions(&self, path: &str, field: &str, problems: &mut Vec<Problem>) {
        if self.count > 0 {
            let reason = format!("{field} must come before the transactions (CdtTrfTxInf)");
            problems.push(Problem::at_element(path, field, reason));
        }
    }

    /// The batch's `lote`: empty when `PmtInfId` is missing (a problem at the end).
    pub(super) fn lote(&self) -> String {
        self.lote.clone().filter(|l| !l.is_empty()).unwrap_or_default()
    }

    /// Checks one transaction; a valid one is its instruction, once the batch's period is known.
    pub(super) fn add(
        &mut self,
        tx: TxDraft,
        seen: &mut HashSet<String>,
        problems: &mut Vec<Problem>,
    ) -> Option<Instruction> {
        self.count += 1;
        self.sum += tx.amount.unwrap_or_default();
        let referencia = referencia(&tx, seen, problems);
        let monto = monto(&tx, problems);
        let cuenta = cuenta(&tx, problems);
        let dni = dni(&tx, problems);
        Some(Instruction {
            lote: self.lote(),
            periodo: self.periodo?,
            dni: dni?,
            cuenta: cuenta?,
            monto: monto?,
            referencia: referencia?,
        })
    }

    /// Checks the batch as a whole and gives its `lote`.
    pub(super) fn finish(self, problems: &mut Vec<Problem>) -> String {
        let lote = self.lote();
        if lote.is_empty() {
            problems.push(Problem::at_element(&self.path, "PmtInfId", "PmtInfId (lote) is missing"));
        }
        if !self.date_seen {
            problems.push(Problem::at_element(&self.path, "ReqdExctnDt", "ReqdExctnDt is missing"));
        }
        self.control.check(&self.path, false, self.count, self.sum, problems);
        lote
    }
}

fn referencia(tx: &TxDraft, seen: &mut HashSet<String>, problems: &mut Vec<Problem>) -> Option<String> {
    let Some((path, text)) = &tx.referencia else {
        problems.push(Problem::at_element(
            &tx.path,
            "EndToEndId",
            "PmtId/EndToEndId (referencia) is missing",
        ));
        return None;
    };
    if let Err(reason) = check_referencia(text) {
        problems.push(Problem::at_element(path, "EndToEndId", reason));
        return None;
    }
    if !seen.insert(text.clone()) {
        let reason = format!("referencia {text} appears more than once in the file");
        problems.push(Problem::at_element(path, "EndToEndId", reason));
        return None;
    }
    Some(text.clone())
}

fn monto(tx: &TxDraft, problems: &mut Vec<Problem>) -> Option<Decimal> {
    if !tx.amount_seen {
        problems.push(Problem::at_element(&tx.path, "InstdAmt", "Amt/InstdAmt (monto) is missing"));
        return None;
    }
    let amount = tx.amount?;
    if amount <= Decimal::ZERO {
        problems.push(Problem::at_element(&tx.amount_path, "InstdAmt", "monto must be greater than 0"));
        return None;
    }
    Some(amount)
}

fn cuenta(tx: &TxDraft, problems: &mut Vec<Problem>) -> Option<Cci> {
    let Some((path, text)) = &tx.cuenta else {
        let what = if tx.iban { "an IBAN is not accepted: " } else { "" };
        let reason = format!("{what}cuenta must be a CCI in CdtrAcct/Id/Othr/Id");
        problems.push(Problem::at_element(&tx.path, "CdtrAcct", reason));
        return None;
    };
    Cci::parse(text).map_err(|reason| problems.push(Problem::at_element(path, "cuenta", reason))).ok()
}

fn dni(tx: &TxDraft, problems: &mut Vec<Problem>) -> Option<Dni> {
    let Some((path, text)) = &tx.dni else {
        let reason = "dni is missing: Cdtr/Id/PrvtId/Othr/Id with SchmeNm/Cd NIDN";
        problems.push(Problem::at_element(&tx.path, "Cdtr", reason));
        return None;
    };
    Dni::parse(text).map_err(|reason| problems.push(Problem::at_element(path, "dni", reason))).ok()
}
