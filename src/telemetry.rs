//! Logging: human-readable on a terminal, JSON lines when `log.format = "json"` (or `"auto"`
//! and stderr is not a terminal). Logs go to stderr so stdout stays for command output
//! (`inspect` prints JSON there); they never carry a full DNI, account number or name.

use crate::settings::LogFormat;
use std::io::IsTerminal;
use std::panic::PanicHookInfo;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once, and the panic hook that logs through it. `RUST_LOG`
/// overrides `log.level`.
pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(format!("alcancia={level},warn")))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(|| crate::progress::Stderr);
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let _ = if json {
        builder.json().flatten_event(true).with_current_span(true).try_init()
    } else {
        builder.with_target(false).try_init()
    };
    std::panic::set_hook(Box::new(log_panic));
}

/// The panic hook: a panic is logged as one event like any other, so the log stays JSON lines
/// under cron. Rust's default hook would print a plain `thread … panicked at …` line on stderr
/// instead, for example before the error of a spreadsheet whose temporary files could not be
/// written (rust_xlsxwriter panics there; `report::without_panic` turns it into an error).
fn log_panic(info: &PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = (payload.downcast_ref::<&str>().copied())
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
    let thread = std::thread::current();
    let thread = thread.name().unwrap_or("unnamed");
    // Captured only when RUST_BACKTRACE or RUST_LIB_BACKTRACE asks for it, as the default hook.
    let backtrace = std::backtrace::Backtrace::capture();
    if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
        tracing::error!(panic = message, location, thread, backtrace = %backtrace, "A thread panicked.");
    } else {
        tracing::error!(panic = message, location, thread, "A thread panicked.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A log written into memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("the log").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A panic, even one the job catches and turns into an error, is one JSON line of the log
    /// with its message and where it happened, not a line of plain text beside the log.
    #[test]
    fn a_panic_is_logged_as_one_json_event() {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber =
            tracing_subscriber::fmt().json().flatten_event(true).with_writer(move || writer.clone()).finish();
        std::panic::set_hook(Box::new(log_panic));
        let caught = tracing::subscriber::with_default(subscriber, || {
            std::panic::catch_unwind(|| panic!("Couldn't write to xml file: {}", "No space left on device"))
        });
        // Back to Rust's default hook for the other tests.
        drop(std::panic::take_hook());
        assert!(caught.is_err());
        let text = String::from_utf8(log.0.lock().expect("the log").clone()).expect("UTF-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {text}");
        let event: serde_json::Value = serde_json::from_str(lines[0]).expect("a JSON line");
        assert_eq!(event["level"], "ERROR");
        assert_eq!(event["message"], "A thread panicked.");
        assert_eq!(event["panic"], "Couldn't write to xml file: No space left on device");
        assert!(event["location"].as_str().is_some_and(|l| l.starts_with("src/telemetry.rs:")), "{event}");
    }
}
