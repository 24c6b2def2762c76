//! The run lock: two runs never overlap. On SQLite it is an exclusive lock on a file beside the
//! database (released by the OS when the process dies, so a killed run never leaves it stuck).

use std::fs::File;
use std::path::{Path, PathBuf};

/// Holds the lock while alive.
pub struct RunLock {
    _lock: fd_lock::RwLockWriteGuard<'static, File>,
    pub path: PathBuf,
}

impl RunLock {
    /// Takes the lock, or `Ok(None)` when another run holds it.
    pub fn try_acquire(path: &Path) -> std::io::Result<Option<Self>> {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(path)?;
        // The lock lives as long as the process's run; leaking one small box per run is the
        // simplest way to hold a guard with a 'static lifetime.
        let lock: &'static mut fd_lock::RwLock<File> = Box::leak(Box::new(fd_lock::RwLock::new(file)));
        match lock.try_write() {
            Ok(guard) => Ok(Some(Self { _lock: guard, path: path.to_owned() })),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The lock file for a database URL: beside the SQLite file, else in the working folder.
    pub fn path_for(database_url: &str) -> PathBuf {
        let path = database_url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or(path);
        if database_url.starts_with("sqlite") && !path.is_empty() && path != ":memory:" {
            PathBuf::from(format!("{path}.lock"))
        } else {
            PathBuf::from("alcancia.lock")
        }
    }
}
