//! A period recomputed in account ranges (`reconcile.women_per_range`, docs/scaling.md) writes
//! the same bytes and stores the same results as the period recomputed whole: the ranges split
//! women whose instruction names another woman's account, a DNI instructed twice on two
//! accounts, and credits on accounts outside the roster, and none of that may change a result.

use crate::checkpoints::{sql, OUTPUTS};
use crate::helpers::{on_both_backends, stderr, Workspace};
use alcancia::domain::Period;
use alcancia::fixtures::{generate, FixtureOptions};

const MONTHS: [&str; 3] = ["2012-06", "2012-07", "2012-08"];

fn outputs(ws: &Workspace) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for month in MONTHS {
        for name in OUTPUTS {
            let path = format!("out/{month}/{name}");
            files.push((path.clone(), std::fs::read(ws.path(&path)).unwrap()));
        }
    }
    files
}

/// What the stored results come to: row counts and sums over every column a decision wrote
/// (the same on both backends: each is one integer).
fn stored_results(ws: &Workspace) -> Vec<(&'static str, i64)> {
    [
        "SELECT COUNT(*) FROM recon_matches",
        "SELECT CAST(SUM(instruction_id * 3 + entry_id * 5 + COALESCE(returned_by, 0) * 7) AS BIGINT) FROM recon_matches",
        "SELECT COUNT(*) FROM recon_duplicates",
        "SELECT CAST(SUM(instruction_id * 3 + entry_id * 5 + COALESCE(offset_by, 0) * 7) AS BIGINT) FROM recon_duplicates",
        "SELECT COUNT(*) FROM recon_exceptions",
        "SELECT CAST(SUM(COALESCE(expected_cents, 0) + 3 * COALESCE(actual_cents, 0) + ord) AS BIGINT) FROM recon_exceptions",
        "SELECT COUNT(*) FROM account_months",
        "SELECT CAST(SUM(COALESCE(month_end_cents, 0) + 3 * COALESCE(min_cents, 0) + 5 * cct_credits_cents \
         + 7 * debits_cents + 11 * customer_movements + 13 * voluntary_deposits) AS BIGINT) FROM account_months",
        "SELECT COUNT(*) FROM account_months WHERE saver",
        "SELECT COUNT(*) FROM indicators",
        "SELECT COUNT(*) FROM checkpoints",
        "SELECT COUNT(*) FROM checkpoint_accounts",
        "SELECT CAST(SUM(statement_id + 3 * base_cents + 5 * closing_cents + 7 * opening_cents) AS BIGINT) \
         FROM checkpoint_accounts",
        "SELECT COUNT(*) FROM checkpoint_early",
    ]
    .into_iter()
    .map(|sql| (sql, ws.count(sql)))
    .collect()
}

/// Recomputes the three months in calendar order (saving a month drops the later months' matches
/// and checkpoints, which their own recompute then writes again). Returns the logs.
fn reconcile_each_month(ws: &Workspace, env: &[(&str, &str)]) -> String {
    let mut logs = String::new();
    for month in MONTHS {
        let out = ws.alcancia_with_env(&["reconcile", "--period", month], env);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        logs.push_str(&stderr(&out));
    }
    logs
}

/// The ranges' scratch folders (`.range-facts-*`, `.account-months-*` under the output folder)
/// are gone once a recompute is done; the months' and the raffle's folders stay.
fn assert_no_scratch_left(ws: &Workspace) {
    let mut left: Vec<String> = std::fs::read_dir(ws.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["2012-06", "2012-07", "2012-08", "raffle"], "scratch files left in the output folder");
}

fn assert_same_outputs(case: &str, whole: &[(String, Vec<u8>)], ranges: &[(String, Vec<u8>)]) {
    assert_eq!(whole.len(), ranges.len());
    for ((name, a), (_, b)) in whole.iter().zip(ranges) {
        assert!(a == b, "{case}: {name} differs from the period recomputed whole");
    }
}

on_both_backends! {
    fn a_period_in_account_ranges_equals_the_period_recomputed_whole(backend) {
        let ws = Workspace::on(&backend);
        let months: Vec<Period> = MONTHS.iter().map(|m| Period::parse(m).unwrap()).collect();
        let options = FixtureOptions { districts: 3, women_per_district: 40, months, seed: 23 };
        generate(&ws.path("inbox"), &options).unwrap();
        let out = ws.alcancia(&["run"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        // (The run recomputes August again once July–August's raffle list is prepared; the
        // months are recomputed once more so that every report shows the list.)
        let logs = reconcile_each_month(&ws, &[("RUST_LOG", "alcancia=debug")]);
        assert!(!logs.contains("Range recomputed"), "the default recomputes a small period whole");
        let whole = outputs(&ws);
        let whole_results = stored_results(&ws);
        // Every exception category is planted, ACCOUNT_MISMATCH and DUPLICATE_INSTRUCTION among
        // them: the cases that join across accounts.
        let exceptions = String::from_utf8(whole[0].1.clone()).unwrap();
        for category in ["ACCOUNT_MISMATCH", "DUPLICATE_INSTRUCTION", "MISSING_INSTRUCTION", "UNEXPECTED_CREDIT", "BALANCE_GAP"] {
            assert!(exceptions.contains(category), "{category} not planted:\n{exceptions}");
        }

        // One woman per range (120 ranges a month), then seven: the same bytes and the same
        // stored results.
        for per_range in ["1", "7"] {
            let env = [("ALCANCIA__RECONCILE__WOMEN_PER_RANGE", per_range), ("RUST_LOG", "alcancia=debug")];
            let logs = reconcile_each_month(&ws, &env);
            assert!(logs.contains("Range recomputed"), "not recomputed in ranges:\n{logs}");
            assert_same_outputs(&format!("{per_range} women per range"), &whole, &outputs(&ws));
            assert_no_scratch_left(&ws);
            assert_eq!(stored_results(&ws), whole_results, "{per_range} women per range");
        }

        // `alcancia report` reads a period's account-months back in runs of seven women, as it
        // reads a national month past `reconcile.women_per_range`: the same reports.
        for month in MONTHS {
            for name in ["reporte.html", "reporte.xlsx"] {
                std::fs::remove_file(ws.path(&format!("out/{month}/{name}"))).unwrap();
            }
            let env = [("ALCANCIA__RECONCILE__WOMEN_PER_RANGE", "7"), ("RUST_LOG", "alcancia=debug")];
            let out = ws.alcancia_with_env(&["report", "--period", month], &env);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            assert!(stderr(&out).contains("Account-months read back in sorted runs."), "{}", stderr(&out));
        }
        assert_same_outputs("reports from account-months read back in runs", &whole, &outputs(&ws));
        assert_no_scratch_left(&ws);

        // Without June's checkpoint, each range of July starts from the stored history.
        sql(&ws, &["DELETE FROM checkpoint_accounts", "DELETE FROM checkpoint_early", "DELETE FROM checkpoints"]);
        for month in ["2012-07", "2012-08"] {
            let env = [("ALCANCIA__RECONCILE__WOMEN_PER_RANGE", "5")];
            let out = ws.alcancia_with_env(&["reconcile", "--period", month], &env);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
        assert_same_outputs("5 women per range, from the history", &whole, &outputs(&ws));
        // (June's checkpoint is gone: only July's and August's were written again.)
        let without_june = |results: Vec<(&'static str, i64)>| -> Vec<(&'static str, i64)> {
            results.into_iter().filter(|(sql, _)| !sql.contains("checkpoint")).collect()
        };
        assert_eq!(without_june(stored_results(&ws)), without_june(whole_results));
        assert_eq!(ws.count("SELECT COUNT(*) FROM checkpoints"), 2);
    }
}
