//! The `[report]`, `[metrics]` and `[notify]` sections: raw as read, and `[notify]` validated.

use super::ConfigError;
use serde::Deserialize;

/// `[report]`: the person-facing reports.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawReport {
    /// `es` (default) or `en`.
    pub(super) language: String,
}

impl Default for RawReport {
    fn default() -> Self {
        Self { language: "es".into() }
    }
}

/// `[metrics]`: the Prometheus text file written after each run (empty: none).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawMetrics {
    pub(super) textfile: String,
}

/// `[notify]`: e-mail after a run (empty `smtp_host`: none). The password comes only from the
/// environment variable `ALCANCIA_SMTP_PASSWORD`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawNotify {
    smtp_host: String,
    smtp_port: i64,
    starttls: bool,
    username: String,
    from: String,
    to: AddressList,
    on: String,
}

impl Default for RawNotify {
    fn default() -> Self {
        Self {
            smtp_host: String::new(),
            smtp_port: 587,
            starttls: true,
            username: String::new(),
            from: String::new(),
            to: AddressList::List(Vec::new()),
            on: "failure".into(),
        }
    }
}

/// A TOML list of addresses, or one comma-separated text (from the environment).
#[derive(Deserialize)]
#[serde(untagged)]
enum AddressList {
    List(Vec<String>),
    Text(String),
}

impl AddressList {
    fn into_vec(self) -> Vec<String> {
        let items = match self {
            Self::List(v) => v,
            Self::Text(t) => t.split(',').map(str::to_owned).collect(),
        };
        items.into_iter().map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect()
    }
}

/// When to send the e-mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyOn {
    /// Only when a run ends with an exit code other than 0.
    Failure,
    /// After every run (with the reports it wrote attached).
    Always,
}

/// Validated `[notify]` settings.
#[derive(Clone, Debug)]
pub struct NotifySettings {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub starttls: bool,
    /// Empty: no authentication.
    pub username: String,
    pub from: String,
    pub to: Vec<String>,
    pub on: NotifyOn,
}

pub(super) fn validate_notify(raw: RawNotify) -> Result<Option<NotifySettings>, ConfigError> {
    let bad = |key: &str, reason: &str| ConfigError(format!("notify.{key}: {reason}"));
    let host = raw.smtp_host.trim().to_owned();
    if host.is_empty() {
        return Ok(None);
    }
    let smtp_port = u16::try_from(raw.smtp_port)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| bad("smtp_port", "must be a port from 1 to 65535"))?;
    let address = |a: &str| a.contains('@') && !a.contains(char::is_whitespace);
    let from = raw.from.trim().to_owned();
    if !address(&from) {
        return Err(bad("from", "must be an e-mail address"));
    }
    let to = raw.to.into_vec();
    if to.is_empty() || !to.iter().all(|a| address(a)) {
        return Err(bad("to", "must list one or more e-mail addresses"));
    }
    let on = match raw.on.as_str() {
        "failure" => NotifyOn::Failure,
        "always" => NotifyOn::Always,
        _ => return Err(bad("on", "must be \"failure\" or \"always\"")),
    };
    Ok(Some(NotifySettings {
        smtp_host: host,
        smtp_port,
        starttls: raw.starttls,
        username: raw.username.trim().to_owned(),
        from,
        to,
        on,
    }))
}
