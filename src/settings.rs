//! Configuration (SPEC §6): built-in defaults, then `config/default.toml` (or `--config FILE`),
//! then `ALCANCIA__SECTION__KEY` environment variables. Read once into raw structs that refuse
//! unknown keys, then validated into [`Settings`]; an error names the key and the reason.

mod reporting;

use reporting::{validate_notify, RawMetrics, RawNotify, RawReport};
pub use reporting::{NotifyOn, NotifySettings};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A configuration error: the key and the reason. Exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    database: RawDatabase,
    paths: RawPaths,
    bank: RawBank,
    reconcile: RawReconcile,
    saver: RawSaver,
    raffle: RawRaffle,
    log: RawLog,
    #[serde(default)]
    sftp: crate::fetch::sftp::config::RawSftp,
    #[serde(default)]
    report: RawReport,
    #[serde(default)]
    metrics: RawMetrics,
    #[serde(default)]
    notify: RawNotify,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    /// `sqlite://var/alcancia.db` (created on first use) or `postgres://…` (password from the
    /// environment only).
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    inbox: PathBuf,
    archive: PathBuf,
    quarantine: PathBuf,
    output: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBank {
    currency: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReconcile {
    grace_days: i64,
    women_per_range: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSaver {
    min_month_end_balance: String,
    require_activity: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRaffle {
    winners_per_district: i64,
    alternates_per_district: i64,
    exclude_previous_draws: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLog {
    format: String,
    level: String,
}

/// Validated settings.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub inbox: PathBuf,
    pub archive: PathBuf,
    pub quarantine: PathBuf,
    pub output: PathBuf,
    pub currency: String,
    pub grace_days: u32,
    /// `reconcile.women_per_range`: a period whose roster is larger is recomputed in account
    /// ranges of at most this many roster accounts (bounds the recompute's memory), and
    /// `alcancia report` holds at most this many of a period's account-months at once.
    pub women_per_range: usize,
    pub saver_min_month_end_balance: Decimal,
    pub saver_require_activity: bool,
    pub raffle_winners_per_district: usize,
    pub raffle_alternates_per_district: usize,
    pub raffle_exclude_previous_draws: usize,
    pub log_format: LogFormat,
    pub log_level: String,
    /// `sftp.*`: the staging folder and the SFTP sources.
    pub sftp: crate::fetch::sftp::SftpSettings,
    pub report_language: crate::report::labels::Language,
    /// Where to write the metrics file after each run.
    pub metrics_textfile: Option<PathBuf>,
    /// E-mail notification, when configured.
    pub notify: Option<NotifySettings>,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
    /// Text on a terminal, JSON otherwise (cron, systemd, containers).
    Auto,
}

/// The database URL with any password replaced, for logs and `Debug`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("inbox", &self.inbox)
            .field("archive", &self.archive)
            .field("quarantine", &self.quarantine)
            .field("output", &self.output)
            .field("currency", &self.currency)
            .field("grace_days", &self.grace_days)
            .field("sftp", &self.sftp)
            .finish_non_exhaustive()
    }
}

const DEFAULTS: &[(&str, &str)] = &[
    ("database.url", "sqlite://var/alcancia.db"),
    ("paths.inbox", "var/inbox"),
    ("paths.archive", "var/archive"),
    ("paths.quarantine", "var/quarantine"),
    ("paths.output", "out"),
    ("bank.currency", "PEN"),
    ("reconcile.grace_days", "10"),
    ("reconcile.women_per_range", "1000000"),
    ("saver.min_month_end_balance", "10.00"),
    ("saver.require_activity", "true"),
    ("raffle.winners_per_district", "2"),
    ("raffle.alternates_per_district", "2"),
    ("raffle.exclude_previous_draws", "2"),
    ("log.format", "text"),
    ("log.level", "info"),
];

impl Settings {
    /// Loads the layers. `file`: `--config FILE`, which must exist; without it
    /// `config/default.toml` is read when present.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, std::env::vars())
    }

    /// As [`Settings::load`], with the environment given (for tests).
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut builder = config::Config::builder();
        for (key, value) in DEFAULTS {
            builder = builder.set_default(*key, *value).map_err(|e| ConfigError(e.to_string()))?;
        }
        match file {
            Some(path) => {
                if !path.is_file() {
                    return Err(ConfigError(format!("--config {}: no such file", path.display())));
                }
                builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
            }
            None => {
                builder = builder.add_source(config::File::with_name("config/default.toml").required(false));
            }
        }
        let env: std::collections::HashMap<String, String> = env.into_iter().collect();
        let source: config::Map<String, String> = env
            .iter()
            .filter(|(k, _)| k.starts_with("ALCANCIA__"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("ALCANCIA")
                .prefix_separator("__")
                .separator("__")
                .source(Some(source)),
        );
        let built = builder.build().map_err(|e| ConfigError(e.to_string()))?;
        let raw: Raw = built.try_deserialize().map_err(|e| ConfigError(e.to_string()))?;
        Self::validate(raw, &env)
    }

    fn validate(raw: Raw, env: &std::collections::HashMap<String, String>) -> Result<Self, ConfigError> {
        let bad = |key: &str, reason: String| ConfigError(format!("{key}: {reason}"));
        let url = raw.database.url.trim().to_owned();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(bad("database.url", "must start with sqlite: or postgres://".into()));
        }
        let currency = raw.bank.currency;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad("bank.currency", format!("must be three upper-case letters, got {currency:?}")));
        }
        let grace_days =
            u32::try_from(raw.reconcile.grace_days).ok().filter(|d| *d <= 60).ok_or_else(|| {
                bad("reconcile.grace_days", "must be a whole number of days from 0 to 60".into())
            })?;
        let women_per_range = usize::try_from(raw.reconcile.women_per_range)
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad("reconcile.women_per_range", "must be a whole number from 1 up".into()))?;
        let min_balance = Decimal::from_str(raw.saver.min_month_end_balance.trim())
            .ok()
            .filter(|d| !d.is_sign_negative())
            .ok_or_else(|| {
                bad("saver.min_month_end_balance", "must be an amount ≥ 0 such as 10.00".into())
            })?;
        let count = |key: &str, v: i64, min: i64| {
            usize::try_from(v)
                .ok()
                .filter(|n| *n as i64 >= min && *n <= 1000)
                .ok_or_else(|| bad(key, format!("must be a whole number from {min} to 1000")))
        };
        let log_format = match raw.log.format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            "auto" => LogFormat::Auto,
            other => {
                return Err(bad(
                    "log.format",
                    format!("must be \"text\", \"json\" or \"auto\", got {other:?}"),
                ))
            }
        };
        let report_language =
            crate::report::labels::Language::parse(raw.report.language.trim()).ok_or_else(|| {
                bad("report.language", format!("must be \"es\" or \"en\", got {:?}", raw.report.language))
            })?;
        let textfile = raw.metrics.textfile.trim();
        let metrics_textfile = (!textfile.is_empty()).then(|| PathBuf::from(textfile));
        let notify = validate_notify(raw.notify)?;
        Ok(Self {
            database_url: url,
            inbox: raw.paths.inbox,
            archive: raw.paths.archive,
            quarantine: raw.paths.quarantine,
            output: raw.paths.output,
            currency,
            grace_days,
            women_per_range,
            saver_min_month_end_balance: min_balance,
            saver_require_activity: raw.saver.require_activity,
            raffle_winners_per_district: count(
                "raffle.winners_per_district",
                raw.raffle.winners_per_district,
                1,
            )?,
            raffle_alternates_per_district: count(
                "raffle.alternates_per_district",
                raw.raffle.alternates_per_district,
                0,
            )?,
            raffle_exclude_previous_draws: count(
                "raffle.exclude_previous_draws",
                raw.raffle.exclude_previous_draws,
                0,
            )?,
            log_format,
            log_level: raw.log.level,
            sftp: raw.sftp.validate(env)?,
            report_language,
            metrics_textfile,
            notify,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[bank]\ncurrency = \"PEN\"\n").unwrap();
        Settings::load_with_env(Some(&file), env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn defaults_apply() {
        let s = load(&[]).unwrap();
        assert_eq!(s.grace_days, 10);
        assert_eq!(s.saver_min_month_end_balance, Decimal::new(1000, 2));
        assert_eq!(s.database_url, "sqlite://var/alcancia.db");
    }

    #[test]
    fn environment_overrides_and_bad_values_name_the_key() {
        assert_eq!(load(&[("ALCANCIA__RECONCILE__GRACE_DAYS", "5")]).unwrap().grace_days, 5);
        assert_eq!(load(&[]).unwrap().women_per_range, 1_000_000);
        assert_eq!(load(&[("ALCANCIA__RECONCILE__WOMEN_PER_RANGE", "7")]).unwrap().women_per_range, 7);
        assert!(load(&[("ALCANCIA__RECONCILE__WOMEN_PER_RANGE", "0")]).is_err());
        let err = load(&[("ALCANCIA__BANK__CURRENCY", "soles")]).err().unwrap().to_string();
        assert!(err.contains("bank.currency"), "{err}");
        let err = load(&[("ALCANCIA__RECONCILE__GRACE_DAYS", "-1")]).err().unwrap().to_string();
        assert!(err.contains("reconcile.grace_days"), "{err}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[bank]\ncurency = \"PEN\"\n").unwrap();
        let err = Settings::load_with_env(Some(&file), Vec::new()).err().unwrap().to_string();
        assert!(err.contains("curency"), "{err}");
    }

    #[test]
    fn report_metrics_and_notify_sections() {
        let s = load(&[]).unwrap();
        assert_eq!(s.report_language, crate::report::labels::Language::Es);
        assert!(s.metrics_textfile.is_none() && s.notify.is_none());
        let s = load(&[
            ("ALCANCIA__REPORT__LANGUAGE", "en"),
            ("ALCANCIA__METRICS__TEXTFILE", "/var/lib/node_exporter/alcancia.prom"),
            ("ALCANCIA__NOTIFY__SMTP_HOST", "127.0.0.1"),
            ("ALCANCIA__NOTIFY__SMTP_PORT", "2525"),
            ("ALCANCIA__NOTIFY__FROM", "job@juntos.gob.pe"),
            ("ALCANCIA__NOTIFY__TO", "a@juntos.gob.pe, b@juntos.gob.pe"),
            ("ALCANCIA__NOTIFY__ON", "always"),
        ])
        .unwrap();
        assert_eq!(s.report_language, crate::report::labels::Language::En);
        let n = s.notify.unwrap();
        assert_eq!((n.smtp_port, n.on, n.to.len()), (2525, NotifyOn::Always, 2));
        let err = load(&[("ALCANCIA__REPORT__LANGUAGE", "qu")]).err().unwrap().to_string();
        assert!(err.contains("report.language"), "{err}");
        let err = load(&[("ALCANCIA__NOTIFY__SMTP_HOST", "h"), ("ALCANCIA__NOTIFY__FROM", "x@y")])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("notify.to"), "{err}");
        // The password is never a configuration key.
        let err = load(&[("ALCANCIA__NOTIFY__PASSWORD", "secret")]).err().unwrap().to_string();
        assert!(err.contains("password"), "{err}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://job:secret@db/alcancia"), "postgres://job:***@db/alcancia");
    }
}
