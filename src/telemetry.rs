//! Logging: human-readable on a terminal, JSON lines when `log.format = "json"`. Logs go to
//! stderr so stdout stays for command output (`inspect` prints JSON there).

use crate::settings::LogFormat;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once. `RUST_LOG` overrides `log.level`.
pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(format!("alcancia={level},warn")))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Text => builder.with_target(false).try_init(),
    };
}
