//! The metrics file of each run, in the Prometheus text format for node_exporter's textfile
//! collector (`metrics.textfile`): when the last run started and ended, its status and exit
//! code, the files it ingested, skipped and quarantined, and the exceptions by category of
//! every period it recomputed. Written atomically, so the collector never reads half a file.

use crate::store::RunSummary;
use std::fmt::Write as _;
use std::path::Path;

/// What one finished run reports.
pub struct RunMetrics<'a> {
    pub command: &'a str,
    /// Unix seconds.
    pub started_at: i64,
    pub finished_at: i64,
    pub summary: &'a RunSummary,
}

const STATUSES: [&str; 3] = ["OK", "QUARANTINED", "FAILED"];

fn gauge(out: &mut String, name: &str, help: &str, samples: &[(String, String)]) {
    let _ = writeln!(out, "# HELP alcancia_{name} {help}");
    let _ = writeln!(out, "# TYPE alcancia_{name} gauge");
    for (labels, value) in samples {
        let _ = writeln!(out, "alcancia_{name}{labels} {value}");
    }
}

/// A label value as the text format wants it: `\`, `"` and newlines escaped.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The file's text.
pub fn render(m: &RunMetrics<'_>) -> String {
    let s = m.summary;
    let one = |v: String| vec![(String::new(), v)];
    let mut out = String::new();
    gauge(
        &mut out,
        "last_run_info",
        "The command of the last run.",
        &[(format!("{{command=\"{}\"}}", label(m.command)), "1".into())],
    );
    gauge(
        &mut out,
        "last_run_start_time_seconds",
        "Start of the last run, Unix time.",
        &one(m.started_at.to_string()),
    );
    gauge(
        &mut out,
        "last_run_end_time_seconds",
        "End of the last run, Unix time.",
        &one(m.finished_at.to_string()),
    );
    let statuses: Vec<(String, String)> = STATUSES
        .iter()
        .map(|st| (format!("{{status=\"{st}\"}}"), u8::from(s.status == *st).to_string()))
        .collect();
    gauge(
        &mut out,
        "last_run_status",
        "1 for the status of the last run (OK, QUARANTINED, FAILED).",
        &statuses,
    );
    gauge(&mut out, "last_run_exit_code", "Exit code of the last run.", &one(s.exit_code.to_string()));
    gauge(
        &mut out,
        "last_run_files_ingested",
        "Files stored by the last run.",
        &one(s.files_ingested.to_string()),
    );
    gauge(
        &mut out,
        "last_run_files_duplicate",
        "Files the last run skipped as already received.",
        &one(s.files_duplicate.to_string()),
    );
    gauge(
        &mut out,
        "last_run_files_quarantined",
        "Files the last run quarantined.",
        &one(s.files_quarantined.to_string()),
    );
    gauge(
        &mut out,
        "last_run_periods_recomputed",
        "Periods the last run recomputed.",
        &one(s.periods_recomputed.len().to_string()),
    );
    let exceptions: Vec<(String, String)> = s
        .exceptions
        .iter()
        .flat_map(|(period, by)| {
            by.iter().map(move |(category, n)| {
                (format!("{{period=\"{}\",category=\"{}\"}}", label(period), label(category)), n.to_string())
            })
        })
        .collect();
    gauge(
        &mut out,
        "last_run_exceptions",
        "Reconciliation exceptions of each period the last run recomputed, by category.",
        &exceptions,
    );
    out
}

/// Writes the file atomically.
pub fn write(path: &Path, m: &RunMetrics<'_>) -> std::io::Result<()> {
    super::csv_out::write_atomically(path, render(m).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_gauge_with_help_and_type() {
        let mut summary = RunSummary {
            status: "QUARANTINED".into(),
            exit_code: 3,
            files_quarantined: 1,
            ..Default::default()
        };
        summary.exceptions.entry("2012-07".into()).or_default().insert("RETURNED".into(), 2);
        let text =
            render(&RunMetrics { command: "run", started_at: 100, finished_at: 160, summary: &summary });
        assert!(text.contains("alcancia_last_run_start_time_seconds 100\n"), "{text}");
        assert!(text.contains("alcancia_last_run_end_time_seconds 160\n"), "{text}");
        assert!(text.contains("alcancia_last_run_status{status=\"QUARANTINED\"} 1\n"), "{text}");
        assert!(text.contains("alcancia_last_run_status{status=\"OK\"} 0\n"), "{text}");
        assert!(text.contains("alcancia_last_run_exit_code 3\n"), "{text}");
        assert!(
            text.contains("alcancia_last_run_exceptions{period=\"2012-07\",category=\"RETURNED\"} 2\n"),
            "{text}"
        );
        assert_eq!(text.matches("# TYPE").count(), 10);
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
