//! Outputs: the machine-readable CSVs of SPEC §4, written atomically (temp file + rename), and
//! the safe-cell rule that keeps spreadsheets from running text as formulas; the person-facing
//! reports (`reporte.html`, `reporte.xlsx`) drawn from a period's stored results; the metrics
//! file of each run.
//!
//! Reports render numbers; they never compute business figures.

pub mod account_month_rows;
pub mod charts;
pub mod csv_out;
pub mod format;
pub mod html;
pub mod labels;
pub mod metrics;
pub mod period_files;
pub mod raffle_status;
pub mod view;
pub mod xlsx;

pub use csv_out::{Cell, CsvTable, Prepared};

use crate::store::PeriodReport;
use anyhow::Context as _;
use labels::Language;
use std::path::{Path, PathBuf};

/// Writes `reporte.html` and `reporte.xlsx` of one period under `<output>/<M>/`, atomically,
/// from its stored results and the published raffle files. Returns the HTML file's path.
pub fn write_reports(output: &Path, report: &PeriodReport, language: Language) -> anyhow::Result<PathBuf> {
    let mut prepared = Prepared::default();
    let html_path = prepare_reports(&mut prepared, output, report, language)?;
    prepared.persist().context("Failed to put the reports in place")?;
    Ok(html_path)
}

/// The two reports, under temporary names until `prepared` is persisted. Returns the HTML
/// file's path.
pub fn prepare_reports(
    prepared: &mut Prepared,
    output: &Path,
    report: &PeriodReport,
    language: Language,
) -> anyhow::Result<PathBuf> {
    let html_path = prepare_html(prepared, output, report, language)?;
    prepare_xlsx(prepared, output, report, language)?;
    Ok(html_path)
}

/// `reporte.html`, under a temporary name until `prepared` is persisted. Returns its path.
pub fn prepare_html(
    prepared: &mut Prepared,
    output: &Path,
    report: &PeriodReport,
    language: Language,
) -> anyhow::Result<PathBuf> {
    let view = view::ReportView::new(report);
    let raffle = raffle_status::read(output, report.period.raffle_period());
    let html_path = output.join(report.period.to_string()).join("reporte.html");
    prepared
        .add(&html_path, html::render(&view, language, &raffle).as_bytes())
        .with_context(|| format!("Failed to write {}", html_path.display()))?;
    Ok(html_path)
}

/// `reporte.xlsx`, under a temporary name until `prepared` is persisted. At national scale it
/// is the longest of a period's outputs (its account-month sheet is compressed as it is
/// written), so the recompute builds it on a thread of its own.
pub fn prepare_xlsx(
    prepared: &mut Prepared,
    output: &Path,
    report: &PeriodReport,
    language: Language,
) -> anyhow::Result<()> {
    let view = view::ReportView::new(report);
    let raffle = raffle_status::read(output, report.period.raffle_period());
    let xlsx_path = output.join(report.period.to_string()).join("reporte.xlsx");
    prepared
        .add_written(&xlsx_path, |out| xlsx::render(&view, language, &raffle, out))
        .with_context(|| format!("Failed to write the spreadsheet {}", xlsx_path.display()))?;
    Ok(())
}
