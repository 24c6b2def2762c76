//! Monthly indicators (SPEC §3.4) per scope: the whole programme, each group, region and
//! district present in the roster of M, each with the same 14 metrics.
//!
//! Pure: computed from the roster, the instructions, the reconciliation and the account-months
//! of M. Intermediate values are exact; only the written value is rounded.

use crate::domain::money::format_dp;
use crate::domain::{Estado, Period};
use crate::reconcile::{People, PeriodReconciliation};
use crate::records::HashMap;
use crate::records::{EntryRec, InstructionRec};
use crate::savings::AccountMonth;
use rust_decimal::Decimal;

/// The scopes, in output order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Program,
    Group,
    Region,
    District,
}

impl Scope {
    pub fn code(self) -> &'static str {
        match self {
            Self::Program => "PROGRAM",
            Self::Group => "GROUP",
            Self::Region => "REGION",
            Self::District => "DISTRICT",
        }
    }
}

/// One row of `indicators.csv`, its value already written with the metric's decimals
/// (empty when undefined).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorRow {
    pub period: Period,
    pub scope: Scope,
    pub scope_id: String,
    pub metric: &'static str,
    pub value: String,
}

/// Exact running totals of one scope.
#[derive(Default)]
struct Totals {
    population: u64,
    monto_sum: Decimal,
    instructed_count: u64,
    instructed_amount: Decimal,
    credited_count: u64,
    credited_amount: Decimal,
    balances: Vec<Decimal>,
    savers: u64,
    voluntary_depositors: u64,
    withdrew_all: u64,
}

/// The indicators' totals as they are added up, in the order the recompute has its facts: the
/// roster, then the payments (after which the instructions can be freed), then the
/// account-months — of the whole period, or range after range.
pub struct Tally<'a> {
    period: Period,
    people: &'a People<'a>,
    scopes: Vec<((Scope, &'a str), Totals)>,
    /// The four scopes (slots in `scopes`) of each combination of group and district.
    places: Vec<[u32; 4]>,
    /// Each woman's place (by roster position), [`NOT_COUNTED`] when she is not active: one
    /// `u32` a woman, 20 million of them at national scale.
    place_of: Vec<u32>,
}

/// The place of a woman the indicators do not count.
const NOT_COUNTED: u32 = u32::MAX;

impl<'a> Tally<'a> {
    pub fn of_roster(period: Period, people: &'a People<'a>) -> Self {
        let mut slots: HashMap<(Scope, &str), u32> = HashMap::default();
        let mut scopes: Vec<((Scope, &str), Totals)> = Vec::new();
        let mut place_ids: HashMap<[u32; 4], u32> = HashMap::default();
        let mut places: Vec<[u32; 4]> = Vec::new();
        let mut place_of = Vec::with_capacity(people.roster.len());
        for member in people.roster {
            let keys = [
                (Scope::Program, "ALL"),
                (Scope::Group, member.grupo.as_str()),
                (Scope::Region, member.ubigeo.region()),
                (Scope::District, member.ubigeo.as_str()),
            ];
            let of = keys.map(|key| {
                *slots.entry(key).or_insert_with(|| {
                    scopes.push((key, Totals::default()));
                    u32::try_from(scopes.len() - 1).expect("fewer than 2³² scopes: four per district")
                })
            });
            if member.estado == Estado::Activo {
                for slot in of {
                    let t = &mut scopes[slot as usize].1;
                    t.population += 1;
                    t.monto_sum += member.monto;
                }
                place_of.push(*place_ids.entry(of).or_insert_with(|| {
                    places.push(of);
                    u32::try_from(places.len() - 1).expect("fewer than 2³² districts")
                }));
            } else {
                place_of.push(NOT_COUNTED);
            }
        }
        Self { period, people, scopes, places, place_of }
    }

    fn each(&mut self, dni: &str, f: impl FnMut(&mut Totals)) {
        if let Some(position) = self.people.position(dni) {
            self.each_at(position, f);
        }
    }

    /// [`Tally::each`] for the woman at a roster position.
    fn each_at(&mut self, position: usize, mut f: impl FnMut(&mut Totals)) {
        let place = self.place_of[position];
        if place == NOT_COUNTED {
            return;
        }
        for slot in self.places[place as usize] {
            f(&mut self.scopes[slot as usize].1);
        }
    }

    /// The instructed and credited counts and amounts. `credits`: the matched credits (by id)
    /// of the period's matches.
    pub fn add_payments(
        &mut self,
        instructions: &[InstructionRec],
        reconciliation: &PeriodReconciliation,
        credits: &HashMap<i64, &EntryRec>,
    ) {
        let credited: HashMap<i64, i64> =
            reconciliation.credited().map(|m| (m.instruction_id, m.entry_id)).collect();
        for instruction in instructions {
            let credit = credited.get(&instruction.id).and_then(|e| credits.get(e)).map(|c| c.amount);
            self.each(instruction.dni.as_str(), |t| {
                t.instructed_count += 1;
                t.instructed_amount += instruction.monto;
                if let Some(amount) = credit {
                    t.credited_count += 1;
                    t.credited_amount += amount;
                }
            });
        }
    }

    /// The balances, savers and depositors: each account-month with its woman's roster position
    /// (the recompute builds them from the roster rows, so no DNI is looked up again).
    pub fn add_account_months<'r>(
        &mut self,
        account_months: impl IntoIterator<Item = (u32, &'r AccountMonth)>,
    ) {
        for (position, am) in account_months {
            let Some(b) = &am.balances else { continue };
            self.each_at(position as usize, |t| {
                t.balances.push(b.month_end);
                t.savers += u64::from(am.saver);
                t.voluntary_depositors += u64::from(am.voluntary_deposits > 0);
                t.withdrew_all += u64::from(b.min < Decimal::ONE);
            });
        }
    }

    /// The indicator rows, by scope, then scope id, then metric.
    pub fn rows(self) -> Vec<IndicatorRow> {
        let mut scopes = self.scopes;
        scopes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        scopes
            .into_iter()
            .flat_map(|((scope, id), totals)| rows(self.period, scope, id.to_owned(), totals))
            .collect()
    }
}

fn rows(period: Period, scope: Scope, scope_id: String, mut t: Totals) -> Vec<IndicatorRow> {
    let with_data = t.balances.len() as u64;
    let rate = |n: u64| ratio(Decimal::from(n), with_data).map(|v| format_dp(v, 4)).unwrap_or_default();
    let average = ratio(t.balances.iter().sum(), with_data);
    let mean_monto = ratio(t.monto_sum, t.population);
    let pct = match (average, mean_monto) {
        (Some(avg), Some(m)) if !m.is_zero() => format_dp(avg / m * Decimal::ONE_HUNDRED, 2),
        _ => String::new(),
    };
    let median = median(&mut t.balances);
    let mut metrics: Vec<(&'static str, String)> = vec![
        ("accounts_with_data", with_data.to_string()),
        ("active_beneficiaries", t.population.to_string()),
        ("avg_balance_pct_transfer", pct),
        ("avg_month_end_balance", average.map(|v| format_dp(v, 2)).unwrap_or_default()),
        ("credited_amount", format_dp(t.credited_amount, 2)),
        ("credited_count", t.credited_count.to_string()),
        ("instructed_amount", format_dp(t.instructed_amount, 2)),
        ("instructed_count", t.instructed_count.to_string()),
        ("median_month_end_balance", median.map(|v| format_dp(v, 2)).unwrap_or_default()),
        ("savers", t.savers.to_string()),
        ("savers_rate", rate(t.savers)),
        ("voluntary_depositors", t.voluntary_depositors.to_string()),
        ("voluntary_depositors_rate", rate(t.voluntary_depositors)),
        ("withdrew_all_rate", rate(t.withdrew_all)),
    ];
    metrics.sort_by_key(|(name, _)| *name);
    metrics
        .into_iter()
        .map(|(metric, value)| IndicatorRow { period, scope, scope_id: scope_id.clone(), metric, value })
        .collect()
}

fn ratio(numerator: Decimal, denominator: u64) -> Option<Decimal> {
    (denominator > 0).then(|| numerator / Decimal::from(denominator))
}

/// Median; of an even count, the mean of the middle two.
fn median(values: &mut [Decimal]) -> Option<Decimal> {
    if values.is_empty() {
        return None;
    }
    values.sort();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / Decimal::TWO })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_count_is_mean_of_middle_two() {
        let mut v = vec![Decimal::new(4, 0), Decimal::new(1, 0), Decimal::new(3, 0), Decimal::new(2, 0)];
        assert_eq!(median(&mut v), Some(Decimal::new(25, 1)));
        assert_eq!(median(&mut []), None);
    }
}
