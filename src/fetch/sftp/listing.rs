//! From a raw directory listing to the files that may be fetched: regular files with harmless
//! names (links, directories and hostile names are skipped with a warning, never followed),
//! matching the patterns, and complete by the source's rule — the same size and mtime in two
//! listings, or a `NAME.ok`/`NAME.done` marker beside `NAME`. Pure functions over listings.

use super::config::{After, SftpSource};
use super::names::{hostile_reason, marked_name, matches_any};
use ssh2::FileStat;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// A regular remote file as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteFile {
    pub name: String,
    pub size: u64,
    /// Seconds since the epoch; 0 when the server does not say.
    pub mtime: u64,
    /// The completion marker beside it, under the `marker` rule.
    pub marker: Option<String>,
}

/// The regular files of a raw listing whose names are harmless, in name order. `report`: warn
/// about what is skipped (once per run is enough).
pub fn regular_files(
    entries: Vec<(PathBuf, FileStat)>,
    source: &SftpSource,
    report: bool,
) -> Vec<RemoteFile> {
    let warn = |name: &str, why: &str, message: &str| {
        if report {
            tracing::warn!(name = ?name, why, "{message}");
        }
    };
    let move_folder = match &source.after {
        After::Move(to) => to.trim_end_matches('/').rsplit('/').next().map(str::to_owned),
        After::Leave => None,
    };
    let mut files = Vec::new();
    for (path, stat) in entries {
        let raw = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            warn(&raw, "not UTF-8", "Skipped a remote file with a hostile name.");
            continue;
        };
        if let Some(reason) = hostile_reason(name) {
            warn(name, reason, "Skipped a remote file with a hostile name.");
        } else if stat.is_dir() && move_folder.as_deref() == Some(name) {
            // The folder fetched files are moved into: expected, not worth a warning.
        } else if !stat.file_type().is_file() || stat.perm.is_none() {
            warn(name, kind(&stat), "Skipped a remote entry that is not a regular file.");
        } else {
            files.push(RemoteFile {
                name: name.to_owned(),
                size: stat.size.unwrap_or(0),
                mtime: stat.mtime.unwrap_or(0),
                marker: None,
            });
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

fn kind(stat: &FileStat) -> &'static str {
    let t = stat.file_type();
    if t.is_symlink() {
        "symbolic link"
    } else if t.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// The files of `second` that are in `first` with the same size and mtime: no longer growing.
pub fn stable(first: &[RemoteFile], second: Vec<RemoteFile>) -> Vec<RemoteFile> {
    let before: HashMap<&str, (u64, u64)> =
        first.iter().map(|f| (f.name.as_str(), (f.size, f.mtime))).collect();
    second
        .into_iter()
        .filter(|f| {
            let same = before.get(f.name.as_str()) == Some(&(f.size, f.mtime));
            if !same {
                tracing::info!(name = %f.name, size = f.size, "Left a remote file still being written for a later run.");
            }
            same
        })
        .collect()
}

/// The data files that have a marker beside them, each carrying its marker's name.
pub fn marked(files: Vec<RemoteFile>) -> Vec<RemoteFile> {
    let names: HashSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let is_marker = |name: &str| marked_name(name).is_some_and(|data| names.contains(data));
    let marker_of = |name: &str| {
        [".ok", ".done"].iter().map(|suffix| format!("{name}{suffix}")).find(|m| names.contains(m.as_str()))
    };
    let mut out = Vec::new();
    for file in &files {
        if is_marker(&file.name) {
            continue;
        }
        match marker_of(&file.name) {
            Some(marker) => out.push(RemoteFile { marker: Some(marker), ..file.clone() }),
            None => {
                tracing::info!(name = %file.name, "Left a remote file without its completion marker for a later run.")
            }
        }
    }
    out
}

/// The files whose names match the source's patterns.
pub fn of_interest(files: Vec<RemoteFile>, source: &SftpSource) -> Vec<RemoteFile> {
    files.into_iter().filter(|f| matches_any(&source.patterns, &f.name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64, mtime: u64) -> RemoteFile {
        RemoteFile { name: name.into(), size, mtime, marker: None }
    }

    #[test]
    fn only_files_unchanged_between_listings_are_stable() {
        let first = vec![file("a", 10, 1), file("b", 10, 1), file("c", 10, 1)];
        let second = vec![file("a", 10, 1), file("b", 12, 2), file("c", 10, 3), file("d", 1, 1)];
        assert_eq!(stable(&first, second), vec![file("a", 10, 1)]);
    }

    #[test]
    fn markers_select_their_data_files_and_are_not_files_themselves() {
        let files = vec![
            file("a.csv", 1, 1),
            file("a.csv.ok", 0, 1),
            file("b.csv", 1, 1),
            file("c.xml", 1, 1),
            file("c.xml.done", 0, 1),
        ];
        let names: Vec<(String, Option<String>)> =
            marked(files).into_iter().map(|f| (f.name, f.marker)).collect();
        assert_eq!(
            names,
            vec![("a.csv".into(), Some("a.csv.ok".into())), ("c.xml".into(), Some("c.xml.done".into()))]
        );
    }
}
