//! One remote file into the staging folder: re-checked as a regular file of the listed size
//! (not followed if it became a link), streamed into a hidden temporary file while hashed,
//! refused unless exactly the listed number of bytes arrived, fsynced, and only then renamed to
//! its own name. A file in the staging folder under its own name is therefore always whole.

use super::listing::RemoteFile;
use super::SftpError;
use anyhow::Context as _;
use sha2::{Digest, Sha256};
use ssh2::Sftp;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A whole downloaded file.
#[derive(Clone, Debug)]
pub struct Staged {
    pub path: PathBuf,
    pub sha256: String,
}

/// Downloads `remote` (listed as `file`) into `staging` (see the module doc).
pub fn download(sftp: &Sftp, remote: &Path, file: &RemoteFile, staging: &Path) -> Result<Staged, SftpError> {
    let stat = sftp
        .lstat(remote)
        .map_err(|e| SftpError::failed(e, &format!("Failed to stat {}", remote.display())))?;
    if !stat.file_type().is_file() || stat.size != Some(file.size) {
        return Err(SftpError::failed(
            "no longer a regular file of the listed size",
            &format!("{} changed since it was listed", remote.display()),
        ));
    }
    std::fs::create_dir_all(staging).with_context(|| format!("Failed to create {}", staging.display()))?;
    let partial = staging.join(format!(".{}.part", file.name));
    let result = copy(sftp, remote, file, &partial);
    let sha256 = match result {
        Ok(sha256) => sha256,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    let path = staging.join(&file.name);
    std::fs::rename(&partial, &path).with_context(|| format!("Failed to stage {}", path.display()))?;
    if let Ok(dir) = std::fs::File::open(staging) {
        dir.sync_all().ok();
    }
    tracing::info!(name = %file.name, size = file.size, "Downloaded a remote file.");
    Ok(Staged { path, sha256 })
}

/// Streams the remote file into `partial`, fsynced; its SHA-256.
fn copy(sftp: &Sftp, remote: &Path, file: &RemoteFile, partial: &Path) -> Result<String, SftpError> {
    let mut source = sftp
        .open(remote)
        .map_err(|e| SftpError::failed(e, &format!("Failed to open {}", remote.display())))?;
    let mut out =
        std::fs::File::create(partial).with_context(|| format!("Failed to create {}", partial.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = source.read(&mut buffer).map_err(|e| {
            SftpError::failed(e, &format!("Download of {} broke off after {total} bytes", remote.display()))
        })?;
        let Some(chunk) = buffer.get(..n) else { break };
        if chunk.is_empty() {
            break;
        }
        hasher.update(chunk);
        out.write_all(chunk).with_context(|| format!("Failed to write {}", partial.display()))?;
        total += n as u64;
        if total > file.size {
            break;
        }
    }
    if total != file.size {
        return Err(SftpError::failed(
            format!("{total} bytes received, {} listed", file.size),
            &format!("Download of {} is incomplete or the file changed", remote.display()),
        ));
    }
    out.sync_all().with_context(|| format!("Failed to fsync {}", partial.display()))?;
    Ok(hex::encode(hasher.finalize()))
}
