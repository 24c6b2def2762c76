//! The local inbox: every regular file in `paths.inbox`, in file-name order (SPEC §7 delivery
//! order). Hidden files (`.name`, editors' and uploaders' temporaries) are left alone.

use std::path::{Path, PathBuf};

/// Lists the inbox in file-name order.
pub fn list_inbox(inbox: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !inbox.exists() {
        std::fs::create_dir_all(inbox)?;
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(inbox)? {
        let entry = entry?;
        let name = entry.file_name();
        let hidden = name.to_string_lossy().starts_with('.');
        if entry.file_type()?.is_file() && !hidden {
            files.push(entry.path());
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}
