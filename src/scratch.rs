//! Scratch folders of a recompute in account ranges (the spilled range facts, the sorted
//! account-month runs): temporary folders under the output folder, on the same disk as the
//! outputs, removed when done. A killed run cannot remove its own, so the next one removes the
//! folders with the same prefix before making its own; the run lock keeps any other job from
//! using them. Before a period is recomputed, the free space of that disk is compared with an
//! estimate of what the recompute will write there, and a warning logged when it looks short.

use anyhow::Context as _;
use std::path::Path;

/// A new temporary folder `<parent>/<prefix>…`, once the ones a stopped run left are removed
/// (`what` names their content in the warning).
pub fn folder(parent: &Path, prefix: &str, what: &str) -> anyhow::Result<tempfile::TempDir> {
    std::fs::create_dir_all(parent).with_context(|| format!("Failed to create {}", parent.display()))?;
    for entry in std::fs::read_dir(parent).with_context(|| format!("Failed to list {}", parent.display()))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(prefix) && entry.file_type()?.is_dir() {
            let path = entry.path();
            tracing::warn!(folder = %path.display(), what, "Removing the scratch files a stopped recompute left.");
            std::fs::remove_dir_all(&path).with_context(|| format!("Failed to remove {}", path.display()))?;
        }
    }
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(parent)
        .with_context(|| format!("Failed to create a temporary folder in {}", parent.display()))
}

/// What a period's recompute writes under the output folder, per woman of its roster, at its
/// peak: the spreadsheet's sheets before they are zipped (~600 bytes an account-month), the
/// outputs (~180 bytes) and, in account ranges, the sorted account-month runs (the spilled facts
/// are gone by then). Measured: ~790 bytes at 700,000 women, ~880 at 20 million (17.5 GB;
/// BENCHMARKS.md); rounded up.
const BYTES_PER_WOMAN: u64 = 1_000;

/// The free space on the disk of `folder` (or of its nearest existing parent) and the space a
/// period of `women` would write there, when the first is smaller than the second.
pub fn space_short(folder: &Path, women: u64) -> std::io::Result<Option<(u64, u64)>> {
    let needed = women.saturating_mul(BYTES_PER_WOMAN);
    let existing = folder.ancestors().find(|p| p.exists()).unwrap_or(Path::new("."));
    let stats = rustix::fs::statvfs(existing)?;
    let free = stats.f_bavail.saturating_mul(stats.f_frsize);
    Ok((free < needed).then_some((free, needed)))
}

/// Warns, before a period's recompute starts, when the output folder's disk looks too small
/// for what it will write: a full disk would stop the run only at the outputs, after the whole
/// recompute (20 minutes at national scale). A warning, not a refusal: the figure is an
/// estimate, and the database may share the disk or not.
pub fn warn_if_space_short(folder: &Path, women: u64) {
    match space_short(folder, women) {
        Ok(Some((free, needed))) => tracing::warn!(
            folder = %folder.display(),
            free_mb = free >> 20,
            needed_mb = needed >> 20,
            women,
            "The output folder's disk may be too small for this period's scratch files and outputs."
        ),
        Ok(None) => {}
        Err(e) => tracing::debug!(folder = %folder.display(), error = %e, "Free space unknown."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small period fits any disk the tests run on; one of 10¹⁵ women fits none, and the
    /// figures given are the disk's free space and the estimate. A folder not made yet is
    /// measured on its nearest existing parent.
    #[test]
    fn the_space_a_period_needs_is_compared_with_the_free_space() {
        let dir = tempfile::tempdir().expect("a folder");
        let not_yet = dir.path().join("out").join("2012-07");
        assert_eq!(space_short(&not_yet, 10).expect("statvfs"), None);
        let women = 1_000_000_000_000_000;
        let (free, needed) = space_short(&not_yet, women).expect("statvfs").expect("short");
        assert_eq!(needed, women * BYTES_PER_WOMAN);
        assert!(free < needed);
        assert!(free > 0, "the temporary folder's disk has some room");
    }
}
