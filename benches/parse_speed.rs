//! Parse throughput, alone: `cargo bench --bench parse_speed -- FILE…` parses each file (any
//! supported format, recognised by content) through the streaming dispatcher
//! `formats::detect::parse_reader` from the file on disk, records counted and dropped, and
//! prints MB/s of wall time, best of three rounds. Without files it generates a small sample of
//! every format first (in the temporary folder), so `cargo test --all-targets` runs it
//! quickly as a smoke test. `BENCHMARKS.md` records the figures.

use alcancia::fixtures::{generate_with, BatchChoice, FixtureOptions, Formats, StatementChoice};
use alcancia::formats::detect::parse_reader;
use alcancia::formats::encoding::{TextEncoding, Utf8Check};
use alcancia::formats::stream::Record;
use alcancia::formats::ParseOptions;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Time per run: runs repeated until a quarter second has passed (small files too), the best
/// of three such rounds. Wall time: run it on a quiet machine.
fn best(quick: bool, mut run: impl FnMut()) -> (Duration, usize) {
    let (rounds, round) = if quick { (1, Duration::ZERO) } else { (3, Duration::from_millis(250)) };
    let mut runs = 0;
    let best = (0..rounds)
        .map(|_| {
            let (start, mut n) = (Instant::now(), 0u32);
            while n == 0 || start.elapsed() < round {
                run();
                n += 1;
            }
            runs += n as usize;
            start.elapsed() / n
        })
        .min()
        .unwrap_or_default();
    (best, runs)
}

/// Bytes per microsecond is MB/s.
fn mb_per_s(bytes: u64, took: Duration) -> u128 {
    u128::from(bytes) / took.as_micros().max(1)
}

/// The encoding as ingestion decides it: streamed over the file before the parse.
fn encoding_of(path: &Path) -> std::io::Result<(TextEncoding, u64)> {
    let mut file = std::fs::File::open(path)?;
    let (mut check, mut block, mut size) = (Utf8Check::default(), vec![0u8; 1 << 18], 0u64);
    loop {
        let n = file.read(&mut block)?;
        if n == 0 {
            return Ok((check.finish(), size));
        }
        check.feed(&block[..n]);
        size += n as u64;
    }
}

/// A small sample of every format: one month, 2 districts × 200 women.
fn samples() -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let choices = [
        ("csv", StatementChoice::Csv, BatchChoice::Csv),
        ("xml", StatementChoice::Camt, BatchChoice::Pain),
        ("mt940", StatementChoice::Mt940, BatchChoice::Csv),
    ];
    for (name, statements, payments) in choices {
        let dir = std::env::temp_dir().join("alcancia_parse_speed").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        let options = FixtureOptions {
            districts: 2,
            women_per_district: 200,
            months: vec![alcancia::domain::Period::parse("2012-07").map_err(anyhow::Error::msg)?],
            seed: 1,
        };
        generate_with(&dir, &options, &Formats::choose(statements, payments))?;
        let mut listed: Vec<PathBuf> =
            std::fs::read_dir(&dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        listed.sort();
        files.extend(listed.into_iter().take(4));
    }
    Ok(files)
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; under `cargo test` each file is parsed once (a smoke test).
    let quick = !std::env::args().any(|a| a == "--bench");
    let named: Vec<PathBuf> =
        std::env::args().skip(1).filter(|a| !a.starts_with("--")).map(PathBuf::from).collect();
    let files = if named.is_empty() { samples()? } else { named };
    let options = ParseOptions::default();
    for path in files {
        let (encoding, size) = encoding_of(&path)?;
        let (mut records, mut format, mut problems) = (0usize, String::new(), 0usize);
        let (took, runs) = best(quick, || {
            let Ok(file) = std::fs::File::open(&path) else { return };
            let mut count = |_: Record| records += 1;
            let outcome = parse_reader(file, encoding, &options, &mut count);
            format = outcome.format.name();
            problems = outcome.problems.len();
        });
        println!(
            "{}: {format}, {} kB, {} MB/s, {} records a run, {problems} problems",
            path.display(),
            size / 1000,
            mb_per_s(size, took),
            records / runs.max(1)
        );
    }
    Ok(())
}
