//! What must not get through, and failures that must not lose or half-ingest anything: unknown
//! and changed host keys, a wrong user key, a refused port, a server stopped mid-download,
//! hostile names.

use super::proxy::Relay;
use super::*;
use crate::helpers::stderr;

#[test]
fn an_unknown_host_key_is_refused_with_what_to_do_and_the_inbox_still_runs() {
    let Some((ws, server)) = setup() else { return };
    put_story(&server, &STORY);
    ws.drop_into_inbox("tests/data/story/inputs");
    let known_hosts = server.path("empty_known_hosts");
    std::fs::write(&known_hosts, "# nothing pinned yet\n").expect("known_hosts");
    configure(
        &ws,
        &[Source::new("bn", &server)
            .text("known_hosts", &known_hosts.display().to_string())
            .set("retries", "2")],
    );
    let out = run(&ws);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains(&format!("host key of [127.0.0.1]:{} is not in", server.port)), "{log}");
    assert!(log.contains(&server.fingerprint("host_key.pub")), "{log}");
    assert!(log.contains(&format!("ssh-keyscan -p {} -t ed25519 127.0.0.1", server.port)), "{log}");
    assert!(log.contains("SFTP source(s) failed: bn"), "{log}");
    // A refusal is not retried, and nothing was added to the file.
    assert_eq!(count(&out, "SFTP attempt failed; retrying."), 0, "{log}");
    assert_eq!(std::fs::read_to_string(&known_hosts).unwrap(), "# nothing pinned yet\n");
    // The local inbox was still ingested and its outputs written.
    assert_eq!(stored_files(&ws), STORY.to_vec());
    assert!(ws.path("out/2012-07/indicators.csv").is_file());
}

#[test]
fn a_changed_or_revoked_host_key_is_refused_with_what_to_do() {
    let Some((ws, server)) = setup() else { return };
    put_story(&server, &STORY);
    let known_hosts = server.path("stale_known_hosts");
    server.write_known_hosts(&known_hosts, "other_host_key.pub");
    configure(&ws, &[Source::new("bn", &server).text("known_hosts", &known_hosts.display().to_string())]);
    let out = run(&ws);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains(&format!("HOST KEY CHANGED for [127.0.0.1]:{}", server.port)), "{log}");
    assert!(log.contains(&server.fingerprint("host_key.pub")), "{log}");
    assert!(log.contains(&format!("ssh-keygen -R '[127.0.0.1]:{}'", server.port)), "{log}");
    assert_eq!(stored_files(&ws), Vec::<String>::new());

    // The right key, but also revoked: still refused.
    server.write_known_hosts(&known_hosts, "host_key.pub");
    let public = std::fs::read_to_string(server.path("host_key.pub")).unwrap();
    let mut text = std::fs::read_to_string(&known_hosts).unwrap();
    text.push_str(&format!(
        "@revoked * {}\n",
        public.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
    ));
    std::fs::write(&known_hosts, text).unwrap();
    let out = run(&ws);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("is marked @revoked"), "{}", stderr(&out));
    assert_eq!(stored_files(&ws), Vec::<String>::new());
}

#[test]
fn a_wrong_user_key_a_refused_port_and_a_silent_server_fail_their_sources_while_the_good_one_is_fetched() {
    let Some((ws, server)) = setup() else { return };
    put_story(&server, &STORY);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // A port that accepts connections and never says a word: the handshake times out.
    let mute = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mute_port = mute.local_addr().unwrap().port();
    configure(
        &ws,
        &[
            Source::new("apagado", &server).set("port", &closed.to_string()).set("retries", "1"),
            Source::new("bn", &server),
            Source::new("mudo", &server)
                .set("port", &mute_port.to_string())
                .set("operation_timeout_secs", "1"),
            Source::new("otro", &server)
                .text("private_key", &server.path("other_user_key").display().to_string())
                .set("retries", "1"),
        ],
    );
    let out = run(&ws);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("SFTP source(s) failed: apagado, mudo, otro"), "{log}");
    assert!(log.contains("sources_failed=apagado,mudo,otro"), "{log}");
    assert!(log.contains("SSH handshake with sftp source mudo"), "{log}");
    assert!(log.contains(&format!("refused the login of user {}", server.user())), "{log}");
    assert!(log.contains("Failed to connect to sftp source apagado"), "{log}");
    assert_eq!(count(&out, "SFTP attempt failed; retrying."), 2, "{log}");
    assert_eq!(stored_files(&ws), STORY.to_vec());
    assert!(ws.path("out/2012-07/indicators.csv").is_file());
}

#[test]
fn a_server_stopped_mid_download_ingests_nothing_partial_and_the_next_run_completes() {
    let Some((ws, server)) = setup() else { return };
    put_story(&server, &STORY[..3]);
    // The last file is large (the story's file and 2 MB of blank lines, which CSV skips).
    let mut big = story(STORY[3]);
    big.extend(std::iter::repeat_n(b'\n', 2 << 20));
    put(&server, STORY[3], &big);
    let relay = Relay::start(&server, 512 << 10);
    let known_hosts = server.path("relay_known_hosts");
    server.write_known_hosts_for(&known_hosts, "host_key.pub", relay.port);
    let done = server.path("done");
    configure(
        &ws,
        &[Source::new("bn", &server)
            .set("port", &relay.port.to_string())
            .text("known_hosts", &known_hosts.display().to_string())
            .text("after", "move")
            .text("move_to", &done.display().to_string())
            .set("retries", "1")],
    );
    let first = run(&ws);
    let log = stderr(&first);
    assert_eq!(first.status.code(), Some(1), "{log}");
    assert!(log.contains("broke off after"), "{log}");
    assert!(log.contains("SFTP source(s) failed: bn"), "{log}");
    // The files before the cut are stored and moved; the cut one is neither stored nor moved,
    // and no piece of it is left where anything would take it.
    assert_eq!(stored_files(&ws), STORY[..3].to_vec());
    assert_eq!(listing(&server.served()), vec![STORY[3].to_owned()]);
    assert_eq!(listing(&ws.path("staging/bn")), Vec::<String>::new());

    server.restart();
    relay.never_cut();
    let second = run(&ws);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(stored_files(&ws), STORY.to_vec());
    assert_eq!(listing(&done), STORY.to_vec());
    let archived =
        query_names(&ws, "SELECT archive_path FROM files WHERE name = '2012-07_04_movimientos_02.csv'");
    assert_eq!(std::fs::read(ws.path(&archived[0])).expect("archived"), big);
}

#[test]
fn hostile_names_links_and_directories_are_skipped_never_followed() {
    let Some((ws, server)) = setup() else { return };
    put_story(&server, &STORY[..2]);
    let served = server.served();
    let outside = server.path("outside.csv");
    std::fs::write(&outside, story(STORY[2])).unwrap();
    std::os::unix::fs::symlink(&outside, served.join("2012-07_03_enlace.csv")).unwrap();
    std::fs::create_dir(served.join("2012-07_04_carpeta.csv")).unwrap();
    std::fs::write(served.join("2012-07_04_carpeta.csv").join("x.csv"), story(STORY[3])).unwrap();
    put(&server, "2012-07_05\nsalto.csv", &story(STORY[3]));
    put(&server, "2012-07_06..csv", &story(STORY[2]));
    put(&server, ".2012-07_07_oculto.csv", &story(STORY[3]));
    configure(&ws, &[Source::new("bn", &server)]);
    let out = run(&ws);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(stored_files(&ws), STORY[..2].to_vec());
    assert_eq!(count(&out, "Skipped a remote file with a hostile name."), 3, "{log}");
    assert_eq!(count(&out, "Skipped a remote entry that is not a regular file."), 2, "{log}");
    // The newline in a name is escaped in the log, never written raw.
    assert!(!log.contains("05\nsalto") && log.contains("05\\nsalto"), "{log}");
    assert_eq!(listing(&served).len(), 7);
}
