//! What only PostgreSQL has to prove: the same bytes as SQLite for the same inputs, the
//! advisory run lock across processes, a killed load leaving no trace, and the least-privilege
//! deployment of `deploy/postgres/`. Each test runs when a server is there
//! (`ALCANCIA_TEST_DATABASE_URL`, or one on 127.0.0.1:5432: `helpers::Backend::postgres`) and
//! fails in CI when none is.

use crate::helpers::{block_on, repo, stderr, Backend, PgDatabase, Workspace};
use alcancia::domain::Period;
use alcancia::fixtures::{generate, FixtureOptions};
use alcancia::store::postgres::RUN_LOCK_KEY;
use std::process::{Child, Stdio};
use std::time::Duration;

fn months(list: &[&str]) -> Vec<Period> {
    list.iter().map(|m| Period::parse(m).unwrap()).collect()
}

/// Every quarantined file and report, with the `received:` timestamp line left out.
fn quarantine(ws: &Workspace) -> Vec<(String, String)> {
    let Ok(dir) = std::fs::read_dir(ws.path("quarantine")) else { return Vec::new() };
    let mut files: Vec<(String, String)> = dir
        .map(|e| {
            let path = e.unwrap().path();
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("received: ")).collect();
            (path.file_name().unwrap().to_string_lossy().into_owned(), kept.join("\n"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn both_backends_give_the_same_outputs_byte_for_byte() {
    let Some(postgres) = Backend::postgres() else { return };
    let fixtures = tempfile::tempdir().unwrap();
    let options = FixtureOptions {
        districts: 4,
        women_per_district: 150,
        months: months(&["2012-08", "2012-09"]),
        seed: 11,
    };
    generate(fixtures.path(), &options).unwrap();
    let mut bad: Vec<_> = ["tests/data/csv/bad", "tests/data/xml/bad", "tests/data/mt940/bad"]
        .iter()
        .flat_map(|folder| std::fs::read_dir(repo(folder)).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| !p.file_name().unwrap().to_string_lossy().ends_with(".tsv"))
        .collect();
    bad.sort();
    let run = |backend: &Backend| {
        let ws = Workspace::on(backend);
        ws.drop_into_inbox("tests/data/story/inputs");
        ws.drop_into_inbox(fixtures.path().to_str().unwrap());
        let mut codes = vec![ws.alcancia(&["run"]).status.code()];
        for file in &bad {
            codes.push(ws.alcancia(&["ingest", file.to_str().unwrap()]).status.code());
        }
        codes.push(ws.alcancia(&["reconcile", "--period", "2012-08"]).status.code());
        (codes, ws.outputs(), quarantine(&ws), ws.table_counts())
    };
    let (sqlite, pg) = (run(&Backend::Sqlite), run(&postgres));
    assert_eq!(sqlite.0, pg.0, "exit statuses");
    assert!(sqlite.1.len() >= 12, "too few outputs to compare: {}", sqlite.1.len());
    for ((name_s, bytes_s), (name_p, bytes_p)) in sqlite.1.iter().zip(&pg.1) {
        assert_eq!(name_s, name_p);
        crate::helpers::assert_same_text(name_s, bytes_s, bytes_p);
    }
    assert_eq!(sqlite.1.len(), pg.1.len(), "output files");
    pretty_assertions::assert_eq!(sqlite.2, pg.2, "quarantined files and reports");
    assert_eq!(sqlite.3, pg.3, "row counts");
}

/// Runs the count `sql` on the workspace's database every few milliseconds until it is
/// positive; fails if `child` ends first.
fn poll_until(ws: &Workspace, mut child: Option<&mut Child>, what: &str, sql: &str) {
    block_on(async {
        let pool = ws.pg.as_ref().unwrap().pool().await;
        loop {
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            if n > 0 {
                break;
            }
            if let Some(status) = child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("the run ended ({status}) before {what}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        pool.close().await;
    });
}

const RUN_LOCK_HELD: &str = "SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
     WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()";

#[test]
fn a_run_while_another_machine_holds_the_advisory_lock_exits_4() {
    let Some(postgres) = Backend::postgres() else { return };
    let ws = Workspace::on(&postgres);
    ws.drop_into_inbox("tests/data/story/inputs");
    block_on(async {
        let pool = ws.pg.as_ref().unwrap().pool().await;
        let mut holder = pool.acquire().await.unwrap();
        sqlx::query("SELECT pg_advisory_lock($1)").bind(RUN_LOCK_KEY).execute(&mut *holder).await.unwrap();
        let out = ws.alcancia(&["run"]);
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(RUN_LOCK_KEY).execute(&mut *holder).await.unwrap();
        drop(holder);
        pool.close().await;
    });
    // Nothing was taken from the inbox while locked out; now the run works.
    assert_eq!(std::fs::read_dir(ws.path("inbox")).unwrap().count(), 4);
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn two_concurrent_runs_one_works_and_the_other_exits_4() {
    let Some(postgres) = Backend::postgres() else { return };
    let ws = Workspace::on(&postgres);
    let options = FixtureOptions {
        districts: 6,
        women_per_district: 400,
        months: months(&["2012-07", "2012-08"]),
        seed: 5,
    };
    generate(&ws.path("inbox"), &options).unwrap();
    let mut first = ws.command(&["run"]).stderr(Stdio::null()).spawn().unwrap();
    poll_until(&ws, Some(&mut first), "it took the run lock", RUN_LOCK_HELD);
    let second = ws.alcancia(&["run"]);
    assert_eq!(second.status.code(), Some(4), "{}", stderr(&second));
    assert!(stderr(&second).contains("another run holds the lock"), "{}", stderr(&second));
    assert_eq!(first.wait().unwrap().code(), Some(0));
    // The first run did all the work; a third finds nothing left to do.
    let third = ws.alcancia(&["run"]);
    assert_eq!(third.status.code(), Some(0), "{}", stderr(&third));
    assert!(stderr(&third).contains("files_ingested=0"), "{}", stderr(&third));
}

/// Runs `command` to its end, or kills it and fails after `limit` (a run waiting on itself
/// would otherwise hang the suite).
fn output_within(mut command: std::process::Command, limit: Duration) -> std::process::Output {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!("the run did not end within {limit:?}: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A valid CSV movements file of `accounts` accounts with three movements each, none of them
/// known to the story.
fn large_statements_file(accounts: u64) -> String {
    let mut text = String::from("cuenta,fecha,referencia,descripcion,cargo,abono,saldo\n");
    for n in 0..accounts {
        let cuenta = format!("0999{n:016}");
        text.push_str(&format!("{cuenta},2012-07-10,,DEPOSITO,,50.00,50.00\n"));
        text.push_str(&format!("{cuenta},2012-07-15,,RETIRO CAJERO,20.00,,30.00\n"));
        text.push_str(&format!("{cuenta},2012-07-20,,DEPOSITO,,5.00,35.00\n"));
    }
    text
}

#[test]
fn a_run_killed_during_a_large_load_leaves_no_trace_and_the_next_ingests_it_whole() {
    let Some(postgres) = Backend::postgres() else { return };
    const ACCOUNTS: u64 = 30_000;
    let big = large_statements_file(ACCOUNTS);
    let ws = Workspace::on(&postgres);
    ws.drop_into_inbox("tests/data/story/inputs");
    std::fs::write(ws.path("inbox/2012-07_05_grande.csv"), &big).unwrap();
    let mut run = ws.command(&["run"]).stderr(Stdio::null()).spawn().unwrap();
    poll_until(&ws, Some(&mut run), "it migrated", "SELECT COUNT(to_regclass('files'))");
    poll_until(
        &ws,
        Some(&mut run),
        "the large file's entries were being loaded",
        // The story's four files are committed, so the entries being copied are the large file's.
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND state = 'active' AND query LIKE 'COPY entries%' AND (SELECT COUNT(*) FROM files) = 4",
    );
    run.kill().unwrap(); // SIGKILL
    run.wait().unwrap();
    // The server ends the killed session (and its transaction, and its lock).
    poll_until(
        &ws,
        None,
        "the killed session ended",
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name LIKE 'alcancia%') THEN 0 ELSE 1 END::int8",
    );
    assert_eq!(ws.count("SELECT COUNT(*) FROM files WHERE name = '2012-07_05_grande.csv'"), 0);
    assert_eq!(ws.count("SELECT COUNT(*) FROM statements WHERE account LIKE '0999%'"), 0);
    assert_eq!(ws.count("SELECT COUNT(*) FROM entries WHERE account LIKE '0999%'"), 0);
    assert_eq!(ws.count("SELECT COUNT(*) FROM files"), 4, "the story's files were committed before");
    assert!(ws.path("inbox/2012-07_05_grande.csv").exists());

    let again = ws.alcancia(&["run"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(ws.count("SELECT COUNT(*) FROM entries WHERE account LIKE '0999%'"), 3 * ACCOUNTS as i64);

    let clean = Workspace::on(&postgres);
    clean.drop_into_inbox("tests/data/story/inputs");
    std::fs::write(clean.path("inbox/2012-07_05_grande.csv"), &big).unwrap();
    assert_eq!(clean.alcancia(&["run"]).status.code(), Some(0));
    assert!(ws.outputs() == clean.outputs(), "outputs differ from a clean run's");
    assert_eq!(ws.table_counts(), clean.table_counts());
}

/// PostgreSQL stores two files at once (`store::turn`); what it stores must be what storing
/// them one after the other, as SQLite does, stores. In delivery order: the story's roster and
/// a second version of it (the second waits for the first, or both would take version 1), the
/// story's batch and a batch changing the same lote (a conflict, known only once the first is
/// committed), the story's statements, then a large statements file and a small one
/// overlapping its last account (done copying long before the large one, it must wait for it
/// to commit to see the overlap: otherwise it would be stored and the large one quarantined),
/// a copy of the large one (a duplicate of a stored file), a file reaching into a month without
/// a partition yet, and a copy of it received while it is still being stored.
#[test]
fn files_stored_at_once_are_checked_and_committed_in_delivery_order() {
    let Some(postgres) = Backend::postgres() else { return };
    const ACCOUNTS: u64 = 20_000;
    // Its last entry opens a month without a partition: the partition is made while the small
    // file after it has already copied its entries and waits for it to commit.
    let big =
        large_statements_file(ACCOUNTS) + &format!("0999{ACCOUNTS:016},2012-10-05,,DEPOSITO,,5.00,5.00\n");
    let last = format!("0999{:016}", ACCOUNTS - 1);
    let overlapping = format!(
        "cuenta,fecha,referencia,descripcion,cargo,abono,saldo\n{last},2012-07-15,,DEPOSITO,,1.00,1.00\n"
    );
    let next_month = "cuenta,fecha,referencia,descripcion,cargo,abono,saldo\n\
                      01800100000000011185,2012-09-03,,DEPOSITO EFECTIVO,,5.00,30.05\n";
    let run = |backend: &Backend| {
        let ws = Workspace::on(backend);
        ws.drop_into_inbox("tests/data/story/inputs");
        let inbox = |name: &str, text: &str| std::fs::write(ws.path("inbox").join(name), text).unwrap();
        let story = |name: &str| std::fs::read(repo("tests/data/story/inputs").join(name)).unwrap();
        let changed = |bytes: Vec<u8>, from: &str, to: &str| {
            let at = bytes.windows(from.len()).position(|w| w == from.as_bytes()).unwrap();
            [&bytes[..at], to.as_bytes(), &bytes[at + from.len()..]].concat()
        };
        let roster = changed(story("2012-07_01_padron.csv"), ";12.5\r\n", ";13.5\r\n");
        std::fs::write(ws.path("inbox/2012-07_01b_padron_version_2.csv"), roster).unwrap();
        let batch = changed(story("2012-07_02_lote.csv"), ",100.00,R-A\n", ",101.00,R-A\n");
        let batch = changed(batch, "TOTAL,7,710.00", "TOTAL,7,711.00");
        std::fs::write(ws.path("inbox/2012-07_02b_lote_cambiado.csv"), batch).unwrap();
        inbox("2012-07_05_grande.csv", &big);
        inbox("2012-07_06_solapado.csv", &overlapping);
        inbox("2012-07_07_grande_otra_vez.csv", &big);
        inbox("2012-07_08_septiembre.csv", next_month);
        inbox("2012-07_09_septiembre_otra_vez.csv", next_month);
        let out = output_within(ws.command(&["run"]), Duration::from_secs(300));
        let ingested = ws.texts("SELECT name FROM files WHERE status = 'INGESTED' ORDER BY id");
        (out, ingested, ws)
    };
    let (sqlite, pg) = (run(&Backend::Sqlite), run(&postgres));
    for (out, ingested, ws) in [&sqlite, &pg] {
        let log = stderr(out);
        assert_eq!(out.status.code(), Some(3), "{log}");
        assert!(log.contains("files_ingested=7 files_duplicate=2 files_quarantined=2"), "{log}");
        assert_eq!(
            ingested,
            &[
                "2012-07_01_padron.csv",
                "2012-07_01b_padron_version_2.csv",
                "2012-07_02_lote.csv",
                "2012-07_03_movimientos_01.csv",
                "2012-07_04_movimientos_02.csv",
                "2012-07_05_grande.csv",
                "2012-07_08_septiembre.csv",
            ],
            "stored in delivery order"
        );
        assert_eq!(ws.texts("SELECT CAST(version AS TEXT) FROM rosters ORDER BY id"), ["1", "2"]);
        let reports = quarantine(ws);
        let report = |file: &str| {
            let name = format!("_{file}.report.txt");
            let found = reports.iter().find(|(n, _)| n.ends_with(&name));
            found.map(|(_, text)| text.clone()).unwrap_or_else(|| panic!("no report for {file}: {reports:?}"))
        };
        assert_eq!(reports.len(), 4, "{reports:?}");
        assert!(report("2012-07_02b_lote_cambiado.csv").contains("L2012-07"), "{reports:?}");
        assert!(
            report("2012-07_06_solapado.csv").contains(&format!(
                "statement of account {last} from 2012-07-15 to 2012-07-15 overlaps the stored statement \
                 from 2012-07-10 to 2012-07-20 (file 2012-07_05_grande.csv)"
            )),
            "{reports:?}"
        );
        assert_eq!(
            ws.count("SELECT COUNT(*) FROM entries WHERE account LIKE '0999%'"),
            3 * ACCOUNTS as i64 + 1
        );
    }
    assert_eq!(quarantine(&sqlite.2), quarantine(&pg.2), "quarantined files and reports");
    assert_eq!(sqlite.2.table_counts(), pg.2.table_counts());
    assert!(sqlite.2.outputs() == pg.2.outputs(), "outputs differ between the backends");
}

#[test]
fn the_deployment_roles_run_the_job_with_least_privilege() {
    let Some(Backend::Postgres { admin_url }) = Backend::postgres() else { return };
    // Roles are global to the server: names unique to this test run.
    let db = PgDatabase::create(&admin_url);
    let name = db.name.clone();
    drop(db);
    let vars = |v: &str| format!("{v}={name}_{v}");
    let psql = |file: &str| {
        let out = std::process::Command::new("psql")
            .arg(&admin_url)
            .args(["-v", "ON_ERROR_STOP=1", "-v", &format!("db={name}")])
            .args(["-v", &vars("owner"), "-v", &vars("job"), "-v", &vars("reader")])
            .arg("-f")
            .arg(repo(file))
            .output()
            .expect("psql");
        assert!(out.status.success(), "{file}: {}", stderr(&out));
    };
    psql("deploy/postgres/create.sql");
    // The job role logs in without a password: the test server trusts 127.0.0.1.
    let job_url = {
        let rest = admin_url.split_once("://").map_or(admin_url.as_str(), |(_, r)| r);
        let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h).split('/').next().unwrap();
        format!("postgres://{name}_job@{host}/{name}")
    };
    let ws = Workspace::new();
    std::fs::write(
        ws.path("alcancia.toml"),
        format!(
            "[database]\nurl = \"{job_url}\"\n[paths]\ninbox = \"inbox\"\narchive = \"archive\"\n\
             quarantine = \"quarantine\"\noutput = \"out\"\n"
        ),
    )
    .unwrap();
    ws.drop_into_inbox("tests/data/story/inputs");
    let out = ws.alcancia(&["run"]);
    let expected =
        std::fs::read(repo("tests/data/story/expected/2012-07/reconciliation_exceptions.csv")).unwrap();
    let actual = std::fs::read(ws.path("out/2012-07/reconciliation_exceptions.csv"));
    let refused = block_on(async {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&job_url).await.unwrap();
        let mut refused = Vec::new();
        for sql in [
            "DROP TABLE entries",
            "CREATE TABLE intruder (a int)",
            "TRUNCATE files",
            "ALTER TABLE files ADD COLUMN x int",
        ] {
            refused.push(sqlx::query(sql).execute(&mut conn).await.is_err());
        }
        refused
    });
    psql("deploy/postgres/drop.sql");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(actual.unwrap(), expected);
    assert_eq!(refused, vec![true; 4], "the job role may only read and write rows");
}
