//! Scratch folders of a recompute in account ranges (the spilled range facts, the sorted
//! account-month runs): temporary folders under the output folder, on the same disk as the
//! outputs, removed when done. A killed run cannot remove its own, so the next one removes the
//! folders with the same prefix before making its own; the run lock keeps any other job from
//! using them.

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
