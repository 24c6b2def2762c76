//! An SFTP source (the bank's server), with the blocking `ssh2` crate: connect within a time
//! limit, pin the host key ([`host_key`]), log in with a key, list the complete files of
//! interest ([`listing`]), download one into the local staging folder (size checked, fsynced),
//! and — only once the job has stored it — move it to the configured remote folder.
//!
//! Every method here blocks; the job calls them on blocking threads (see `job::sftp`). Every
//! remote operation is bounded by the source's operation timeout.

pub mod config;
mod download;
pub mod host_key;
pub mod listing;
pub mod names;

pub use config::{After, Completion, SftpSettings, SftpSource};
pub use download::Staged;
pub use listing::RemoteFile;

use anyhow::Context as _;
use ssh2::{Session, Sftp};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};

/// Why a source could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum SftpError {
    /// The host key is unknown or changed: a refusal, not retried.
    #[error("{0}")]
    HostKey(String),
    /// Anything else remote (refused, timed out, authentication, dropped): retried.
    #[error("{0:#}")]
    Failed(anyhow::Error),
}

impl SftpError {
    fn failed(error: impl std::fmt::Display, what: &str) -> Self {
        SftpError::Failed(anyhow::anyhow!("{what}: {error}"))
    }
}

impl From<anyhow::Error> for SftpError {
    fn from(error: anyhow::Error) -> Self {
        SftpError::Failed(error)
    }
}

/// A logged-in SFTP session.
pub struct Remote {
    sftp: Sftp,
    // Kept after `sftp` so the SFTP channel closes before the session.
    _session: Session,
}

impl Remote {
    /// Connects, checks the host key, logs in and opens the SFTP channel.
    pub fn connect(source: &SftpSource) -> Result<Self, SftpError> {
        let known_hosts_text = std::fs::read_to_string(&source.known_hosts)
            .with_context(|| format!("Failed to read {}", source.known_hosts.display()))?;
        let tcp = tcp_connect(source)?;
        let mut session =
            Session::new().map_err(|e| SftpError::failed(e, "Failed to start an SSH session"))?;
        session.set_tcp_stream(tcp);
        session.set_timeout(millis(source.operation_timeout));
        host_key::prefer_known_types(&session, &known_hosts_text, source);
        session
            .handshake()
            .map_err(|e| SftpError::failed(e, &format!("SSH handshake with {} failed", where_(source))))?;
        host_key::verify(&session, &known_hosts_text, source)?;
        session
            .userauth_pubkey_file(&source.user, None, &source.private_key, source.passphrase.as_deref())
            .map_err(|e| {
                SftpError::failed(
                    e,
                    &format!(
                        "{} refused the login of user {} with key {} (is its public key in the server's authorized_keys? is the passphrase variable set?)",
                        where_(source),
                        source.user,
                        source.private_key.display()
                    ),
                )
            })?;
        if !session.authenticated() {
            return Err(SftpError::failed(
                "not authenticated",
                &format!("Login to {} failed", where_(source)),
            ));
        }
        let sftp = session.sftp().map_err(|e| SftpError::failed(e, "Failed to open the SFTP channel"))?;
        tracing::info!(host = %source.host, port = source.port, user = %source.user, "Connected to the SFTP server.");
        Ok(Self { sftp, _session: session })
    }

    /// The complete files of interest, in name order (see [`listing`]). Under the `stable`
    /// rule this takes two listings `stable_secs` apart.
    pub fn candidates(&self, source: &SftpSource) -> Result<Vec<RemoteFile>, SftpError> {
        // Under `stable` the skipped entries are reported from the second listing only.
        let first = self.list(source, source.completion == Completion::Marker)?;
        let complete = match source.completion {
            Completion::Stable(wait) => {
                tracing::info!(
                    files = first.len(),
                    wait_secs = wait.as_secs(),
                    "First remote listing taken."
                );
                std::thread::sleep(wait);
                listing::stable(&first, self.list(source, true)?)
            }
            Completion::Marker => listing::marked(first),
        };
        let files = listing::of_interest(complete, source);
        tracing::info!(files = files.len(), remote_dir = %source.remote_dir, "Remote folder listed.");
        Ok(files)
    }

    fn list(&self, source: &SftpSource, report: bool) -> Result<Vec<RemoteFile>, SftpError> {
        let entries = self
            .sftp
            .readdir(Path::new(&source.remote_dir))
            .map_err(|e| SftpError::failed(e, &format!("Failed to list {}", source.remote_dir)))?;
        Ok(listing::regular_files(entries, source, report))
    }

    /// Downloads one listed file into `staging` (see [`download`]).
    pub fn download(
        &self,
        source: &SftpSource,
        file: &RemoteFile,
        staging: &Path,
    ) -> Result<Staged, SftpError> {
        download::download(&self.sftp, &remote_path(source, &file.name), file, staging)
    }

    /// Once the file is safely stored: under `after = "move"`, renames it (then its marker)
    /// into the move folder; under `leave`, nothing.
    pub fn release(&self, source: &SftpSource, file: &RemoteFile, sha256: &str) -> Result<(), SftpError> {
        let After::Move(folder) = &source.after else { return Ok(()) };
        let folder = PathBuf::from(folder);
        // The folder may not exist yet on a fresh server; a failure shows in the rename.
        let _ = self.sftp.mkdir(&folder, 0o750);
        self.move_one(source, &file.name, &folder, sha256)?;
        if let Some(marker) = &file.marker {
            self.move_one(source, marker, &folder, sha256)?;
        }
        tracing::info!(name = %file.name, to = %folder.display(), "Moved the remote file after storing it.");
        Ok(())
    }

    fn move_one(
        &self,
        source: &SftpSource,
        name: &str,
        folder: &Path,
        sha256: &str,
    ) -> Result<(), SftpError> {
        let from = remote_path(source, name);
        // A file of the same name moved on an earlier day keeps its place; this one gets a
        // suffix naming its content.
        let targets =
            [folder.join(name), folder.join(format!("{name}.{}", sha256.get(..12).unwrap_or(sha256)))];
        let mut last = None;
        for target in &targets {
            match self.sftp.rename(&from, target, Some(ssh2::RenameFlags::ATOMIC)) {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(SftpError::failed(
            last.map(|e| e.to_string()).unwrap_or_default(),
            &format!("Failed to move {} into {}", from.display(), folder.display()),
        ))
    }
}

fn remote_path(source: &SftpSource, name: &str) -> PathBuf {
    Path::new(&source.remote_dir).join(name)
}

fn where_(source: &SftpSource) -> String {
    format!("sftp source {} ({}@{}:{})", source.name, source.user, source.host, source.port)
}

fn millis(d: std::time::Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

fn tcp_connect(source: &SftpSource) -> Result<TcpStream, SftpError> {
    let addrs = (source.host.as_str(), source.port)
        .to_socket_addrs()
        .map_err(|e| SftpError::failed(e, &format!("Failed to resolve {}", where_(source))))?;
    let mut last = String::from("no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, source.connect_timeout) {
            Ok(tcp) => {
                // A backstop under libssh2's own timeout.
                tcp.set_read_timeout(Some(source.operation_timeout)).ok();
                tcp.set_write_timeout(Some(source.operation_timeout)).ok();
                return Ok(tcp);
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(SftpError::failed(last, &format!("Failed to connect to {}", where_(source))))
}
