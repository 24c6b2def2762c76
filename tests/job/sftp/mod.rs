//! `alcancia run` against a real OpenSSH server (see `server`): a day's files fetched and
//! ingested, moved only after being stored, growing files and markers, host key pinning, a
//! wrong user key, a server stopped mid-download, hostile names, and nothing fetched twice.

mod fetch;
mod proxy;
mod refusals;
mod server;

use crate::helpers::{repo, Workspace};
use server::{SshServer, PASSPHRASE};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::Output;
use std::sync::Arc;

/// The four files of the hand-built story, in delivery order.
pub const STORY: [&str; 4] = [
    "2012-07_01_padron.csv",
    "2012-07_02_lote.csv",
    "2012-07_03_movimientos_01.csv",
    "2012-07_04_movimientos_02.csv",
];

/// A test workspace and its own SFTP server, or `None` when sshd is missing outside CI.
pub fn setup() -> Option<(Workspace, Arc<SshServer>)> {
    let server = SshServer::start()?;
    Some((Workspace::new(), Arc::new(server)))
}

pub fn story(name: &str) -> Vec<u8> {
    std::fs::read(repo("tests/data/story/inputs").join(name)).expect("story file")
}

/// Puts a file into the served folder, as the bank would.
pub fn put(server: &SshServer, name: &str, bytes: &[u8]) {
    std::fs::write(server.served().join(name), bytes).expect("put");
}

/// Puts the story files into the served folder.
pub fn put_story(server: &SshServer, names: &[&str]) {
    for name in names {
        put(server, name, &story(name));
    }
}

/// The names in a folder, sorted.
pub fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// One `[sftp.sources.<name>]` table; values are TOML literals.
pub struct Source {
    name: String,
    keys: BTreeMap<&'static str, String>,
}

fn quoted(text: &str) -> String {
    format!("{text:?}")
}

impl Source {
    /// A source reading the test server with the right key, known_hosts and no waiting.
    pub fn new(name: &str, server: &SshServer) -> Self {
        let mut keys = BTreeMap::new();
        keys.insert("host", quoted("127.0.0.1"));
        keys.insert("port", server.port.to_string());
        keys.insert("user", quoted(&server.user()));
        keys.insert("private_key", quoted(&server.path("user_key").display().to_string()));
        keys.insert("known_hosts", quoted(&server.path("known_hosts").display().to_string()));
        keys.insert("remote_dir", quoted(&server.served().display().to_string()));
        keys.insert("stable_secs", "0".into());
        keys.insert("connect_timeout_secs", "5".into());
        keys.insert("operation_timeout_secs", "20".into());
        keys.insert("retries", "0".into());
        keys.insert("retry_backoff_secs", "0".into());
        Self { name: name.to_owned(), keys }
    }

    /// Sets a key to a TOML literal (`"\"move\""`, `"3"`).
    pub fn set(mut self, key: &'static str, literal: &str) -> Self {
        self.keys.insert(key, literal.to_owned());
        self
    }

    /// Sets a key to a string value.
    pub fn text(self, key: &'static str, value: &str) -> Self {
        self.set(key, &quoted(value))
    }

    fn toml(&self) -> String {
        let mut out = format!("[sftp.sources.{}]\n", self.name);
        for (k, v) in &self.keys {
            out.push_str(&format!("{k} = {v}\n"));
        }
        out
    }
}

/// Appends the `sftp` section to the workspace configuration.
pub fn configure(ws: &Workspace, sources: &[Source]) {
    let mut file =
        std::fs::OpenOptions::new().append(true).open(ws.path("alcancia.toml")).expect("open config");
    writeln!(file, "[sftp]\nstaging = \"staging\"").expect("write");
    for source in sources {
        file.write_all(source.toml().as_bytes()).expect("write");
    }
}

/// `alcancia run` with the user key's passphrase in the environment of every test source.
pub fn run(ws: &Workspace) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_alcancia"));
    command.current_dir(ws.dir.path()).args(["--config", "alcancia.toml", "run"]);
    command.env_remove("RUST_LOG").env("NO_COLOR", "1");
    for name in ["BN", "OTRO", "APAGADO"] {
        command.env(format!("ALCANCIA_SFTP_{name}_PASSPHRASE"), PASSPHRASE);
    }
    command.output().expect("run alcancia")
}

/// The names of the stored files, in delivery order.
pub fn stored_files(ws: &Workspace) -> Vec<String> {
    query_names(ws, "SELECT name FROM files ORDER BY id")
}

pub fn query_names(ws: &Workspace, sql: &str) -> Vec<String> {
    let db = ws.path("db/alcancia.db");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.expect("db");
        let names: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.expect("query");
        pool.close().await;
        names
    })
}

/// How many times a log message appears.
pub fn count(output: &Output, message: &str) -> usize {
    String::from_utf8_lossy(&output.stderr).matches(message).count()
}
