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
    let folder = output.join(report.period.to_string());
    let xlsx_path = folder.join("reporte.xlsx");
    prepared
        .add_written(&xlsx_path, |out| {
            without_panic(&folder, || {
                xlsx::render(&view, language, &raffle, &folder, out).map_err(Into::into)
            })
        })
        .with_context(|| format!("Failed to write the spreadsheet {}", xlsx_path.display()))?;
    Ok(())
}

/// Runs `render`, turning a panic into an error. rust_xlsxwriter panics when it cannot write a
/// long sheet's temporary file (in `folder`), which in practice means the disk is full: the job
/// must then stop with an error that says so, like any other failed write, not with a panic.
fn without_panic(folder: &Path, render: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    // Nothing `render` touches outlives a panic: the workbook is dropped with it and the
    // half-written spreadsheet is removed by `Prepared::add_written`.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(render)).unwrap_or_else(|payload| {
        let cause = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        Err(anyhow::anyhow!(
            "the sheets' temporary files in {} could not be written (is the disk full?): {cause}",
            folder.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Period;

    fn empty_report() -> PeriodReport {
        PeriodReport {
            period: Period::parse("2012-07").expect("a period"),
            exceptions: std::sync::Arc::default(),
            account_months: account_month_rows::AccountMonthRows::default(),
            indicators: Vec::new(),
            districts: Vec::new(),
        }
    }

    /// The long sheets' temporary files go to the folder the job names (the period's output
    /// folder), not to the system's temporary folder: one that cannot hold them fails the
    /// spreadsheet with rust_xlsxwriter's error, and a writable one renders it.
    #[test]
    fn the_sheets_temporary_files_go_to_the_folder_given() {
        let dir = tempfile::tempdir().expect("a folder");
        let report = empty_report();
        let view = view::ReportView::new(&report);
        let render = |tempdir: &Path| {
            xlsx::render(&view, Language::Es, &raffle_status::RaffleStatus::Pending, tempdir, Vec::new())
        };
        let missing = dir.path().join("missing");
        let refused = render(&missing).expect_err("no folder to write the sheets in");
        assert!(
            matches!(&refused, rust_xlsxwriter::XlsxError::TempFileError(path, _) if *path == missing),
            "{refused:?}"
        );
        render(dir.path()).expect("the spreadsheet renders with its sheets in the folder");
    }

    /// rust_xlsxwriter panics when a sheet's temporary file cannot be written (a full disk): the
    /// job gets an error naming the folder and the cause, and a render that works is untouched.
    #[test]
    fn a_panic_while_rendering_is_an_error_naming_the_folder_and_the_cause() {
        let folder = Path::new("/srv/alcancia/out/2012-07");
        let failed =
            without_panic(folder, || panic!("constant memory XML write error: No space left on device"))
                .expect_err("a panic is an error");
        let message = failed.to_string();
        assert!(message.contains("/srv/alcancia/out/2012-07"), "{message}");
        assert!(message.contains("is the disk full?"), "{message}");
        assert!(message.contains("No space left on device"), "{message}");
        let formatted = without_panic(folder, || panic!("{} rows", 3)).expect_err("a formatted panic");
        assert!(formatted.to_string().ends_with(": 3 rows"), "{formatted}");
        without_panic(folder, || Ok(())).expect("no panic, no error");
        let error =
            without_panic(folder, || Err(anyhow::anyhow!("refused"))).expect_err("an error stays one");
        assert_eq!(error.to_string(), "refused");
    }
}
