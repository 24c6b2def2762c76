//! The exception rows of SPEC §3.1, with their identity and amount cells, sorted as §4 says.

use super::matching::Outcome;
use super::{Ledger, PeriodInputs};
use crate::domain::{Estado, Period};
use crate::records::{EntryRec, InstructionRec, RosterMember, Seq};
use crate::records::{HashMap, HashSet};
use rust_decimal::Decimal;

/// The eleven exception categories, in alphabetical (output) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    AccountMismatch,
    AmountMismatch,
    BalanceGap,
    CreditAmountMismatch,
    DuplicateCredit,
    DuplicateInstruction,
    MissingInstruction,
    NotCredited,
    NotEntitled,
    Returned,
    UnexpectedCredit,
}

impl Category {
    pub const ALL: [Category; 11] = [
        Self::AccountMismatch,
        Self::AmountMismatch,
        Self::BalanceGap,
        Self::CreditAmountMismatch,
        Self::DuplicateCredit,
        Self::DuplicateInstruction,
        Self::MissingInstruction,
        Self::NotCredited,
        Self::NotEntitled,
        Self::Returned,
        Self::UnexpectedCredit,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::AccountMismatch => "ACCOUNT_MISMATCH",
            Self::AmountMismatch => "AMOUNT_MISMATCH",
            Self::BalanceGap => "BALANCE_GAP",
            Self::CreditAmountMismatch => "CREDIT_AMOUNT_MISMATCH",
            Self::DuplicateCredit => "DUPLICATE_CREDIT",
            Self::DuplicateInstruction => "DUPLICATE_INSTRUCTION",
            Self::MissingInstruction => "MISSING_INSTRUCTION",
            Self::NotCredited => "NOT_CREDITED",
            Self::NotEntitled => "NOT_ENTITLED",
            Self::Returned => "RETURNED",
            Self::UnexpectedCredit => "UNEXPECTED_CREDIT",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// One row of `reconciliation_exceptions.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionRow {
    pub period: Period,
    pub category: Category,
    pub dni: String,
    pub cuenta: String,
    pub ubigeo: String,
    pub referencia: String,
    pub expected_amount: Option<Decimal>,
    pub actual_amount: Option<Decimal>,
    pub detail: String,
    /// Delivery order of the fact behind the row: the last tie-breaker of the sort.
    pub seq: Seq,
}

struct Context<'a> {
    period: Period,
    people: &'a super::People<'a>,
    /// The range's roster rows by account (an account of the range is held by a woman of the
    /// range, if by any).
    roster_by_cuenta: HashMap<&'a str, &'a RosterMember>,
    entries: HashMap<i64, &'a EntryRec>,
    rows: Vec<ExceptionRow>,
}

impl<'a> Context<'a> {
    fn ubigeo_of_dni(&self, dni: &str) -> String {
        self.people.member(dni).map(|m| m.ubigeo.to_string()).unwrap_or_default()
    }

    fn identity_of_account(&self, account: &str) -> (String, String) {
        self.roster_by_cuenta
            .get(account)
            .map(|m| (m.dni.to_string(), m.ubigeo.to_string()))
            .unwrap_or_default()
    }

    fn about_instruction(
        &mut self,
        category: Category,
        instruction: &InstructionRec,
        expected: Option<Decimal>,
        actual: Option<Decimal>,
        detail: String,
    ) {
        self.rows.push(ExceptionRow {
            period: self.period,
            category,
            dni: instruction.dni.to_string(),
            cuenta: instruction.cuenta.to_string(),
            ubigeo: self.ubigeo_of_dni(instruction.dni.as_str()),
            referencia: instruction.referencia.to_string(),
            expected_amount: expected,
            actual_amount: actual,
            detail,
            seq: instruction.seq,
        });
    }
}

pub(super) fn find_exceptions(
    inputs: &PeriodInputs<'_>,
    outcome: &Outcome,
    ledger: &Ledger,
) -> Vec<ExceptionRow> {
    let mut cx = Context {
        period: inputs.period,
        people: inputs.people,
        roster_by_cuenta: inputs.roster.iter().map(|(_, m)| (m.cuenta.as_str(), *m)).collect(),
        entries: entries_of(inputs, outcome),
        rows: Vec::new(),
    };
    missing_instructions(inputs, &mut cx);
    instruction_findings(inputs, outcome, &mut cx);
    duplicate_credits(inputs, outcome, &mut cx);
    unexpected_credits(inputs, outcome, ledger, &mut cx);
    balance_gaps(inputs, &mut cx);
    let mut rows = cx.rows;
    sort_exceptions(&mut rows);
    rows
}

/// The order of SPEC §4: category, DNI, referencia, account, then delivery order (a total
/// order: every row comes from its own fact).
pub fn sort_exceptions(rows: &mut [ExceptionRow]) {
    rows.sort_by(|a, b| {
        (a.category, &a.dni, &a.referencia, &a.cuenta, a.seq).cmp(&(
            b.category,
            &b.dni,
            &b.referencia,
            &b.cuenta,
            b.seq,
        ))
    });
}

/// The window's entries that the matches and duplicates name (credits and reversals), by id:
/// the only ones looked up, a fraction of the window at national scale.
fn entries_of<'a>(inputs: &PeriodInputs<'a>, outcome: &Outcome) -> HashMap<i64, &'a EntryRec> {
    let named: HashSet<i64> = outcome
        .matches
        .iter()
        .flat_map(|m| [Some(m.entry_id), m.returned_by])
        .chain(outcome.duplicates.iter().flat_map(|d| [Some(d.entry_id), d.offset_by]))
        .flatten()
        .collect();
    inputs.window_entries.iter().filter(|e| named.contains(&e.id)).map(|e| (e.id, e)).collect()
}

fn missing_instructions(inputs: &PeriodInputs<'_>, cx: &mut Context<'_>) {
    for (position, member) in inputs.roster {
        if member.estado == Estado::Activo && inputs.people.first_instruction(member.dni.as_str()).is_none() {
            cx.rows.push(ExceptionRow {
                period: cx.period,
                category: Category::MissingInstruction,
                dni: member.dni.to_string(),
                cuenta: member.cuenta.to_string(),
                ubigeo: member.ubigeo.to_string(),
                referencia: String::new(),
                expected_amount: Some(member.monto),
                actual_amount: None,
                detail: "ACTIVO en el padrón sin instrucción de pago en el periodo".into(),
                seq: Seq { file: 0, position: i64::from(*position) },
            });
        }
    }
}

fn instruction_findings(inputs: &PeriodInputs<'_>, outcome: &Outcome, cx: &mut Context<'_>) {
    let match_of: HashMap<i64, &super::Match> =
        outcome.matches.iter().map(|m| (m.instruction_id, m)).collect();
    let mut instructions: Vec<&InstructionRec> = inputs.instructions.iter().collect();
    instructions.sort_by_key(|i| i.seq);
    for instruction in instructions {
        let member = cx.people.member(instruction.dni.as_str());
        let matched = match_of.get(&instruction.id).copied();
        let credit = matched.and_then(|m| cx.entries.get(&m.entry_id).copied());
        let credit_amount = credit.map(|c| c.amount);
        let monto = Some(instruction.monto);
        match member {
            None => cx.about_instruction(
                Category::NotEntitled,
                instruction,
                None,
                monto,
                "DNI ausente del padrón del periodo".into(),
            ),
            Some(m) => {
                if m.estado != Estado::Activo {
                    let detail = format!("estado {} en el padrón", m.estado);
                    cx.about_instruction(Category::NotEntitled, instruction, None, monto, detail);
                }
                if m.monto != instruction.monto {
                    cx.about_instruction(
                        Category::AmountMismatch,
                        instruction,
                        Some(m.monto),
                        monto,
                        String::new(),
                    );
                }
                if m.cuenta != instruction.cuenta {
                    let detail = format!("cuenta del padrón {}", m.cuenta);
                    cx.about_instruction(
                        Category::AccountMismatch,
                        instruction,
                        monto,
                        credit_amount,
                        detail,
                    );
                }
            }
        }
        // Every instruction of the DNI after her first (in delivery order, whichever range it
        // is in).
        if cx.people.first_instruction(instruction.dni.as_str()) != Some(instruction.seq) {
            let detail = format!("lote {}", instruction.lote);
            cx.about_instruction(Category::DuplicateInstruction, instruction, monto, credit_amount, detail);
        }
        match (matched, credit) {
            (None, _) | (_, None) => {
                cx.about_instruction(Category::NotCredited, instruction, monto, None, String::new())
            }
            (Some(m), Some(c)) => {
                if c.amount != instruction.monto {
                    let detail = format!("abono del {}", c.booking_date);
                    cx.about_instruction(
                        Category::CreditAmountMismatch,
                        instruction,
                        monto,
                        Some(c.amount),
                        detail,
                    );
                }
                if let Some(reversal) = m.returned_by.and_then(|r| cx.entries.get(&r).copied()) {
                    let detail =
                        format!("abono del {} extornado el {}", c.booking_date, reversal.booking_date);
                    cx.about_instruction(Category::Returned, instruction, monto, Some(c.amount), detail);
                }
            }
        }
    }
}

fn duplicate_credits(inputs: &PeriodInputs<'_>, outcome: &Outcome, cx: &mut Context<'_>) {
    // Only the instructions with a duplicate credit, a handful of a period's.
    let wanted: HashSet<i64> = outcome.duplicates.iter().map(|d| d.instruction_id).collect();
    let instructions: HashMap<i64, &InstructionRec> =
        inputs.instructions.iter().filter(|i| wanted.contains(&i.id)).map(|i| (i.id, i)).collect();
    for duplicate in &outcome.duplicates {
        let (Some(instruction), Some(credit)) =
            (instructions.get(&duplicate.instruction_id), cx.entries.get(&duplicate.entry_id).copied())
        else {
            continue;
        };
        let mut detail = format!("abono repetido del {}", credit.booking_date);
        if duplicate.offset_by.is_some() {
            detail.push_str(", extornado por el banco");
        }
        cx.rows.push(ExceptionRow {
            period: cx.period,
            category: Category::DuplicateCredit,
            dni: instruction.dni.to_string(),
            cuenta: credit.account.to_string(),
            ubigeo: cx.ubigeo_of_dni(instruction.dni.as_str()),
            referencia: instruction.referencia.to_string(),
            expected_amount: Some(instruction.monto),
            actual_amount: Some(credit.amount),
            detail,
            seq: credit.seq,
        });
    }
}

/// Credits with a referencia booked in M that neither matched nor were a duplicate, in this
/// period or an earlier one (whose grace days reach into M).
fn unexpected_credits(inputs: &PeriodInputs<'_>, outcome: &Outcome, ledger: &Ledger, cx: &mut Context<'_>) {
    let taken: HashSet<i64> = outcome.matches.iter().map(|m| m.entry_id).collect();
    let (first, last) = (inputs.period.first_day(), inputs.period.last_day());
    for credit in inputs.window_entries {
        let in_month = credit.booking_date >= first && credit.booking_date <= last;
        if !credit.is_credit() || !in_month || credit.referencia.is_none() {
            continue;
        }
        if taken.contains(&credit.id)
            || outcome.duplicate_credits.contains(&credit.id)
            || ledger.consumed_credits.contains(&credit.id)
        {
            continue;
        }
        let (dni, ubigeo) = cx.identity_of_account(&credit.account);
        cx.rows.push(ExceptionRow {
            period: cx.period,
            category: Category::UnexpectedCredit,
            dni,
            cuenta: credit.account.to_string(),
            ubigeo,
            referencia: credit.referencia.as_deref().unwrap_or_default().to_owned(),
            expected_amount: None,
            actual_amount: Some(credit.amount),
            detail: format!("abono del {}", credit.booking_date),
            seq: credit.seq,
        });
    }
}

fn balance_gaps(inputs: &PeriodInputs<'_>, cx: &mut Context<'_>) {
    for (statement, previous_closing) in inputs.gap_candidates {
        let Some(previous) = previous_closing else { continue };
        if *previous == statement.opening || crate::domain::Period::of_date(statement.from) != cx.period {
            continue;
        }
        let (dni, ubigeo) = cx.identity_of_account(&statement.account);
        cx.rows.push(ExceptionRow {
            period: cx.period,
            category: Category::BalanceGap,
            dni,
            cuenta: statement.account.to_string(),
            ubigeo,
            referencia: String::new(),
            expected_amount: Some(*previous),
            actual_amount: Some(statement.opening),
            detail: format!("extracto desde el {}", statement.from),
            seq: statement.seq,
        });
    }
}
