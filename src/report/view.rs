//! What the person-facing reports show, read off a [`PeriodReport`]: stored indicator values
//! looked up by scope and metric, and the exceptions counted and summed by category and by
//! district (the same sums `reconciliation_summary.csv` writes). No business figure is computed
//! here: rates, averages and amounts come from the store as the job wrote them.

use crate::domain::Period;
use crate::reconcile::{Category, ExceptionRow};
use crate::store::{DistrictInfo, PeriodReport};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// Count and sums of the non-empty amount cells of a set of exceptions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub expected: Option<Decimal>,
    pub actual: Option<Decimal>,
}

impl Tally {
    fn add(&mut self, row: &ExceptionRow) {
        self.count += 1;
        let add = |sum: &mut Option<Decimal>, v: Option<Decimal>| {
            if let Some(v) = v {
                *sum = Some(sum.unwrap_or_default() + v);
            }
        };
        add(&mut self.expected, row.expected_amount);
        add(&mut self.actual, row.actual_amount);
    }
}

/// One category with its tally and its tally per district (ubigeo; empty: not in the roster).
#[derive(Clone, Debug)]
pub struct CategoryView {
    pub category: Category,
    pub tally: Tally,
    pub by_district: Vec<(String, Tally)>,
}

/// The view of one period.
pub struct ReportView<'a> {
    pub report: &'a PeriodReport,
    values: HashMap<(Period, &'a str, &'a str, &'a str), &'a str>,
    districts: HashMap<&'a str, &'a DistrictInfo>,
}

impl<'a> ReportView<'a> {
    pub fn new(report: &'a PeriodReport) -> Self {
        let values = report
            .indicators
            .iter()
            .map(|i| ((i.period, i.scope.as_str(), i.scope_id.as_str(), i.metric.as_str()), i.value.as_str()))
            .collect();
        let districts = report.districts.iter().map(|d| (d.ubigeo.as_str(), d)).collect();
        Self { report, values, districts }
    }

    pub fn period(&self) -> Period {
        self.report.period
    }

    /// A stored indicator of this period; `None` when absent or undefined (empty).
    pub fn value(&self, scope: &str, scope_id: &str, metric: &str) -> Option<Decimal> {
        self.value_in(self.report.period, scope, scope_id, metric)
    }

    /// A stored indicator of any stored period up to this one.
    pub fn value_in(&self, period: Period, scope: &str, scope_id: &str, metric: &str) -> Option<Decimal> {
        let text = self.values.get(&(period, scope, scope_id, metric))?;
        Decimal::from_str(text).ok()
    }

    /// A stored count as a whole number (0 when absent).
    pub fn count(&self, scope: &str, scope_id: &str, metric: &str) -> u64 {
        self.value(scope, scope_id, metric).and_then(|d| u64::try_from(d).ok()).unwrap_or(0)
    }

    /// The periods with stored indicators, up to this one, ascending.
    pub fn periods(&self) -> Vec<Period> {
        let mut periods: Vec<Period> = self.report.indicators.iter().map(|i| i.period).collect();
        periods.dedup();
        periods
    }

    pub fn district(&self, ubigeo: &str) -> Option<&'a DistrictInfo> {
        self.districts.get(ubigeo).copied()
    }

    /// `Coporaque (080803)`, or the ubigeo alone when the roster gives no name.
    pub fn district_label(&self, ubigeo: &str, not_in_roster: &str) -> String {
        match self.district(ubigeo) {
            _ if ubigeo.is_empty() => not_in_roster.to_owned(),
            Some(d) if !d.distrito.is_empty() => format!("{} ({ubigeo})", title_case(&d.distrito)),
            _ => ubigeo.to_owned(),
        }
    }

    /// All eleven categories in code order, with their tallies.
    pub fn categories(&self) -> Vec<CategoryView> {
        Category::ALL
            .into_iter()
            .map(|category| {
                let mut tally = Tally::default();
                let mut by: BTreeMap<&str, Tally> = BTreeMap::new();
                for row in self.report.exceptions.iter().filter(|r| r.category == category) {
                    tally.add(row);
                    by.entry(row.ubigeo.as_str()).or_default().add(row);
                }
                let by_district = by.into_iter().map(|(u, t)| (u.to_owned(), t)).collect();
                CategoryView { category, tally, by_district }
            })
            .collect()
    }

    /// The tally of every exception of the period.
    pub fn total(&self) -> Tally {
        let mut t = Tally::default();
        self.report.exceptions.iter().for_each(|r| t.add(r));
        t
    }
}

/// `SAN JERONIMO` → `San Jeronimo`, for district names written in capitals.
pub fn title_case(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}
