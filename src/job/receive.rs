//! Receiving a file into the archive without holding it in memory: one pass reads it in
//! blocks, hashes it, decides its text encoding and writes it to a temporary file beside the
//! archive; the copy is then kept under its hash (fsynced, renamed) or dropped as a duplicate.

use crate::formats::encoding::{TextEncoding, Utf8Check};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const BLOCK: usize = 256 * 1024;

/// A file read once and copied into a temporary file of the archive.
pub struct Received {
    pub sha256: String,
    pub size: u64,
    /// The text encoding of the whole file (what CSV and MT940 parsers decode by).
    pub encoding: TextEncoding,
    copy: tempfile::NamedTempFile,
}

/// Reads `path` once: hash, size, encoding, and a synced copy inside `archive_root`.
pub fn receive(path: &Path, archive_root: &Path) -> anyhow::Result<Received> {
    use anyhow::Context as _;
    std::fs::create_dir_all(archive_root)
        .with_context(|| format!("Failed to create the archive folder {}", archive_root.display()))?;
    let mut input =
        std::fs::File::open(path).with_context(|| format!("Failed to read {}", path.display()))?;
    let mut copy =
        tempfile::NamedTempFile::new_in(archive_root).context("Failed to write into the archive")?;
    let (mut hasher, mut check, mut size) = (Sha256::new(), Utf8Check::default(), 0u64);
    let mut block = vec![0u8; BLOCK];
    loop {
        let n = match input.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error).with_context(|| format!("Failed to read {}", path.display())),
        };
        let chunk = &block[..n];
        hasher.update(chunk);
        check.feed(chunk);
        copy.write_all(chunk).context("Failed to write into the archive")?;
        size += n as u64;
    }
    copy.as_file().sync_all().context("Failed to write into the archive")?;
    Ok(Received { sha256: hex::encode(hasher.finalize()), size, encoding: check.finish(), copy })
}

impl Received {
    /// Keeps the copy at `target` (an identical copy already there stays; this one is dropped).
    pub fn keep(self, target: &Path) -> anyhow::Result<PathBuf> {
        use anyhow::Context as _;
        if !target.exists() {
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            self.copy
                .persist(target)
                .map_err(|e| e.error)
                .with_context(|| format!("Failed to archive into {}", target.display()))?;
        }
        Ok(target.to_owned())
    }
}

/// Copies a file to `target` in blocks, atomically (a temporary file, synced, then renamed).
pub fn copy_atomically(source: &Path, target: &Path) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::copy(&mut std::fs::File::open(source)?, &mut tmp)?;
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_received_file_is_hashed_and_kept_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        // Larger than one block, with a Windows-1252 byte after the first block.
        let mut bytes = vec![b'a'; BLOCK + 10];
        bytes.push(0xED);
        std::fs::write(&input, &bytes).unwrap();
        let archive = dir.path().join("archive");
        let received = receive(&input, &archive).unwrap();
        assert_eq!(received.sha256, hex::encode(Sha256::digest(&bytes)));
        assert_eq!(received.size, bytes.len() as u64);
        assert_eq!(received.encoding, TextEncoding::Windows1252);
        let kept = received.keep(&archive.join("ab").join("kept")).unwrap();
        assert_eq!(std::fs::read(&kept).unwrap(), bytes);
        // Only the kept file remains: the temporary copy was renamed, not left behind.
        assert_eq!(std::fs::read_dir(&archive).unwrap().count(), 1);
    }

    #[test]
    fn a_duplicate_copy_is_dropped_and_the_archived_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "dni\n").unwrap();
        let archive = dir.path().join("archive");
        let target = archive.join("kept");
        std::fs::create_dir_all(&archive).unwrap();
        std::fs::write(&target, "dni\n").unwrap();
        let received = receive(&input, &archive).unwrap();
        assert_eq!(received.encoding, TextEncoding::Utf8);
        received.keep(&target).unwrap();
        assert_eq!(std::fs::read_dir(&archive).unwrap().count(), 1);
    }
}
