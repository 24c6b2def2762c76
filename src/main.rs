//! The `alcancia` binary: parse the command line, load settings, run one command, map the
//! outcome to an exit status (SPEC §5).

use alcancia::cli::{Cli, Command};
use alcancia::domain::Period;
use alcancia::job::{exit, IngestSource, Job, RunLock};
use alcancia::settings::Settings;
use alcancia::store::sqlite::SqliteStore;
use alcancia::store::Store;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("alcancia: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    alcancia::telemetry::init(settings.log_format, &settings.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("alcancia: failed to start the runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(run(cli.command, &settings)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "Run failed.");
            eprintln!("alcancia: {error:#}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

fn parse_period(text: &str) -> Result<Period, u8> {
    Period::parse(text).map_err(|e| {
        eprintln!("alcancia: --period: {e}");
        exit::USAGE
    })
}

async fn run(command: Command, settings: &Settings) -> anyhow::Result<u8> {
    match command {
        Command::Inspect { file } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("Failed to read {}: {e}", file.display()))?;
            let options = alcancia::formats::ParseOptions { currency: settings.currency.clone() };
            let parsed = alcancia::formats::parse_any(&bytes, &options);
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            println!(
                "{}",
                serde_json::to_string_pretty(&alcancia::inspect::summary(&name, &bytes, &parsed))?
            );
            Ok(if parsed.is_valid() { exit::OK } else { exit::QUARANTINED })
        }
        Command::Fixtures { out, districts, women_per_district, months, seed } => {
            fixtures(out, districts, women_per_district, months, seed)
        }
        other => with_store(other, settings).await,
    }
}

fn fixtures(
    out: std::path::PathBuf,
    districts: usize,
    women_per_district: usize,
    months: Vec<String>,
    seed: u64,
) -> anyhow::Result<u8> {
    let mut periods = Vec::new();
    for m in &months {
        match parse_period(m) {
            Ok(p) => periods.push(p),
            Err(code) => return Ok(code),
        }
    }
    let options = alcancia::fixtures::FixtureOptions { districts, women_per_district, months: periods, seed };
    let spinner = alcancia::progress::spinner("fixtures");
    let summary = alcancia::fixtures::generate(&out, &options);
    spinner.finish_and_clear();
    let summary = summary?;
    tracing::info!(files = summary.files.len(), women = summary.women, out = %out.display(), "Fixtures written.");
    println!("Wrote {} files for {} women under {}", summary.files.len(), summary.women, out.display());
    Ok(exit::OK)
}

async fn with_store(command: Command, settings: &Settings) -> anyhow::Result<u8> {
    if !settings.database_url.starts_with("sqlite:") {
        anyhow::bail!("only SQLite is supported in this version (database.url)");
    }
    let Some(_lock) = RunLock::try_acquire(&RunLock::path_for(&settings.database_url))? else {
        tracing::warn!("Another run holds the lock; nothing done.");
        eprintln!("alcancia: another run holds the lock");
        return Ok(exit::LOCKED);
    };
    let store = SqliteStore::open(&settings.database_url).await?;
    execute(command, &store, settings).await
}

async fn execute<S: Store>(command: Command, store: &S, settings: &Settings) -> anyhow::Result<u8> {
    let mut job = Job::new(store, settings);
    let name = match &command {
        Command::Run => "run",
        Command::Ingest { .. } => "ingest",
        Command::Reconcile { .. } => "reconcile",
        Command::Indicators { .. } => "indicators",
        Command::Report { .. } => "report",
        _ => "other",
    };
    let started_at = alcancia::clock::now_unix();
    job.begin(name).await?;
    let result = match command {
        Command::Run => job.run_nightly().await,
        Command::Ingest { mut files } => {
            files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
            let mut outcome = Ok(());
            let bar = alcancia::progress::files(files.len() as u64, "ingest");
            for file in &files {
                if let Err(e) = job.ingest_file(file, IngestSource::CommandLine).await {
                    outcome = Err(e);
                    break;
                }
                bar.inc(1);
            }
            bar.finish_and_clear();
            match outcome {
                Ok(()) => job.recompute_dirty().await,
                Err(e) => Err(e),
            }
        }
        Command::Reconcile { period } | Command::Indicators { period } => match parse_period(&period) {
            Ok(p) => job.recompute_period(p).await,
            Err(code) => return Ok(code),
        },
        Command::Report { period } => match parse_period(&period) {
            Ok(p) => job.write_reports(p).await,
            Err(code) => return Ok(code),
        },
        _ => Ok(()),
    };
    let code = match &result {
        Ok(()) => job.exit_code(),
        Err(_) => exit::FAILURE,
    };
    job.finish(code).await?;
    job.publish(name, started_at, result.as_ref().err().map(|e| format!("{e:#}"))).await;
    result.map(|()| code)
}
