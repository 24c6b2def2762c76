//! A fresh workspace per test: its own config, inbox, archive, quarantine, output and
//! database — a SQLite file, or a fresh PostgreSQL database (dropped at the end) — and a way to
//! run the real `alcancia` binary in it. [`on_both_backends!`] runs one test body on each.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The database a test runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// A server reachable at `admin_url` (a database the test may connect to and create
    /// databases from).
    Postgres {
        admin_url: String,
    },
}

impl Backend {
    /// PostgreSQL at the tests' server (`alcancia::store::postgres::test_server`:
    /// `ALCANCIA_TEST_DATABASE_URL`, else one listening on 127.0.0.1:5432). Without one the
    /// PostgreSQL variants are skipped, except in CI (`CI=true`), where that fails the test.
    pub fn postgres() -> Option<Backend> {
        let url = alcancia::store::postgres::test_server();
        if url.is_none() {
            eprintln!("no PostgreSQL server (ALCANCIA_TEST_DATABASE_URL, or one on 127.0.0.1:5432): variant skipped");
        }
        url.map(|admin_url| Backend::Postgres { admin_url })
    }
}

/// Defines `mod NAME { fn sqlite(); fn postgres(); }`: the body once per backend, as two tests.
macro_rules! on_both_backends {
    ($(#[doc = $doc:literal])* fn $name:ident($backend:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($backend: $crate::helpers::Backend) $body

            #[test]
            fn sqlite() {
                body($crate::helpers::Backend::Sqlite)
            }

            #[test]
            fn postgres() {
                if let Some(backend) = $crate::helpers::Backend::postgres() {
                    body(backend)
                }
            }
        }
    };
}
pub(crate) use on_both_backends;

/// A fresh PostgreSQL database, dropped (with its connections) when this is dropped.
pub struct PgDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[host_start..].find('/') {
        Some(slash) => &base[..host_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt").block_on(future)
}

impl PgDatabase {
    pub fn create(admin_url: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name =
            format!("alcancia_test_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let sql = format!("CREATE DATABASE {name}");
        block_on(async {
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at ALCANCIA_TEST_DATABASE_URL is unreachable: {e}"));
            sqlx::query(&sql).execute(&mut admin).await.expect("create the test database");
        });
        Self { admin_url: admin_url.to_owned(), url: with_database(admin_url, &name), name }
    }

    /// A pool on the test database.
    pub async fn pool(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.url).await.expect("connect to the test database")
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        block_on(async {
            if let Ok(mut admin) = <sqlx::PgConnection as sqlx::Connection>::connect(&self.admin_url).await {
                let _ = sqlx::query(&sql).execute(&mut admin).await;
            }
        });
    }
}

pub struct Workspace {
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database, when the workspace runs on PostgreSQL.
    pub pg: Option<PgDatabase>,
}

pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

impl Workspace {
    /// A workspace on SQLite.
    pub fn new() -> Self {
        Self::on(&Backend::Sqlite)
    }

    /// A workspace on the given backend (PostgreSQL: a fresh database of its own).
    pub fn on(backend: &Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres { admin_url } => Some(PgDatabase::create(admin_url)),
        };
        let url = pg.as_ref().map_or("sqlite://db/alcancia.db", |db| db.url.as_str());
        let config = format!(
            "[database]\nurl = \"{url}\"\n\
             [paths]\ninbox = \"inbox\"\narchive = \"archive\"\nquarantine = \"quarantine\"\noutput = \"out\"\n"
        );
        std::fs::write(dir.path().join("alcancia.toml"), config).expect("config");
        std::fs::create_dir_all(dir.path().join("inbox")).expect("inbox");
        Self { dir, pg }
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
        self.command(args).output().expect("run alcancia")
    }

    /// As [`Workspace::alcancia`], with extra environment variables.
    pub fn alcancia_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(args).envs(env.iter().copied()).output().expect("run alcancia")
    }

    /// The command [`Workspace::alcancia`] runs, to spawn it instead.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_alcancia"));
        command
            .current_dir(self.dir.path())
            .arg("--config")
            .arg("alcancia.toml")
            .args(args)
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1");
        command
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
            counts.push((table.to_owned(), self.count(&format!("SELECT COUNT(*) FROM {table}"))));
        }
        counts
    }

    /// The number a `SELECT COUNT(*) …` returns, on whichever backend.
    pub fn count(&self, sql: &str) -> i64 {
        self.column::<i64>(sql).into_iter().next().expect("count")
    }

    /// The texts a one-column `SELECT` returns, in its order, on whichever backend.
    pub fn texts(&self, sql: &str) -> Vec<String> {
        self.column(sql)
    }

    /// Runs one statement that returns nothing, on whichever backend (to set up a case the job
    /// never writes itself).
    pub fn execute(&self, sql: &str) {
        block_on(async {
            if let Some(pg) = &self.pg {
                let pool = pg.pool().await;
                sqlx::query(sql).execute(&pool).await.expect("execute");
                pool.close().await;
                return;
            }
            let db = self.path("db/alcancia.db");
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.expect("db");
            sqlx::query(sql).execute(&pool).await.expect("execute");
            pool.close().await;
        })
    }

    /// The values of a one-column `SELECT`, in its order, on whichever backend.
    fn column<T>(&self, sql: &str) -> Vec<T>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: Send + Unpin,
    {
        block_on(async {
            if let Some(pg) = &self.pg {
                let pool = pg.pool().await;
                let rows = sqlx::query_scalar(sql).fetch_all(&pool).await.expect("select");
                pool.close().await;
                return rows;
            }
            let db = self.path("db/alcancia.db");
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.expect("db");
            let rows = sqlx::query_scalar(sql).fetch_all(&pool).await.expect("select");
            pool.close().await;
            rows
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
