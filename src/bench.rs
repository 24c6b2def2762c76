//! `alcancia bench`: generate a programme's inputs at a given scale, run the whole job on them
//! in this process, and print the wall time of each step, the throughput and the peak memory.
//! The figures in `BENCHMARKS.md` come from here.

use crate::domain::Period;
use crate::fixtures::{generate_with, FixtureOptions, Formats};
use crate::job::{IngestSource, Job};
use crate::settings::Settings;
use crate::store::Store;
use std::time::Instant;

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub districts: usize,
    pub women_per_district: usize,
    pub months: Vec<Period>,
    pub seed: u64,
    /// Hold the last day's statement file back, run the job on the rest, then time a nightly
    /// run of that one day alone (`one_day` in the report).
    pub one_day: bool,
}

/// The measurements of one bench run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchReport {
    pub women: usize,
    pub files: usize,
    pub input_mb: f64,
    pub rows: u64,
    pub generate_s: f64,
    pub job_s: f64,
    pub steps_s: Vec<(String, f64)>,
    pub rows_per_s: f64,
    pub parse_mb_per_s: f64,
    pub peak_rss_mb: f64,
    /// Peak resident memory when every file is ingested, before the recompute.
    pub ingest_peak_rss_mb: f64,
    /// The nightly run of the last day alone (with `--one-day`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_day: Option<OneDayReport>,
}

/// The measurements of the one-day nightly run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OneDayReport {
    pub file: String,
    pub rows: u64,
    pub periods: Vec<String>,
    pub job_s: f64,
    pub steps_s: Vec<(String, f64)>,
    /// Peak resident memory of this run alone.
    pub peak_rss_mb: f64,
}

/// Peak resident memory of this process (Linux `VmHWM`), in kB.
pub fn peak_rss_kb() -> u64 {
    status_kb("VmHWM:")
}

/// Resident memory of this process now (Linux `VmRSS`), in kB.
pub fn rss_kb() -> u64 {
    status_kb("VmRSS:")
}

/// One `kB` figure of `/proc/self/status` (0 where there is none).
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn seconds(ms: u64) -> f64 {
    // Durations, not money: floating point is fine for a report of timings.
    #[allow(clippy::float_arithmetic)]
    let s = ms as f64 / 1000.0;
    s
}

/// Generates the inputs into `settings.inbox` and runs the job over them with `store`.
#[allow(clippy::float_arithmetic)]
pub async fn run<S: Store>(
    store: &S,
    settings: &Settings,
    options: &BenchOptions,
    formats: &Formats,
) -> anyhow::Result<BenchReport> {
    let started = Instant::now();
    let fixture = FixtureOptions {
        districts: options.districts,
        women_per_district: options.women_per_district,
        months: options.months.clone(),
        seed: options.seed,
    };
    let summary = generate_with(&settings.inbox, &fixture, formats)?;
    let generate_s = started.elapsed().as_secs_f64();
    let held = if options.one_day { Some(hold_back_last_day(&settings.inbox)?) } else { None };
    let mut job = Job::new(store, settings);
    job.begin("bench").await?;
    let started = Instant::now();
    let files = crate::fetch::local::list_inbox(&settings.inbox)?;
    job.ingest_files(&files, IngestSource::Inbox, |_| ()).await?;
    let ingest_peak_rss_mb = peak_rss_kb() as f64 / 1024.0;
    job.recompute_dirty().await?;
    let job_s = started.elapsed().as_secs_f64();
    job.finish(job.exit_code()).await?;
    let s = &job.summary;
    let input_mb = s.input_bytes as f64 / 1_000_000.0;
    let parse_s = seconds(s.step_ms.get("parse").copied().unwrap_or(0)).max(0.001);
    let peak_rss_mb = peak_rss_kb() as f64 / 1024.0;
    let one_day = match held {
        Some(path) => Some(run_one_day(store, settings, &path).await?),
        None => None,
    };
    Ok(BenchReport {
        women: summary.women,
        files: files.len(),
        input_mb,
        rows: s.input_rows,
        generate_s,
        job_s,
        steps_s: s.step_ms.iter().map(|(k, v)| (k.clone(), seconds(*v))).collect(),
        rows_per_s: s.input_rows as f64 / job_s.max(0.001),
        parse_mb_per_s: input_mb / parse_s,
        peak_rss_mb,
        ingest_peak_rss_mb,
        one_day,
    })
}

/// Moves the last statement file (by name: the last day of the last month) out of the inbox,
/// beside it; returns where it went.
fn hold_back_last_day(inbox: &std::path::Path) -> anyhow::Result<std::path::PathBuf> {
    let last = crate::fetch::local::list_inbox(inbox)?
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains("_03_movimientos_")))
        .max()
        .ok_or_else(|| anyhow::anyhow!("no statement file to hold back"))?;
    let held_dir = inbox.with_file_name("held");
    std::fs::create_dir_all(&held_dir)?;
    let held = held_dir.join(last.file_name().unwrap_or_default());
    std::fs::rename(&last, &held)?;
    Ok(held)
}

/// Puts the held-back day in the inbox and times a nightly run over it alone.
#[allow(clippy::float_arithmetic)]
async fn run_one_day<S: Store>(
    store: &S,
    settings: &Settings,
    held: &std::path::Path,
) -> anyhow::Result<OneDayReport> {
    let name = held.file_name().unwrap_or_default();
    let file = settings.inbox.join(name);
    std::fs::rename(held, &file)?;
    // Resets this process's peak resident memory (Linux), so the figure is this run's alone.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let mut job = Job::new(store, settings);
    job.begin("bench --one-day").await?;
    let started = Instant::now();
    job.ingest_file(&file, IngestSource::Inbox).await?;
    job.recompute_dirty().await?;
    let job_s = started.elapsed().as_secs_f64();
    job.finish(job.exit_code()).await?;
    let s = &job.summary;
    Ok(OneDayReport {
        file: name.to_string_lossy().into_owned(),
        rows: s.input_rows,
        periods: s.periods_recomputed.clone(),
        job_s,
        steps_s: s.step_ms.iter().map(|(k, v)| (k.clone(), seconds(*v))).collect(),
        peak_rss_mb: peak_rss_kb() as f64 / 1024.0,
    })
}

/// The report as a table for people.
pub fn render(r: &BenchReport) -> String {
    let mut out = format!(
        "women {}  files {}  input {:.1} MB  rows {}\ngenerate {:.2} s  job {:.2} s  rows/s {:.0}  parse {:.0} MB/s  peak RSS {:.0} MB (after ingestion {:.0} MB)\n",
        r.women,
        r.files,
        r.input_mb,
        r.rows,
        r.generate_s,
        r.job_s,
        r.rows_per_s,
        r.parse_mb_per_s,
        r.peak_rss_mb,
        r.ingest_peak_rss_mb
    );
    for (step, s) in &r.steps_s {
        out.push_str(&format!("  {step:<15} {s:>8.2} s\n"));
    }
    if let Some(d) = &r.one_day {
        out.push_str(&format!(
            "one day: {} ({} rows), periods {}\njob {:.2} s  peak RSS {:.0} MB\n",
            d.file,
            d.rows,
            d.periods.join(","),
            d.job_s,
            d.peak_rss_mb
        ));
        for (step, s) in &d.steps_s {
            out.push_str(&format!("  {step:<15} {s:>8.2} s\n"));
        }
    }
    out
}
