//! The same generated data carried by different formats gives the same job: CSV statements and
//! batches, camt.053 with pain.001, MT940 with CSV batches, and a per-file mix of all of them
//! are each run through the real binary in their own workspace; every output file must be byte
//! for byte the same, and so must every stored fact (instructions, statements, entries with
//! their kind, reversal mark and referencia; the value date aside, which only some formats
//! state).

use crate::helpers::{stderr, Workspace};
use alcancia::domain::Period;
use alcancia::fixtures::{generate_with, BatchChoice, FixtureOptions, Formats, StatementChoice};

fn options() -> FixtureOptions {
    let months = vec![Period::parse("2012-07").unwrap(), Period::parse("2012-08").unwrap()];
    FixtureOptions { districts: 4, women_per_district: 30, months, seed: 31 }
}

/// Generates the fixture in `statements`/`payments` formats into a fresh inbox and runs the job.
fn run_with(statements: StatementChoice, payments: BatchChoice) -> (Workspace, Vec<String>) {
    let ws = Workspace::new();
    let formats = Formats::choose(statements, payments);
    let summary = generate_with(&ws.path("inbox"), &options(), &formats).unwrap();
    let names = summary.files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{statements:?}/{payments:?}: {}", stderr(&out));
    (ws, names)
}

/// Every stored fact a format carries, in a format-independent order, one line each.
fn facts(ws: &Workspace) -> Vec<String> {
    let db = ws.path("db/alcancia.db");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let queries = [
            "SELECT lote || '|' || periodo || '|' || dni || '|' || cuenta || '|' || monto_cents || '|' || \
             referencia FROM instructions ORDER BY referencia",
            "SELECT account || '|' || from_date || '|' || to_date || '|' || opening_cents || '|' || \
             closing_cents FROM statements ORDER BY account, from_date",
            // Not value_date: CSV movements have none, and MT940 states one on every `:61:`.
            "SELECT account || '|' || booking_date || '|' || amount_cents || '|' || \
             CASE reversal WHEN 0 THEN 'NORMAL' ELSE 'REVERSAL' END || '|' || COALESCE(referencia, '-') || '|' || \
             kind || '|' || description FROM entries ORDER BY account, booking_date, position",
        ];
        let mut lines = Vec::new();
        for query in queries {
            lines.extend(sqlx::query_scalar::<_, String>(query).fetch_all(&pool).await.unwrap());
        }
        pool.close().await;
        lines
    })
}

#[test]
fn every_format_carrying_the_same_data_gives_identical_outputs() {
    let (reference, csv_names) = run_with(StatementChoice::Csv, BatchChoice::Csv);
    let expected_outputs = reference.outputs();
    let expected_facts = facts(&reference);
    assert!(expected_outputs.len() >= 8, "{} output files", expected_outputs.len());
    for kind in ["|INTR|", "|CHRG|", "|REVERSAL|"] {
        assert!(expected_facts.iter().any(|f| f.contains(kind)), "the fixture has no {kind} entry");
    }
    let others = [
        (StatementChoice::Camt, BatchChoice::Pain, ["xml", "xml"]),
        (StatementChoice::Mt940, BatchChoice::Csv, ["sta", "csv"]),
        (StatementChoice::Mixed, BatchChoice::Mixed, ["", ""]),
    ];
    for (statements, payments, [statement_ext, batch_ext]) in others {
        let (ws, names) = run_with(statements, payments);
        assert_eq!(names.len(), csv_names.len(), "{statements:?}: same files, other formats");
        if !statement_ext.is_empty() {
            assert!(names.iter().filter(|n| n.contains("_03_")).all(|n| n.ends_with(statement_ext)));
            assert!(names.iter().filter(|n| n.contains("_02_")).all(|n| n.ends_with(batch_ext)));
        } else {
            for ext in [".csv", ".xml", ".sta"] {
                assert!(names.iter().any(|n| n.contains("_03_") && n.ends_with(ext)), "mixed has no {ext}");
            }
            assert!(names.iter().any(|n| n.contains("_02_") && n.ends_with(".xml")));
            assert!(names.iter().any(|n| n.contains("_02_") && n.ends_with(".csv")));
        }
        pretty_assertions::assert_eq!(
            expected_facts,
            facts(&ws),
            "{statements:?}/{payments:?}: stored facts"
        );
        let outputs = ws.outputs();
        let listed = |o: &[(String, Vec<u8>)]| o.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(listed(&expected_outputs), listed(&outputs), "{statements:?}/{payments:?}: output files");
        for ((name, expected), (_, actual)) in expected_outputs.iter().zip(&outputs) {
            crate::helpers::assert_same_text(name, expected, actual);
            assert!(expected == actual, "{statements:?}/{payments:?}: {name} differs");
        }
    }
}
