//! The `alcancia` binary: parse the command line, load settings, run one command, map the
//! outcome to an exit status (SPEC §5).

use alcancia::cli::{Cli, Command, RaffleCommand};
use alcancia::domain::{Period, RafflePeriod};
use alcancia::job::{exit, IngestSource, Job, RunLock};
use alcancia::settings::Settings;
use alcancia::store::postgres;
use alcancia::store::sqlite::SqliteStore;
use alcancia::store::Store;
use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: a period's millions of small records are freed by one
/// thread and the next step's allocated by another, and glibc keeps freed memory in the arena
/// of the thread that freed it (the ingestion's writer thread held ~200 MB the recompute could
/// not reuse); mimalloc gives it back. Built `no_thp` (Cargo.toml): with transparent huge pages
/// the kernel zeroed 2 MB pages over and over as the recompute allocated and freed, and the
/// period's reads took 1.5–2× as long (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Prints a line on stdout; a closed pipe (`alcancia inspect FILE | head`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

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
            let options = alcancia::formats::ParseOptions { currency: settings.currency.clone() };
            let (summary, valid) = alcancia::inspect::inspect_file(&file, &options)
                .map_err(|e| anyhow::anyhow!("Failed to read {}: {e}", file.display()))?;
            // Written as it is serialised: a month-end statement file of a national programme
            // lists millions of statements. A closed pipe (`| head`) is not an error.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let written = serde_json::to_writer_pretty(&mut out, &summary)
                .map_err(std::io::Error::from)
                .and_then(|()| std::io::Write::write_all(&mut out, b"\n"))
                .and_then(|()| std::io::Write::flush(&mut out));
            match written {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(anyhow::anyhow!("Failed to write the summary: {e}"))
                }
                _ => {}
            }
            Ok(if valid { exit::OK } else { exit::QUARANTINED })
        }
        Command::Fixtures { out, districts, women_per_district, months, seed, statements, payments } => {
            let formats = alcancia::fixtures::Formats::choose(statements, payments);
            fixtures(out, districts, women_per_district, months, seed, &formats)
        }
        Command::Raffle(RaffleCommand::Verify {
            eligible,
            winners,
            sources,
            winners_per_district,
            alternates_per_district,
        }) => verify(
            &eligible,
            &winners,
            &sources,
            winners_per_district.unwrap_or(settings.raffle_winners_per_district),
            alternates_per_district.unwrap_or(settings.raffle_alternates_per_district),
        ),
        Command::Bench {
            work,
            districts,
            women_per_district,
            months,
            seed,
            statements,
            payments,
            json,
            one_day,
        } => {
            let formats = alcancia::fixtures::Formats::choose(statements, payments);
            let months = match parse_periods(&months) {
                Ok(m) => m,
                Err(code) => return Ok(code),
            };
            let options =
                alcancia::bench::BenchOptions { districts, women_per_district, months, seed, one_day };
            bench(work, options, formats, json, settings).await
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
    formats: &alcancia::fixtures::Formats,
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
    let summary = alcancia::fixtures::generate_with(&out, &options, formats);
    spinner.finish_and_clear();
    let summary = summary?;
    tracing::info!(files = summary.files.len(), women = summary.women, out = %out.display(), "Fixtures written.");
    say!("Wrote {} files for {} women under {}", summary.files.len(), summary.women, out.display());
    Ok(exit::OK)
}

fn verify(
    eligible: &std::path::Path,
    winners: &std::path::Path,
    sources: &[String],
    per_district: usize,
    alternates: usize,
) -> anyhow::Result<u8> {
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| anyhow::anyhow!("Failed to read {}: {e}", p.display()))
    };
    let (eligible, winners) = (read(eligible)?, read(winners)?);
    let (period, checks) =
        match alcancia::raffle::verify::verify(&eligible, &winners, sources, per_district, alternates) {
            Ok(result) => result,
            Err(reason) => {
                eprintln!("alcancia: {reason}");
                return Ok(exit::USAGE);
            }
        };
    say!("Sorteo / raffle {period}: {} distritos / districts", checks.len());
    for check in &checks {
        if check.matches() {
            say!(
                "{}  OK   ganadoras {:?} suplentes {:?}",
                check.ubigeo,
                check.expected.winners,
                check.expected.alternates
            );
        } else {
            say!(
                "{}  NO COINCIDE / MISMATCH  calculado: ganadoras {:?} suplentes {:?}; publicado: {:?}",
                check.ubigeo,
                check.expected.winners,
                check.expected.alternates,
                check.published.as_ref().map(|p| (&p.winners, &p.alternates))
            );
        }
    }
    let all = checks.iter().all(|c| c.matches());
    say!(
        "{}",
        if all { "Todo coincide / everything matches." } else { "Hay diferencias / there are differences." }
    );
    Ok(if all { exit::OK } else { exit::FAILURE })
}

/// Parses `--months`.
fn parse_periods(months: &[String]) -> Result<Vec<Period>, u8> {
    months.iter().map(|m| parse_period(m)).collect()
}

async fn bench(
    work: std::path::PathBuf,
    options: alcancia::bench::BenchOptions,
    formats: alcancia::fixtures::Formats,
    json: bool,
    settings: &Settings,
) -> anyhow::Result<u8> {
    if work.exists() {
        eprintln!("alcancia: --work {} already exists; give a new folder", work.display());
        return Ok(exit::USAGE);
    }
    let mut settings = settings.clone();
    settings.inbox = work.join("inbox");
    settings.archive = work.join("archive");
    settings.quarantine = work.join("quarantine");
    settings.output = work.join("out");
    if settings.database_url.starts_with("sqlite:") {
        settings.database_url = format!("sqlite://{}", work.join("alcancia.db").display());
    }
    // SQLite: a fresh database in the work folder. PostgreSQL: the configured database, which
    // should be empty (create one for the bench).
    let report = if settings.database_url.starts_with("sqlite:") {
        let store = SqliteStore::open(&settings.database_url).await?;
        alcancia::bench::run(&store, &settings, &options, &formats).await?
    } else {
        let store = alcancia::store::postgres::PgStore::open(&settings.database_url).await?;
        alcancia::bench::run(&store, &settings, &options, &formats).await?
    };
    if json {
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", alcancia::bench::render(&report));
    }
    Ok(exit::OK)
}

fn parse_raffle_period(text: &str) -> Result<RafflePeriod, u8> {
    RafflePeriod::parse(text).map_err(|e| {
        eprintln!("alcancia: --period: {e}");
        exit::USAGE
    })
}

async fn with_store(command: Command, settings: &Settings) -> anyhow::Result<u8> {
    if postgres::is_postgres_url(&settings.database_url) {
        return with_postgres(command, settings).await;
    }
    let Some(_lock) = RunLock::try_acquire(&RunLock::path_for(&settings.database_url))? else {
        tracing::warn!("Another run holds the lock; nothing done.");
        eprintln!("alcancia: another run holds the lock");
        return Ok(exit::LOCKED);
    };
    let store = SqliteStore::open(&settings.database_url).await?;
    execute(command, &store, settings).await
}

/// PostgreSQL: the run lock is an advisory lock held on its own connection for the whole run.
async fn with_postgres(command: Command, settings: &Settings) -> anyhow::Result<u8> {
    let options = postgres::connect_options(&settings.database_url)?;
    let Some(lock) = postgres::PgRunLock::try_acquire(&options).await? else {
        tracing::warn!("Another run holds the lock; nothing done.");
        eprintln!("alcancia: another run holds the lock");
        return Ok(exit::LOCKED);
    };
    let store = postgres::PgStore::open(&settings.database_url).await?;
    let code = execute(command, &store, settings).await?;
    store.pool().close().await;
    lock.release().await?;
    Ok(code)
}

async fn execute<S: Store>(command: Command, store: &S, settings: &Settings) -> anyhow::Result<u8> {
    let mut job = Job::new(store, settings);
    let name = match &command {
        Command::Run => "run",
        Command::Ingest { .. } => "ingest",
        Command::Reconcile { .. } => "reconcile",
        Command::Indicators { .. } => "indicators",
        Command::Report { .. } => "report",
        Command::Raffle(_) => "raffle",
        _ => "other",
    };
    let started_at = alcancia::clock::now_unix();
    job.begin(name).await?;
    let result = match command {
        Command::Run => job.run_nightly().await,
        Command::Ingest { mut files } => {
            files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
            let bar = alcancia::progress::files(files.len() as u64, "ingest");
            let outcome = job.ingest_files(&files, IngestSource::CommandLine, |_| bar.inc(1)).await;
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
        Command::Raffle(raffle) => match raffle_command(&mut job, raffle).await {
            Ok(Some(code)) => {
                job.finish(code).await?;
                return Ok(code);
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        },
        _ => Ok(()),
    };
    let code = match &result {
        Ok(()) => job.exit_code(),
        Err(e) if e.downcast_ref::<alcancia::job::UsageError>().is_some() => exit::USAGE,
        Err(_) => exit::FAILURE,
    };
    if code == exit::USAGE {
        if let Err(e) = &result {
            eprintln!("alcancia: {e}");
        }
        job.finish(code).await?;
        return Ok(code);
    }
    job.finish(code).await?;
    job.publish(name, started_at, result.as_ref().err().map(|e| format!("{e:#}"))).await;
    result.map(|()| code)
}

/// The raffle commands that need the store. `Some(code)` ends the command with that status.
async fn raffle_command<S: Store>(
    job: &mut Job<'_, S>,
    command: RaffleCommand,
) -> anyhow::Result<Option<u8>> {
    match command {
        RaffleCommand::Eligible { period, explain } => {
            let period = match parse_raffle_period(&period) {
                Ok(p) => p,
                Err(code) => return Ok(Some(code)),
            };
            match explain {
                Some(dni) => say!("{}", job.explain(period, &dni).await?),
                None => {
                    let list = job.prepare_eligible(period).await?;
                    say!("{} mujeres elegibles / eligible women for {period}", list.len());
                }
            }
            Ok(None)
        }
        RaffleCommand::Draw { period, sources, redraw, reason } => {
            let period = match parse_raffle_period(&period) {
                Ok(p) => p,
                Err(code) => return Ok(Some(code)),
            };
            let record = job.draw(period, &sources, if redraw { reason } else { None }).await?;
            say!("{}", serde_json::to_string_pretty(&record)?);
            Ok(None)
        }
        RaffleCommand::Verify { .. } => Ok(None),
    }
}
