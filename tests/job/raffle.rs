//! The raffle end to end on generated data: the eligible list after the second month, a draw,
//! its verification from the published files alone, tampering detected per district, an
//! idempotent draw, a redraw with its reason, and recent winners excluded.

use crate::helpers::{on_both_backends, stderr, Backend, Workspace};
use alcancia::domain::Period;
use alcancia::fixtures::{generate, FixtureOptions};

const SOURCES: [&str; 4] = ["--source", "3462", "--source", "3 15 29 37 40"];

fn generated(backend: &Backend, months: &[&str], districts: usize, women: usize) -> Workspace {
    let ws = Workspace::on(backend);
    let months = months.iter().map(|m| Period::parse(m).unwrap()).collect();
    generate(&ws.path("inbox"), &FixtureOptions { districts, women_per_district: women, months, seed: 11 })
        .unwrap();
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    ws
}

fn draw(ws: &Workspace, period: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["raffle", "draw", "--period", period];
    args.extend(SOURCES);
    args.extend(extra);
    ws.alcancia(&args)
}

fn verify(ws: &Workspace, period: &str, sources: &[&str]) -> (i32, String) {
    let eligible = ws.path(&format!("out/raffle/{period}/eligible.csv"));
    let winners = ws.path(&format!("out/raffle/{period}/winners.csv"));
    let mut args = vec![
        "raffle",
        "verify",
        "--eligible",
        eligible.to_str().unwrap(),
        "--winners",
        winners.to_str().unwrap(),
    ];
    args.extend(sources);
    let out = ws.alcancia(&args);
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn read(ws: &Workspace, path: &str) -> String {
    std::fs::read_to_string(ws.path(path)).unwrap()
}

on_both_backends! {
    fn draw_then_verify_and_tampering_is_caught_per_district(backend) {
        let ws = generated(&backend, &["2012-07", "2012-08"], 4, 40);
        let eligible = read(&ws, "out/raffle/2012-B4/eligible.csv");
        assert!(eligible.starts_with("raffle_period,ubigeo,distrito,dni,nombre\n"));
        assert!(eligible.lines().count() > 5, "{eligible}");
        let out = draw(&ws, "2012-B4", &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let record: serde_json::Value = serde_json::from_str(&read(&ws, "out/raffle/2012-B4/draw.json")).unwrap();
        assert_eq!(record["key"], "3462./3.15.29.37.40./");
        assert_eq!(record["redraw_reason"], serde_json::Value::Null);
        use sha2::Digest;
        assert_eq!(record["eligible_sha256"], hex::encode(sha2::Sha256::digest(eligible.as_bytes())));
        let districts = record["districts"].as_array().unwrap();
        assert_eq!(districts.len(), 2, "every PILOTO district of the roster, sorted");
        for d in districts {
            let n = eligible.lines().filter(|l| l.split(',').nth(1) == d["ubigeo"].as_str()).count();
            assert_eq!(d["eligible"].as_u64().unwrap() as usize, n);
            assert_eq!(d["winners"].as_array().unwrap().len(), 2.min(n));
        }
        let (code, text) = verify(&ws, "2012-B4", &SOURCES);
        assert_eq!(code, 0, "{text}");

        // Another source: the verification fails.
        let (code, _) = verify(&ws, "2012-B4", &["--source", "3462", "--source", "3 15 29 37 41"]);
        assert_eq!(code, 1);

        // One row of eligible.csv removed: that district, and only that one, fails.
        let first_district = districts[0]["ubigeo"].as_str().unwrap();
        let winner = districts[0]["winners"][0].as_str().unwrap();
        let tampered: String =
            eligible.lines().filter(|l| !l.contains(winner)).map(|l| format!("{l}\n")).collect();
        std::fs::write(ws.path("out/raffle/2012-B4/eligible.csv"), tampered).unwrap();
        let (code, text) = verify(&ws, "2012-B4", &SOURCES);
        assert_eq!(code, 1, "{text}");
        let bad: Vec<&str> = text.lines().filter(|l| l.contains("MISMATCH")).collect();
        assert_eq!(bad.len(), 1, "{text}");
        assert!(bad[0].starts_with(first_district), "{text}");    }
}

on_both_backends! {
    fn drawing_again_returns_the_record_and_a_redraw_keeps_both_with_its_reason(backend) {
        let ws = generated(&backend, &["2012-07", "2012-08"], 2, 40);
        assert_eq!(draw(&ws, "2012-B4", &[]).status.code(), Some(0));
        let first = read(&ws, "out/raffle/2012-B4/draw.json");
        let again = draw(&ws, "2012-B4", &["--source", "1"]);
        assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
        assert_eq!(read(&ws, "out/raffle/2012-B4/draw.json"), first, "a recorded draw is returned as it was");
        // A redraw needs a reason.
        assert_eq!(draw(&ws, "2012-B4", &["--redraw"]).status.code(), Some(2));
        let redraw = draw(&ws, "2012-B4", &["--redraw", "--reason", "acta anulada por el notario"]);
        assert_eq!(redraw.status.code(), Some(0), "{}", stderr(&redraw));
        let record: serde_json::Value = serde_json::from_str(&read(&ws, "out/raffle/2012-B4/draw.json")).unwrap();
        assert_eq!(record["redraw_reason"], "acta anulada por el notario");
        let draws: i64 = ws.count("SELECT COUNT(*) FROM raffle_draws WHERE raffle_period = '2012-B4'");
        assert_eq!(draws, 2);
        let current: i64 = ws.count("SELECT COUNT(*) FROM raffle_draws WHERE is_current");
        assert_eq!(current, 1);
        // Text sources are refused as bad usage.
        let mut args =
            vec!["raffle", "draw", "--period", "2012-B4", "--redraw", "--reason", "x", "--source", "tres"];
        args.truncate(9);
        assert_eq!(ws.alcancia(&args).status.code(), Some(2));    }
}

on_both_backends! {
    fn recent_winners_are_excluded_for_two_draws_and_explained(backend) {
        let ws = generated(&backend, &["2012-07", "2012-08", "2012-09", "2012-10", "2012-11", "2012-12"], 2, 60);
        assert_eq!(draw(&ws, "2012-B4", &[]).status.code(), Some(0));
        let b4: serde_json::Value = serde_json::from_str(&read(&ws, "out/raffle/2012-B4/draw.json")).unwrap();
        let b4_people: Vec<String> = b4["districts"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["winners"].as_array().unwrap().iter().chain(d["alternates"].as_array().unwrap()))
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert!(!b4_people.is_empty());
        // B5 and B6 were prepared by `run` before B4 was drawn: prepare them again now.
        for (period, draw_it) in [("2012-B5", true), ("2012-B6", false)] {
            let out = ws.alcancia(&["raffle", "eligible", "--period", period]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let eligible = read(&ws, &format!("out/raffle/{period}/eligible.csv"));
            for dni in &b4_people {
                assert!(!eligible.contains(dni.as_str()), "{period}: {dni} won or was alternate in 2012-B4");
            }
            if draw_it {
                assert_eq!(draw(&ws, period, &[]).status.code(), Some(0));
            }
        }
        let out = ws.alcancia(&["raffle", "eligible", "--period", "2012-B5", "--explain", &b4_people[0]]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("ganó o fue suplente en el sorteo 2012-B4"), "{text}");
        // With only the last draw excluded, B6 excludes B5's people but lets B4's back in.
        let only_last = [("ALCANCIA__RAFFLE__EXCLUDE_PREVIOUS_DRAWS", "1")];
        let out = ws.alcancia_with_env(
            &["raffle", "eligible", "--period", "2012-B6", "--explain", &b4_people[0]],
            &only_last,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("2012-B4"), "{text}");    }
}
