//! Parse throughput of the text formats (CSV roster, payments and movements, MT940):
//! `cargo run --profile fast --example parse_speed -- FILE…` prints, per file, MB/s of the
//! whole-text `parse` and of the streamed `parse_reader` (raw bytes through
//! `encoding::decoding_reader`, records counted and dropped), best of three runs each.

use alcancia::formats::stream::{Record, Sink};
use alcancia::formats::{detect, encoding, mt940, payments_csv, roster_csv, statement_csv, Format};
use alcancia::formats::{ParseOptions, ParsedFile};
use std::io::BufReader;
use std::time::{Duration, Instant};

type Parse = fn(&str, &ParseOptions) -> ParsedFile;
type Stream = fn(BufReader<Box<dyn std::io::Read>>, &ParseOptions, &mut dyn Sink) -> stream::Outcome;
use alcancia::formats::stream;

fn parsers(format: &Format) -> Option<(Parse, Stream)> {
    Some(match format {
        Format::RosterCsv => (roster_csv::parse, roster_csv::parse_reader),
        Format::PaymentsCsv => (payments_csv::parse, payments_csv::parse_reader),
        Format::StatementCsv => (statement_csv::parse, statement_csv::parse_reader),
        Format::Mt940 => (mt940::parse, mt940::parse_reader),
        _ => return None,
    })
}

/// The best of three runs, in time on the CPU where Linux tells it (`/proc/thread-self/schedstat`:
/// a shared machine's other work does not count), else in wall time.
fn best(mut run: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let (start, cpu) = (Instant::now(), cpu_time());
            run();
            match (cpu, cpu_time()) {
                (Some(before), Some(after)) => after.saturating_sub(before),
                _ => start.elapsed(),
            }
        })
        .min()
        .unwrap_or_default()
}

fn cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(text.split_whitespace().next()?.parse().ok()?))
}

/// Bytes per microsecond is MB/s.
fn mb_per_s(bytes: usize, took: Duration) -> u128 {
    (bytes as u128) / took.as_micros().max(1)
}

fn main() {
    let options = ParseOptions::default();
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let format = detect::sniff(&bytes);
        let Some((parse, parse_reader)) = parsers(&format) else {
            panic!("{path}: {} is not a text format", format.name());
        };
        let only_stream = std::env::var_os("PARSE_SPEED_STREAM_ONLY").is_some();
        let whole = best(|| {
            if only_stream {
                return;
            }
            let parsed = parse(&encoding::decode(&bytes), &options);
            assert!(parsed.is_valid(), "{path}: {:?}", parsed.problems.first());
        });
        let mut records = 0usize;
        let streamed = best(|| {
            let file = std::fs::File::open(&path).expect("open");
            let text = encoding::decoding_reader(file, encoding::TextEncoding::of(&bytes)).expect("read");
            let mut count = |_: Record| records += 1;
            let outcome = parse_reader(BufReader::with_capacity(1 << 16, text), &options, &mut count);
            assert!(outcome.is_valid(), "{path}: {:?}", outcome.problems.first());
        });
        println!(
            "{path}: {} MB, parse {} MB/s, parse_reader {} MB/s ({} records a run)",
            bytes.len() / 1_000_000,
            mb_per_s(bytes.len(), whole),
            mb_per_s(bytes.len(), streamed),
            records / 3
        );
    }
}
