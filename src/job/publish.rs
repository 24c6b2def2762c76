//! After a run: the metrics file (`metrics.textfile`) and the e-mail (`[notify]`). Neither can
//! change the run's exit code; a failure to write or send is logged.

use super::Job;
use crate::notify::{self, Email};
use crate::report::metrics::{self, RunMetrics};
use crate::settings::NotifyOn;
use crate::store::Store;
use std::fmt::Write as _;

impl<S: Store> Job<'_, S> {
    /// Writes the metrics file and sends the e-mail the settings ask for. `started_at`: Unix
    /// seconds; `error`: the run's failure, if any.
    pub async fn publish(&self, command: &str, started_at: i64, error: Option<String>) {
        if let Some(path) = &self.settings.metrics_textfile {
            let m = RunMetrics {
                command,
                started_at,
                finished_at: crate::clock::now_unix(),
                summary: &self.summary,
            };
            match metrics::write(path, &m) {
                Ok(()) => tracing::debug!(path = %path.display(), "Metrics written."),
                Err(e) => {
                    tracing::warn!(error = %e, path = %path.display(), "Could not write the metrics file.")
                }
            }
        }
        let Some(settings) = self.settings.notify.clone() else { return };
        if settings.on == NotifyOn::Failure && self.summary.exit_code == 0 {
            return;
        }
        let email = self.email(command, error.as_deref());
        let to = settings.to.len();
        match tokio::task::spawn_blocking(move || notify::send(&settings, &email)).await {
            Ok(Ok(())) => tracing::info!(recipients = to, "Notification sent."),
            Ok(Err(e)) => tracing::warn!(error = format!("{e:#}"), "Could not send the notification."),
            Err(e) => tracing::warn!(error = %e, "Could not send the notification."),
        }
    }

    /// The summary e-mail, with each written HTML report attached.
    fn email(&self, command: &str, error: Option<&str>) -> Email {
        let s = &self.summary;
        let mut body = format!(
            "alcancia {command}: {} (exit code {})\n\nfiles ingested: {}\nfiles already received: {}\nfiles quarantined: {}\nperiods recomputed: {}\n",
            s.status,
            s.exit_code,
            s.files_ingested,
            s.files_duplicate,
            s.files_quarantined,
            if s.periods_recomputed.is_empty() { "none".to_owned() } else { s.periods_recomputed.join(", ") },
        );
        for (period, by) in &s.exceptions {
            let found: Vec<String> =
                by.iter().filter(|(_, n)| **n > 0).map(|(c, n)| format!("{c} {n}")).collect();
            let _ = writeln!(
                body,
                "exceptions {period}: {}",
                if found.is_empty() { "none".into() } else { found.join(", ") }
            );
        }
        if s.files_quarantined > 0 {
            let _ = writeln!(
                body,
                "\nQuarantined files and their reports: {}",
                self.settings.quarantine.display()
            );
        }
        if let Some(error) = error {
            let _ = writeln!(body, "\nError: {error}");
        }
        let _ = writeln!(body, "\nWhat each exit code means and what to do: docs/operations.md");
        let attachments = s
            .reports_written
            .iter()
            .filter_map(|p| {
                let path = self.settings.output.join(p).join("reporte.html");
                std::fs::read(&path).ok().map(|bytes| (format!("reporte-{p}.html"), bytes))
            })
            .collect();
        let periods = if s.reports_written.is_empty() {
            String::new()
        } else {
            format!(" - {}", s.reports_written.join(", "))
        };
        Email {
            subject: format!("[alcancia] {command}: {} (exit {}){periods}", s.status, s.exit_code),
            body,
            attachments,
        }
    }
}
