//! Host key pinning against an OpenSSH `known_hosts` file. The server's key must already be in
//! the file for `host` (port 22) or `[host]:port`; an unknown or different key refuses the
//! connection with the text an operator needs: which host, which key and SHA-256 fingerprint,
//! which file, and what to do. Nothing is ever added to the file by the program.

use super::SftpError;
use crate::fetch::sftp::config::SftpSource;
use base64::Engine as _;
use ssh2::{CheckResult, HashType, KnownHostFileKind, MethodType, Session};

/// Host key algorithms, strongest first; a key type found in `known_hosts` moves to the front.
const PREFERENCE: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

/// How the host is written in `known_hosts`.
pub fn host_entry(source: &SftpSource) -> String {
    if source.port == 22 {
        source.host.clone()
    } else {
        format!("[{}]:{}", source.host, source.port)
    }
}

/// Asks the server for a key type the file holds, so that a server with several host keys is
/// not taken for one whose key changed.
pub fn prefer_known_types(session: &Session, known_hosts_text: &str, source: &SftpSource) {
    let entry = host_entry(source);
    let known: Vec<&str> = known_hosts_text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let hosts = fields.next()?;
            let key_type = fields.next()?;
            let ours = hosts.starts_with("|1|") || hosts.split(',').any(|h| h == entry);
            ours.then_some(key_type)
        })
        .collect();
    let algorithm_known =
        |alg: &str| known.iter().any(|k| *k == alg || (*k == "ssh-rsa" && alg.starts_with("rsa-sha2-")));
    let mut order: Vec<&str> = PREFERENCE.iter().copied().filter(|a| algorithm_known(a)).collect();
    order.extend(PREFERENCE.iter().copied().filter(|a| !algorithm_known(a)));
    if let Err(error) = session.method_pref(MethodType::HostKey, &order.join(",")) {
        tracing::debug!(%error, "Kept the default host key algorithms.");
    }
}

/// Checks the key the server presented during the handshake against the file.
pub fn verify(session: &Session, known_hosts_text: &str, source: &SftpSource) -> Result<(), SftpError> {
    let (key, _) = session.host_key().ok_or_else(|| {
        SftpError::HostKey(format!("{}: the server presented no host key", host_entry(source)))
    })?;
    if is_revoked(known_hosts_text, key) {
        return Err(SftpError::HostKey(format!(
            "sftp source {}: the host key of {} (fingerprint {}) is marked @revoked in {}; refusing to connect",
            source.name,
            host_entry(source),
            fingerprint(session),
            source.known_hosts.display()
        )));
    }
    let mut known = session.known_hosts().map_err(|e| SftpError::failed(e, "Failed to read known_hosts"))?;
    for (number, line) in known_hosts_text.lines().enumerate() {
        // One unreadable line (an unsupported key type) must not hide the others; a key we
        // cannot read can only make the check refuse, never accept.
        if let Err(error) = known.read_str(line, KnownHostFileKind::OpenSSH) {
            tracing::warn!(line = number + 1, %error, file = %source.known_hosts.display(), "Skipped an unreadable known_hosts line.");
        }
    }
    match known.check_port(&source.host, source.port, key) {
        CheckResult::Match => Ok(()),
        CheckResult::NotFound => Err(SftpError::HostKey(unknown_message(session, key, source))),
        CheckResult::Mismatch => Err(SftpError::HostKey(changed_message(session, key, source))),
        CheckResult::Failure => Err(SftpError::HostKey(format!(
            "{}: the host key could not be checked against {}; refusing to connect",
            host_entry(source),
            source.known_hosts.display()
        ))),
    }
}

/// Whether an `@revoked` line names this key (libssh2 cannot read such lines itself).
fn is_revoked(known_hosts_text: &str, key: &[u8]) -> bool {
    let encoded = base64::engine::general_purpose::STANDARD.encode(key);
    known_hosts_text.lines().any(|line| {
        let mut fields = line.split_whitespace();
        fields.next() == Some("@revoked") && fields.nth(2) == Some(encoded.as_str())
    })
}

/// `SHA256:…` as `ssh-keygen -l` prints it.
fn fingerprint(session: &Session) -> String {
    match session.host_key_hash(HashType::Sha256) {
        Some(hash) => format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(hash)),
        None => "SHA256:(unavailable)".into(),
    }
}

/// The algorithm name at the start of an SSH key blob (`ssh-ed25519`, `ssh-rsa`, …).
fn key_type(key: &[u8]) -> String {
    let len = key.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(u32::from_be_bytes).unwrap_or(0);
    (4usize.checked_add(len as usize))
        .and_then(|end| key.get(4..end))
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .unwrap_or_else(|| "unknown".into())
}

fn keyscan_command(source: &SftpSource, key: &[u8]) -> String {
    let kind = key_type(key);
    let short = kind.strip_prefix("ssh-").unwrap_or(&kind);
    let short = if short.starts_with("ecdsa") { "ecdsa" } else { short };
    format!("ssh-keyscan -p {} -t {short} {} >> {}", source.port, source.host, source.known_hosts.display())
}

fn unknown_message(session: &Session, key: &[u8], source: &SftpSource) -> String {
    format!(
        "sftp source {}: host key of {} is not in {}. The server presented the {} key with fingerprint {}. \
         Refusing to connect. Confirm this fingerprint with the server's operators by a channel other \
         than this connection (phone, signed letter); only if it matches, add it with `{}` \
         (see docs/operations.md, \"SFTP sources\").",
        source.name,
        host_entry(source),
        source.known_hosts.display(),
        key_type(key),
        fingerprint(session),
        keyscan_command(source, key),
    )
}

fn changed_message(session: &Session, key: &[u8], source: &SftpSource) -> String {
    format!(
        "sftp source {}: HOST KEY CHANGED for {}: {} pins a different key than the {} key the server \
         presented (fingerprint {}). This is either a re-keyed server or someone intercepting the \
         connection. Refusing to connect. Ask the server's operators whether the key changed and \
         confirm the new fingerprint out of band; only then remove the old line with \
         `ssh-keygen -R '{}' -f {}` and add the new key (see docs/operations.md, \"SFTP sources\").",
        source.name,
        host_entry(source),
        source.known_hosts.display(),
        key_type(key),
        fingerprint(session),
        host_entry(source),
        source.known_hosts.display(),
    )
}
