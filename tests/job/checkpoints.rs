//! Month-end checkpoints (docs/scaling.md): a period recomputed from the previous month's stored
//! checkpoint writes the same bytes as one recomputed from the whole stored history, and a run
//! over one more day's statements uses the checkpoint and rewrites only what that day touched.

use crate::helpers::{block_on, on_both_backends, stderr, Workspace};
use alcancia::domain::Period;
use alcancia::fixtures::{generate, FixtureOptions};

/// The files of one period under `out/<M>/`.
pub(crate) const OUTPUTS: [&str; 6] = [
    "reconciliation_exceptions.csv",
    "reconciliation_summary.csv",
    "account_months.csv",
    "indicators.csv",
    "reporte.html",
    "reporte.xlsx",
];

fn outputs(ws: &Workspace, period: &str) -> Vec<Vec<u8>> {
    OUTPUTS.iter().map(|name| std::fs::read(ws.path(&format!("out/{period}/{name}"))).unwrap()).collect()
}

/// Runs statements on the workspace's database.
pub(crate) fn sql(ws: &Workspace, statements: &[&str]) -> Vec<i64> {
    block_on(async {
        let mut counts = Vec::new();
        match &ws.pg {
            Some(pg) => {
                let pool = pg.pool().await;
                for s in statements {
                    counts.push(
                        sqlx::query_scalar::<_, i64>(s).fetch_optional(&pool).await.unwrap().unwrap_or(-1),
                    );
                }
            }
            None => {
                let url = format!("sqlite://{}", ws.path("db/alcancia.db").display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                for s in statements {
                    counts.push(
                        sqlx::query_scalar::<_, i64>(s).fetch_optional(&pool).await.unwrap().unwrap_or(-1),
                    );
                }
            }
        }
        counts
    })
}

on_both_backends! {
    fn a_period_from_its_checkpoint_equals_the_period_from_the_history(backend) {
        let ws = Workspace::on(&backend);
        let months: Vec<Period> = ["2012-06", "2012-07", "2012-08"].iter().map(|m| Period::parse(m).unwrap()).collect();
        let options = FixtureOptions { districts: 3, women_per_district: 60, months, seed: 11 };
        generate(&ws.path("inbox"), &options).unwrap();
        let out = ws.alcancia(&["run"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        // One checkpoint per recomputed month, every account of the month's statements in it.
        let counts = sql(&ws, &["SELECT COUNT(*) FROM checkpoints", "SELECT COUNT(DISTINCT account) FROM checkpoint_accounts"]);
        assert_eq!(counts[0], 3);
        assert!(counts[1] >= 170, "{counts:?}");
        // (Recomputed again once the raffle list of July–August is prepared, which the report shows.)
        let out = ws.alcancia(&["reconcile", "--period", "2012-08"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let from_checkpoint = outputs(&ws, "2012-08");

        // Without checkpoints, August is recomputed from the whole history: the same bytes.
        sql(&ws, &["DELETE FROM checkpoint_accounts", "DELETE FROM checkpoint_early", "DELETE FROM checkpoints"]);
        for name in OUTPUTS {
            std::fs::remove_file(ws.path(&format!("out/2012-08/{name}"))).unwrap();
        }
        let out = ws.alcancia(&["reconcile", "--period", "2012-08"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        for (name, (now, before)) in OUTPUTS.iter().zip(outputs(&ws, "2012-08").iter().zip(&from_checkpoint)) {
            assert!(now == before, "{name} of August from the history differs from August from July's checkpoint");
        }
        assert_eq!(sql(&ws, &["SELECT COUNT(*) FROM checkpoints"]), [1]);

        // And July recomputed from June's history rewrites June's successors' checkpoints.
        let out = ws.alcancia(&["reconcile", "--period", "2012-07"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = ws.alcancia(&["reconcile", "--period", "2012-08"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(outputs(&ws, "2012-08") == from_checkpoint);
    }
}

on_both_backends! {
    /// A statement file of the middle of a month, delivered late, after the next month's files,
    /// is read into its own month: each period's outputs are the bytes of the same files
    /// delivered in order. (SQLite finds a period's statements and entries through their files'
    /// dates and ids, `file_spans`: here the month's files are two runs of ids with the next
    /// month's between them, and the latest-dated file is not the one with the greatest ids.)
    fn a_statement_file_delivered_late_is_read_into_its_month(backend) {
        let fixtures = tempfile::tempdir().unwrap();
        let months: Vec<Period> = ["2012-06", "2012-07"].iter().map(|m| Period::parse(m).unwrap()).collect();
        generate(fixtures.path(), &FixtureOptions { districts: 2, women_per_district: 50, months, seed: 5 }).unwrap();
        let mut files: Vec<std::path::PathBuf> =
            std::fs::read_dir(fixtures.path()).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let june_statements = |path: &&std::path::PathBuf| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("2012-06_") && name.contains("movimientos")
        };
        let june_days = files.iter().filter(june_statements).count();
        assert!(june_days >= 5, "{files:?}");
        // A day in the middle: the month's files before it and after it are on time.
        let late = files.iter().filter(june_statements).nth(june_days / 2).unwrap();
        let on_time: Vec<_> = files.iter().filter(|path| *path != late).collect();
        let deliver = |ws: &Workspace, files: &[&std::path::PathBuf]| {
            for file in files {
                std::fs::copy(file, ws.path("inbox").join(file.file_name().unwrap())).unwrap();
            }
            let out = ws.alcancia(&["run"]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        };

        let in_order = Workspace::on(&backend);
        deliver(&in_order, &files.iter().collect::<Vec<_>>());
        let delayed = Workspace::on(&backend);
        deliver(&delayed, &on_time);
        let june_without_one_day = outputs(&delayed, "2012-06");
        deliver(&delayed, &[late]);

        for period in ["2012-06", "2012-07"] {
            for (name, (late, ordered)) in OUTPUTS.iter().zip(outputs(&delayed, period).iter().zip(&outputs(&in_order, period))) {
                assert!(late == ordered, "{period} {name}: the late statements give other bytes");
            }
        }
        assert!(june_without_one_day != outputs(&delayed, "2012-06"), "June's late statements changed nothing");
    }
}
