//! The files arrive: a day's files fetched and ingested with the hand-worked outputs, moved only
//! once stored, a growing file left until stable, markers, and nothing fetched twice.

use super::*;
use crate::helpers::{assert_same_text, stderr};

fn assert_story_outputs(ws: &Workspace) {
    for name in [
        "reconciliation_exceptions.csv",
        "reconciliation_summary.csv",
        "account_months.csv",
        "indicators.csv",
    ] {
        let expected = std::fs::read(repo("tests/data/story/expected/2012-07").join(name)).expect("expected");
        let actual = std::fs::read(ws.path("out/2012-07").join(name)).expect("output");
        assert_same_text(name, &expected, &actual);
    }
}

#[test]
fn a_days_files_are_fetched_and_ingested_and_a_second_run_fetches_nothing_new() {
    let Some((ws, server)) = setup() else { return };
    put_story(&server, &STORY);
    configure(&ws, &[Source::new("bn", &server)]);
    let first = run(&ws);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(count(&first, "Downloaded a remote file."), 4);
    assert_eq!(stored_files(&ws), STORY.to_vec());
    assert_story_outputs(&ws);
    // `leave`: the files stay on the server; the staging folder is left empty.
    assert_eq!(listing(&server.served()), STORY.to_vec());
    assert_eq!(listing(&ws.path("staging/bn")), Vec::<String>::new());

    let second = run(&ws);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(count(&second, "Downloaded a remote file."), 0, "{}", stderr(&second));
    assert!(stderr(&second).contains("files_ingested=0 files_duplicate=0"), "{}", stderr(&second));
    assert_eq!(stored_files(&ws).len(), 4);
}

#[test]
fn files_are_moved_only_once_stored_and_known_content_is_not_ingested_twice() {
    let Some((ws, server)) = setup() else { return };
    put_story(&server, &STORY);
    let done = server.path("done");
    configure(
        &ws,
        &[Source::new("bn", &server).text("after", "move").text("move_to", &done.display().to_string())],
    );
    let first = run(&ws);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(stored_files(&ws), STORY.to_vec());
    assert_eq!(listing(&server.served()), Vec::<String>::new());
    assert_eq!(listing(&done), STORY.to_vec());

    // Moved files are not listed again.
    let second = run(&ws);
    assert_eq!(count(&second, "Downloaded a remote file."), 0, "{}", stderr(&second));

    // The bank drops the same bytes again under another name, and a known name again:
    // downloaded, recognised by hash, not ingested, moved beside the first.
    put(&server, "reenvio_lote.csv", &story("2012-07_02_lote.csv"));
    put(&server, "2012-07_01_padron.csv", &story("2012-07_01_padron.csv"));
    // (An older mtime, so that it cannot pass for the very file listed before.)
    let touched = std::process::Command::new("touch")
        .args(["-d", "2012-08-01 10:00"])
        .arg(server.served().join("2012-07_01_padron.csv"))
        .status()
        .expect("touch");
    assert!(touched.success());
    let third = run(&ws);
    assert_eq!(third.status.code(), Some(0), "{}", stderr(&third));
    assert!(stderr(&third).contains("files_ingested=0 files_duplicate=2"), "{}", stderr(&third));
    assert_eq!(stored_files(&ws), STORY.to_vec());
    assert_eq!(listing(&server.served()), Vec::<String>::new());
    let moved = listing(&done);
    assert_eq!(moved.len(), 6, "{moved:?}");
    assert!(moved.contains(&"reenvio_lote.csv".to_owned()));
    assert!(moved.iter().any(|n| n.starts_with("2012-07_01_padron.csv.")), "{moved:?}");
}

#[test]
fn a_file_still_growing_is_taken_only_once_stable() {
    let Some((ws, server)) = setup() else { return };
    put_story(&server, &STORY[..3]);
    let growing = server.served().join(STORY[3]);
    put(&server, STORY[3], &story(STORY[3]));
    configure(&ws, &[Source::new("bn", &server).set("stable_secs", "2")]);
    // The uploader keeps appending (blank lines, which the CSV reader skips) during the run.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, growing) = (Arc::clone(&stop), growing.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let mut f = std::fs::OpenOptions::new().append(true).open(&growing).expect("open");
                f.write_all(b"\n").expect("append");
                drop(f);
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        })
    };
    let first = run(&ws);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.join().expect("writer");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(stderr(&first).contains("Left a remote file still being written"), "{}", stderr(&first));
    assert_eq!(stored_files(&ws), STORY[..3].to_vec());

    let second = run(&ws);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(stored_files(&ws), STORY.to_vec());
    assert_story_outputs(&ws);
}

#[test]
fn a_file_is_taken_once_its_marker_is_beside_it_and_the_marker_moves_with_it() {
    let Some((ws, server)) = setup() else { return };
    put_story(&server, &STORY);
    put(&server, "2012-07_01_padron.csv.ok", b"");
    put(&server, "2012-07_02_lote.csv.done", b"");
    put(&server, "2012-07_03_movimientos_01.csv.ok", b"");
    let done = server.path("done");
    configure(
        &ws,
        &[Source::new("bn", &server)
            .text("completion", "marker")
            .text("after", "move")
            .text("move_to", &done.display().to_string())],
    );
    let first = run(&ws);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(stored_files(&ws), STORY[..3].to_vec());
    assert_eq!(listing(&server.served()), vec![STORY[3].to_owned()]);
    assert_eq!(listing(&done).len(), 6);

    put(&server, "2012-07_04_movimientos_02.csv.done", b"");
    let second = run(&ws);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(stored_files(&ws), STORY.to_vec());
    assert_story_outputs(&ws);
    assert_eq!(listing(&server.served()), Vec::<String>::new());
}
