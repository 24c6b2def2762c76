//! Every bad file of every format, dropped after the story: quarantined with its reason and a
//! report beside it, exit status 3, and the database's facts and the outputs unchanged. So is
//! every file that is valid alone but conflicts with what the story stored (an overlapping
//! statement, a lote received again with other content, a reused referencia).

use crate::helpers::{on_both_backends, repo, stderr, Backend, Workspace};

fn expected_reasons(folder: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo(folder).join("EXPECTED.tsv")).expect("EXPECTED.tsv");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#') && !l.starts_with("file\t"))
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            (cells[0].to_owned(), cells.last().copied().unwrap_or("").to_owned())
        })
        .collect()
}

fn check_folder(backend: &Backend, folder: &str, at_least: usize) {
    let ws = Workspace::on(backend);
    ws.drop_into_inbox("tests/data/story/inputs");
    assert_eq!(ws.alcancia(&["run"]).status.code(), Some(0));
    let outputs = ws.outputs();
    let counts = ws.table_counts();
    let cases = expected_reasons(folder);
    assert!(cases.len() >= at_least, "{folder}: too few bad files");
    for (file, reason) in cases {
        let path = repo(folder).join(&file);
        let out = ws.alcancia(&["ingest", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(3), "{file}: {}", stderr(&out));
        let reports: Vec<_> = std::fs::read_dir(ws.path("quarantine"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name().unwrap().to_string_lossy().get(13..) == Some(&format!("{file}.report.txt"))
            })
            .collect();
        assert_eq!(reports.len(), 1, "{file}: no report beside the quarantined file");
        let report = std::fs::read_to_string(&reports[0]).unwrap();
        assert!(report.contains(&reason), "{file}: report lacks {reason:?}:\n{report}");
        assert_eq!(ws.table_counts(), counts, "{file}: the database changed");
        assert_eq!(ws.outputs(), outputs, "{file}: the outputs changed");
    }
}

on_both_backends! {
    fn every_bad_csv_file_is_quarantined_with_its_reason(backend) {
        check_folder(&backend, "tests/data/csv/bad", 10);
    }
}

on_both_backends! {
    fn every_bad_xml_file_is_quarantined_with_its_reason(backend) {
        check_folder(&backend, "tests/data/xml/bad", 10);
    }
}

on_both_backends! {
    fn every_bad_mt940_file_is_quarantined_with_its_reason(backend) {
        check_folder(&backend, "tests/data/mt940/bad", 10);
    }
}

on_both_backends! {
    fn every_file_conflicting_with_what_is_stored_is_quarantined_with_its_reason(backend) {
        check_folder(&backend, "tests/data/csv/conflicting", 4);
    }
}
