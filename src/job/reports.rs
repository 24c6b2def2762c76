//! The person-facing reports of a period, written from its stored results after its CSVs
//! (and by `alcancia report --period M` alone).

use super::Job;
use crate::domain::Period;
use crate::reconcile::{Category, ExceptionRow};
use crate::report::account_month_rows::InOrder;
use crate::store::{PeriodReport, Store};

impl<S: Store> Job<'_, S> {
    /// Writes `reporte.html` and `reporte.xlsx` of `period` from the store.
    #[tracing::instrument(skip_all, fields(period = %period), err)]
    pub async fn write_reports(&mut self, period: Period) -> anyhow::Result<()> {
        // Read back no more of the account-months at once than the recompute held.
        let account_months = InOrder::new(period, &self.settings.output, self.settings.women_per_range);
        let Some(report) = self.store.period_report(period, account_months).await? else {
            anyhow::bail!("{period} has no stored results: run `alcancia reconcile --period {period}` first");
        };
        self.write_report(&report)
    }

    fn write_report(&mut self, report: &PeriodReport) -> anyhow::Result<()> {
        let period = report.period;
        let path =
            crate::report::write_reports(&self.settings.output, report, self.settings.report_language)?;
        tracing::info!(report = %path.display(), "Reports written.");
        self.summary.reports_written.push(period.to_string());
        Ok(())
    }

    /// Counts a recomputed period's exceptions by category (all eleven) for the run summary.
    pub fn record_exceptions(&mut self, period: Period, exceptions: &[ExceptionRow]) {
        let by = self.summary.exceptions.entry(period.to_string()).or_default();
        for category in Category::ALL {
            by.insert(
                category.code().to_owned(),
                exceptions.iter().filter(|x| x.category == category).count() as u64,
            );
        }
    }
}
