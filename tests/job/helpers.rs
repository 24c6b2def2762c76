//! A fresh workspace per test: its own config, inbox, archive, quarantine, output and SQLite
//! database, and a way to run the real `alcancia` binary in it.

use std::path::{Path, PathBuf};
use std::process::Output;

pub struct Workspace {
    pub dir: tempfile::TempDir,
}

pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

impl Workspace {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = "[database]\nurl = \"sqlite://db/alcancia.db\"\n\
                      [paths]\ninbox = \"inbox\"\narchive = \"archive\"\nquarantine = \"quarantine\"\noutput = \"out\"\n";
        std::fs::write(dir.path().join("alcancia.toml"), config).expect("config");
        std::fs::create_dir_all(dir.path().join("inbox")).expect("inbox");
        Self { dir }
    }

    /// A workspace whose configuration has these extra TOML sections.
    pub fn with_config(extra: &str) -> Self {
        let ws = Self::new();
        let mut config = std::fs::read_to_string(ws.path("alcancia.toml")).expect("config");
        config.push_str(extra);
        std::fs::write(ws.path("alcancia.toml"), config).expect("config");
        ws
    }

    /// Runs `alcancia --config alcancia.toml ARGS…` with extra environment variables.
    pub fn alcancia_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_alcancia"))
            .current_dir(self.dir.path())
            .arg("--config")
            .arg("alcancia.toml")
            .args(args)
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .output()
            .expect("run alcancia")
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Copies every file of a repository folder into the inbox.
    pub fn drop_into_inbox(&self, folder: &str) {
        for entry in std::fs::read_dir(repo(folder)).expect("folder") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), self.path("inbox").join(entry.file_name())).expect("copy");
        }
    }

    /// Runs `alcancia --config alcancia.toml ARGS…` in the workspace.
    pub fn alcancia(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_alcancia"))
            .current_dir(self.dir.path())
            .arg("--config")
            .arg("alcancia.toml")
            .args(args)
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .output()
            .expect("run alcancia")
    }

    /// Every file under `out/`, relative path → bytes.
    pub fn outputs(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        collect(&self.path("out"), &self.path("out"), &mut files);
        files.sort();
        files
    }

    /// Row counts of the tables that hold facts and results.
    pub fn table_counts(&self) -> Vec<(String, i64)> {
        let db = self.path("db/alcancia.db");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        runtime.block_on(async {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.expect("db");
            let mut counts = Vec::new();
            for table in [
                "rosters",
                "roster_rows",
                "batches",
                "instructions",
                "statements",
                "entries",
                "recon_matches",
                "recon_exceptions",
                "account_months",
                "indicators",
                "dirty_periods",
            ] {
                let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(&pool)
                    .await
                    .expect("count");
                counts.push((table.to_owned(), n));
            }
            pool.close().await;
            counts
        })
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let name = path.strip_prefix(root).expect("prefix").display().to_string();
            files.push((name, std::fs::read(&path).expect("read")));
        }
    }
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts two texts are equal with a readable line diff.
pub fn assert_same_text(name: &str, expected: &[u8], actual: &[u8]) {
    let (e, a) = (String::from_utf8_lossy(expected), String::from_utf8_lossy(actual));
    pretty_assertions::assert_eq!(e, a, "{name} differs from the expected file");
}
