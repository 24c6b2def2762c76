//! The hand-built story of `tests/data/story/` (see its README): every reconciliation category,
//! reversals, voluntary deposits, an untouched balance, a suspended woman and a Windows-1252
//! roster; outputs checked byte for byte against files worked out by hand.

use crate::helpers::{assert_same_text, on_both_backends, repo, stderr, Workspace};

on_both_backends! {
    fn the_story_gives_the_hand_worked_outputs_byte_for_byte(backend) {
        let ws = Workspace::on(&backend);
        ws.drop_into_inbox("tests/data/story/inputs");
        let out = ws.alcancia(&["run"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        for name in [
            "reconciliation_exceptions.csv",
            "reconciliation_summary.csv",
            "account_months.csv",
            "indicators.csv",
        ] {
            let expected =
                std::fs::read(repo("tests/data/story/expected/2012-07").join(name)).expect("expected file");
            let actual = std::fs::read(ws.path("out/2012-07").join(name)).expect("output file");
            assert_same_text(name, &expected, &actual);
        }
        // Nothing is left in the inbox; every file is archived byte for byte.
        assert_eq!(std::fs::read_dir(ws.path("inbox")).unwrap().count(), 0);
        let archived: usize = std::fs::read_dir(ws.path("archive"))
            .unwrap()
            .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
            .sum();
        assert_eq!(archived, 4);
    }
}

on_both_backends! {
    fn running_twice_ingests_nothing_and_changes_no_output_byte(backend) {
        let ws = Workspace::on(&backend);
        ws.drop_into_inbox("tests/data/story/inputs");
        assert_eq!(ws.alcancia(&["run"]).status.code(), Some(0));
        let before = ws.outputs();
        let counts = ws.table_counts();
        // The same files arrive again: skipped as duplicates.
        ws.drop_into_inbox("tests/data/story/inputs");
        let second = ws.alcancia(&["run"]);
        assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
        assert!(stderr(&second).contains("files_ingested=0"), "{}", stderr(&second));
        assert!(stderr(&second).contains("files_duplicate=4"), "{}", stderr(&second));
        assert_eq!(ws.outputs(), before);
        assert_eq!(ws.table_counts(), counts);
        // And with an empty inbox, nothing happens either.
        assert_eq!(ws.alcancia(&["run"]).status.code(), Some(0));
        assert_eq!(ws.outputs(), before);
    }
}

on_both_backends! {
    fn files_given_one_by_one_give_the_same_outputs_as_one_run(backend) {
        let ws = Workspace::on(&backend);
        let mut inputs: Vec<_> =
            std::fs::read_dir(repo("tests/data/story/inputs")).unwrap().map(|e| e.unwrap().path()).collect();
        inputs.sort();
        for input in &inputs {
            let out = ws.alcancia(&["ingest", input.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
        let expected =
            std::fs::read(repo("tests/data/story/expected/2012-07/reconciliation_exceptions.csv")).unwrap();
        assert_same_text(
            "exceptions",
            &expected,
            &std::fs::read(ws.path("out/2012-07/reconciliation_exceptions.csv")).unwrap(),
        );
        // `ingest` leaves the given files where they are.
        assert!(inputs.iter().all(|p| p.exists()));
    }
}

on_both_backends! {
    fn reconcile_command_rewrites_the_same_outputs(backend) {
        let ws = Workspace::on(&backend);
        ws.drop_into_inbox("tests/data/story/inputs");
        assert_eq!(ws.alcancia(&["run"]).status.code(), Some(0));
        let before = ws.outputs();
        std::fs::remove_dir_all(ws.path("out")).unwrap();
        let out = ws.alcancia(&["reconcile", "--period", "2012-07"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(ws.outputs(), before);
        assert_eq!(ws.alcancia(&["reconcile", "--period", "2012-13"]).status.code(), Some(2));
    }
}

#[test]
fn a_second_run_while_one_holds_the_lock_exits_4() {
    let ws = Workspace::new();
    std::fs::create_dir_all(ws.path("db")).unwrap();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(ws.path("db/alcancia.db.lock"))
        .unwrap();
    let mut lock = fd_lock::RwLock::new(file);
    let _held = lock.try_write().unwrap();
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}

#[test]
fn configuration_errors_name_the_key_and_exit_2() {
    let ws = Workspace::new();
    std::fs::write(ws.path("bad.toml"), "[reconcile]\ngrace_dayz = 3\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_alcancia"))
        .current_dir(ws.dir.path())
        .args(["--config", "bad.toml", "run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("grace_dayz"), "{}", stderr(&out));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_alcancia"))
        .current_dir(ws.dir.path())
        .args(["--config", "alcancia.toml", "run"])
        .env("ALCANCIA__BANK__CURRENCY", "pen")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bank.currency"), "{}", stderr(&out));
    assert!(!ws.path("db").exists(), "nothing may be touched before the configuration is valid");
}

#[test]
fn inspect_prints_a_json_summary_without_storing() {
    let ws = Workspace::new();
    let file = repo("tests/data/story/inputs/2012-07_03_movimientos_01.csv");
    let out = ws.alcancia(&["inspect", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["kind"], "statements");
    assert_eq!(json["format"], "csv-movements");
    assert_eq!(json["statements"][0]["opening"], "0.00");
    assert_eq!(json["statements"][0]["closing"], "20.00");
    assert_eq!(json["statements"][0]["credits"], "100.00");
    assert_eq!(json["statements"][0]["debits"], "80.00");
    assert_eq!(json["errors"].as_array().unwrap().len(), 0);
    assert!(!ws.path("db").exists());
}
