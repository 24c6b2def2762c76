//! The `sftp.*` configuration (SPEC §6): a staging folder and any number of named sources under
//! `[sftp.sources.<name>]`. Read raw (unknown keys refused), then validated into [`SftpSettings`];
//! every error names the full key. The key passphrase is never read from a file: it comes from
//! the environment variable `passphrase_env` names, by default `ALCANCIA_SFTP_<NAME>_PASSPHRASE`.

use crate::settings::ConfigError;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// `[sftp]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSftp {
    /// Local scratch folder for downloads in progress (`var/staging`).
    #[serde(default = "default_staging")]
    staging: PathBuf,
    #[serde(default)]
    sources: BTreeMap<String, RawSource>,
}

impl Default for RawSftp {
    fn default() -> Self {
        Self { staging: default_staging(), sources: BTreeMap::new() }
    }
}

fn default_staging() -> PathBuf {
    PathBuf::from("var/staging")
}

/// `[sftp.sources.<name>]` as written. The doc comments are the user documentation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    /// Server host name or address.
    host: String,
    /// Server port.
    #[serde(default = "default_port")]
    port: i64,
    /// Login user.
    user: String,
    /// Private key file (OpenSSH format).
    private_key: PathBuf,
    /// Environment variable holding the key's passphrase, if the key has one.
    passphrase_env: Option<String>,
    /// OpenSSH `known_hosts` file that pins the server's host key.
    known_hosts: PathBuf,
    /// Remote folder to fetch from.
    remote_dir: String,
    /// File-name globs (`*`, `?`) a remote file must match.
    #[serde(default = "default_patterns")]
    patterns: Vec<String>,
    /// `stable` (size and mtime unchanged across two listings) or `marker` (`NAME.ok`/`NAME.done`).
    #[serde(default = "default_completion")]
    completion: String,
    /// Seconds between the two listings of the `stable` rule.
    #[serde(default = "default_stable_secs")]
    stable_secs: i64,
    /// `leave` the remote file, or `move` it to `move_to` once safely stored.
    #[serde(default = "default_after")]
    after: String,
    /// Remote folder for `after = "move"`.
    move_to: Option<String>,
    #[serde(default = "default_connect_timeout")]
    connect_timeout_secs: i64,
    /// Time limit of each remote operation (listing, a read, a rename).
    #[serde(default = "default_operation_timeout")]
    operation_timeout_secs: i64,
    /// Further attempts after a failed one.
    #[serde(default = "default_retries")]
    retries: i64,
    /// Wait before the first retry; doubled before each further one.
    #[serde(default = "default_backoff")]
    retry_backoff_secs: i64,
}

fn default_port() -> i64 {
    22
}
fn default_patterns() -> Vec<String> {
    vec!["*".into()]
}
fn default_completion() -> String {
    "stable".into()
}
fn default_stable_secs() -> i64 {
    30
}
fn default_after() -> String {
    "leave".into()
}
fn default_connect_timeout() -> i64 {
    15
}
fn default_operation_timeout() -> i64 {
    60
}
fn default_retries() -> i64 {
    3
}
fn default_backoff() -> i64 {
    10
}

/// Validated `sftp.*`.
#[derive(Clone, Debug, Default)]
pub struct SftpSettings {
    pub staging: PathBuf,
    /// In name order.
    pub sources: Vec<SftpSource>,
}

/// How a remote file is known to be complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Same size and mtime in two listings this far apart.
    Stable(Duration),
    /// `NAME.ok` or `NAME.done` exists beside `NAME`.
    Marker,
}

/// What happens to a remote file once it is safely stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum After {
    Leave,
    /// Renamed into this remote folder.
    Move(String),
}

/// One validated source.
#[derive(Clone)]
pub struct SftpSource {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub private_key: PathBuf,
    /// Never logged nor shown by `Debug`.
    pub passphrase: Option<String>,
    pub known_hosts: PathBuf,
    pub remote_dir: String,
    pub patterns: Vec<String>,
    pub completion: Completion,
    pub after: After,
    pub connect_timeout: Duration,
    pub operation_timeout: Duration,
    pub retries: u32,
    pub retry_backoff: Duration,
}

impl fmt::Debug for SftpSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SftpSource")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("private_key", &self.private_key)
            .field("passphrase", &self.passphrase.as_ref().map(|_| "***"))
            .field("known_hosts", &self.known_hosts)
            .field("remote_dir", &self.remote_dir)
            .finish_non_exhaustive()
    }
}

/// The default passphrase variable of a source: `ALCANCIA_SFTP_<NAME>_PASSPHRASE`.
pub fn default_passphrase_env(name: &str) -> String {
    format!("ALCANCIA_SFTP_{}_PASSPHRASE", name.to_ascii_uppercase().replace('-', "_"))
}

impl RawSftp {
    /// Validates every source; `env` is the process environment (for passphrases).
    pub fn validate(self, env: &HashMap<String, String>) -> Result<SftpSettings, ConfigError> {
        let mut sources = Vec::new();
        for (name, raw) in self.sources {
            sources.push(raw.validate(&name, env)?);
        }
        Ok(SftpSettings { staging: self.staging, sources })
    }
}

fn in_range(key: &str, value: i64, min: i64, max: i64) -> Result<u64, ConfigError> {
    u64::try_from(value)
        .ok()
        .filter(|v| (min..=max).contains(&(*v as i64)))
        .ok_or_else(|| ConfigError(format!("{key}: must be a whole number from {min} to {max}")))
}

impl RawSource {
    fn validate(self, name: &str, env: &HashMap<String, String>) -> Result<SftpSource, ConfigError> {
        let key = |k: &str| format!("sftp.sources.{name}.{k}");
        let bad = |k: &str, reason: &str| ConfigError(format!("{}: {reason}", key(k)));
        if name.is_empty()
            || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(ConfigError(format!(
                "sftp.sources.{name}: a source name is lower-case letters, digits, '_' or '-'"
            )));
        }
        if self.host.trim().is_empty() {
            return Err(bad("host", "must not be empty"));
        }
        if self.user.trim().is_empty() {
            return Err(bad("user", "must not be empty"));
        }
        for (k, path) in [("private_key", &self.private_key), ("known_hosts", &self.known_hosts)] {
            if !path.is_file() {
                return Err(bad(k, &format!("no such file {}", path.display())));
            }
        }
        if self.remote_dir.trim().is_empty() {
            return Err(bad("remote_dir", "must not be empty"));
        }
        if self.patterns.is_empty() || self.patterns.iter().any(|p| p.is_empty() || p.contains('/')) {
            return Err(bad("patterns", "must be a non-empty list of file-name globs without '/'"));
        }
        let completion = match self.completion.as_str() {
            "stable" => Completion::Stable(Duration::from_secs(in_range(
                &key("stable_secs"),
                self.stable_secs,
                0,
                3600,
            )?)),
            "marker" => Completion::Marker,
            _ => return Err(bad("completion", "must be \"stable\" or \"marker\"")),
        };
        let after = match (self.after.as_str(), self.move_to) {
            ("leave", None) => After::Leave,
            ("leave", Some(_)) => return Err(bad("move_to", "only allowed with after = \"move\"")),
            ("move", Some(to)) if !to.trim().is_empty() => After::Move(to),
            ("move", _) => return Err(bad("move_to", "required with after = \"move\"")),
            _ => return Err(bad("after", "must be \"leave\" or \"move\"")),
        };
        let passphrase_env = self.passphrase_env.unwrap_or_else(|| default_passphrase_env(name));
        Ok(SftpSource {
            name: name.to_owned(),
            host: self.host.trim().to_owned(),
            port: u16::try_from(in_range(&key("port"), self.port, 1, 65535)?).unwrap_or(22),
            user: self.user.trim().to_owned(),
            private_key: self.private_key,
            passphrase: env.get(&passphrase_env).cloned(),
            known_hosts: self.known_hosts,
            remote_dir: self.remote_dir,
            patterns: self.patterns,
            completion,
            after,
            connect_timeout: secs(in_range(&key("connect_timeout_secs"), self.connect_timeout_secs, 1, 600)?),
            operation_timeout: secs(in_range(
                &key("operation_timeout_secs"),
                self.operation_timeout_secs,
                1,
                3600,
            )?),
            retries: u32::try_from(in_range(&key("retries"), self.retries, 0, 20)?).unwrap_or(0),
            retry_backoff: secs(in_range(&key("retry_backoff_secs"), self.retry_backoff_secs, 0, 600)?),
        })
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[cfg(test)]
mod tests {
    use crate::fetch::sftp::{After, Completion};
    use crate::settings::{ConfigError, Settings};

    /// Loads a configuration whose source `bn` has the given extra lines; key files exist.
    fn load(extra: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let (key, known) = (dir.path().join("id"), dir.path().join("known_hosts"));
        std::fs::write(&key, "k").unwrap();
        std::fs::write(&known, "").unwrap();
        let file = dir.path().join("c.toml");
        let text = format!(
            "[sftp.sources.bn]\nhost = \"sftp.example\"\nuser = \"juntos\"\nprivate_key = {:?}\n\
             known_hosts = {:?}\nremote_dir = \"/out\"\n{extra}",
            key.display().to_string(),
            known.display().to_string()
        );
        std::fs::write(&file, text).unwrap();
        Settings::load_with_env(Some(&file), env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn error(extra: &str) -> String {
        load(extra, &[]).expect_err("an error").to_string()
    }

    #[test]
    fn a_source_gets_its_defaults_and_its_passphrase_from_the_environment_only() {
        let s = load("", &[("ALCANCIA_SFTP_BN_PASSPHRASE", "secreto")]).unwrap();
        let bn = &s.sftp.sources[0];
        assert_eq!((bn.name.as_str(), bn.port, bn.retries), ("bn", 22, 3));
        assert_eq!(bn.completion, Completion::Stable(std::time::Duration::from_secs(30)));
        assert_eq!(bn.after, After::Leave);
        assert_eq!(bn.patterns, vec!["*".to_owned()]);
        assert_eq!(bn.passphrase.as_deref(), Some("secreto"));
        assert!(!format!("{s:?}").contains("secreto"));
        let named = load("passphrase_env = \"BN_KEY\"\n", &[("BN_KEY", "otro")]).unwrap();
        assert_eq!(named.sftp.sources[0].passphrase.as_deref(), Some("otro"));
        assert!(load("", &[]).unwrap().sftp.sources[0].passphrase.is_none());
    }

    #[test]
    fn bad_values_name_the_key() {
        assert!(error("passphrase = \"x\"\n").contains("passphrase"));
        assert!(error("port = 70000\n").contains("sftp.sources.bn.port"));
        assert!(error("completion = \"soon\"\n").contains("sftp.sources.bn.completion"));
        assert!(error("after = \"move\"\n").contains("sftp.sources.bn.move_to"));
        assert!(error("move_to = \"/done\"\n").contains("sftp.sources.bn.move_to"));
        assert!(error("patterns = []\n").contains("sftp.sources.bn.patterns"));
        assert!(error("retries = -1\n").contains("sftp.sources.bn.retries"));
        assert!(error("stable_secs = 99999\n").contains("sftp.sources.bn.stable_secs"));
    }

    #[test]
    fn a_missing_key_file_and_a_bad_source_name_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "[sftp.sources.bn]\nhost = \"h\"\nuser = \"u\"\nprivate_key = \"/nonexistent/key\"\n\
             known_hosts = \"/nonexistent/kh\"\nremote_dir = \"/out\"\n",
        )
        .unwrap();
        let err = Settings::load_with_env(Some(&file), Vec::new()).err().unwrap().to_string();
        assert!(err.contains("sftp.sources.bn.private_key: no such file"), "{err}");
        let text =
            std::fs::read_to_string(&file).unwrap().replace("[sftp.sources.bn]", "[sftp.sources.\"b n\"]");
        std::fs::write(&file, text).unwrap();
        let err = Settings::load_with_env(Some(&file), Vec::new()).err().unwrap().to_string();
        assert!(err.contains("sftp.sources.b n: a source name is"), "{err}");
    }
}
