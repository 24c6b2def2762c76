//! The metrics file after a good run and after a run that quarantined a file.

use crate::helpers::{stderr, Workspace};
use std::collections::HashMap;

/// `name{labels}` → value, from a Prometheus text file.
fn samples(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

fn metrics_workspace() -> Workspace {
    Workspace::with_config("[metrics]\ntextfile = \"metrics/alcancia.prom\"\n")
}

#[test]
fn a_good_run_writes_its_metrics() {
    let ws = metrics_workspace();
    ws.drop_into_inbox("tests/data/story/inputs");
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(ws.path("metrics/alcancia.prom")).unwrap();
    let m = samples(&text);
    assert_eq!(m["alcancia_last_run_info{command=\"run\"}"], "1");
    assert_eq!(m["alcancia_last_run_status{status=\"OK\"}"], "1");
    assert_eq!(m["alcancia_last_run_status{status=\"QUARANTINED\"}"], "0");
    assert_eq!(m["alcancia_last_run_status{status=\"FAILED\"}"], "0");
    assert_eq!(m["alcancia_last_run_exit_code"], "0");
    assert_eq!(m["alcancia_last_run_files_ingested"], "4");
    assert_eq!(m["alcancia_last_run_files_quarantined"], "0");
    assert_eq!(m["alcancia_last_run_periods_recomputed"], "1");
    let start: i64 = m["alcancia_last_run_start_time_seconds"].parse().unwrap();
    let end: i64 = m["alcancia_last_run_end_time_seconds"].parse().unwrap();
    assert!(start > 1_600_000_000 && end >= start, "{start} {end}");
    // The story has one exception of each of the eleven categories.
    let exceptions: Vec<_> =
        m.iter().filter(|(k, _)| k.starts_with("alcancia_last_run_exceptions{")).collect();
    assert_eq!(exceptions.len(), 11);
    assert!(exceptions.iter().all(|(k, v)| k.contains("period=\"2012-07\"") && *v == "1"), "{exceptions:?}");
    assert_eq!(m["alcancia_last_run_exceptions{period=\"2012-07\",category=\"RETURNED\"}"], "1");
    assert!(text.contains("# TYPE alcancia_last_run_exit_code gauge\n"));
    // Nothing but the file itself is left in its folder (atomic write, no temp file).
    assert_eq!(std::fs::read_dir(ws.path("metrics")).unwrap().count(), 1);
}

#[test]
fn a_run_that_quarantines_a_file_says_so() {
    let ws = metrics_workspace();
    std::fs::write(
        ws.path("inbox/broken.csv"),
        "lote,periodo,dni,cuenta,monto,referencia\nL9,2012-07,11111111,01800100000000011185,100.00,R-9\n",
    )
    .unwrap();
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let m = samples(&std::fs::read_to_string(ws.path("metrics/alcancia.prom")).unwrap());
    assert_eq!(m["alcancia_last_run_status{status=\"QUARANTINED\"}"], "1");
    assert_eq!(m["alcancia_last_run_status{status=\"OK\"}"], "0");
    assert_eq!(m["alcancia_last_run_exit_code"], "3");
    assert_eq!(m["alcancia_last_run_files_ingested"], "0");
    assert_eq!(m["alcancia_last_run_files_quarantined"], "1");
    assert_eq!(m["alcancia_last_run_periods_recomputed"], "0");
    assert!(!m.keys().any(|k| k.starts_with("alcancia_last_run_exceptions{")));
}
