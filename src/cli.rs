//! The command line (SPEC §5). `--help` on each command says what it does and when to use it.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "alcancia",
    version,
    about = "Nightly batch processor of a conditional-cash-transfer savings programme.",
    long_about = "alcancia ingests the bank's statement files, the payment batches and the \
beneficiary roster, reconciles what was instructed against what the bank credited, flags the \
women who kept a balance (savers), prepares the raffle lists and writes the monthly indicators.\n\n\
Typical use: `alcancia run` every night from cron or a systemd timer.",
    after_help = "Exit status: 0 done; 1 failure (nothing half-written); 2 bad usage or configuration; \
3 done, but some input files were quarantined; 4 another run holds the lock.\n\
Configuration: built-in defaults, then config/default.toml (or --config FILE), then \
ALCANCIA__SECTION__KEY environment variables (e.g. ALCANCIA__RECONCILE__GRACE_DAYS=5)."
)]
pub struct Cli {
    /// Configuration file (TOML). Default: config/default.toml when present.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The nightly job: fetch every new file from each SFTP source (sftp.sources.*), ingest every
    /// new file in paths.inbox, then recompute every period the new data touched and write its
    /// outputs under paths.output. Exit 1 if an SFTP source failed (the rest is still done).
    Run,
    /// Ingest the given files (in the order given, sorted by name), then recompute what they touched.
    /// The files are left where they are.
    Ingest {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Parse and validate one file without storing anything; print a JSON summary
    /// (kind, format, statements or batches or roster, totals, errors). Exit 3 when it has errors.
    Inspect {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Reconcile one period (YYYY-MM) again and rewrite its outputs.
    Reconcile {
        #[arg(long, value_name = "YYYY-MM")]
        period: String,
    },
    /// Recompute one period's indicators (with its reconciliation and account-months) and rewrite its outputs.
    Indicators {
        #[arg(long, value_name = "YYYY-MM")]
        period: String,
    },
    /// Rewrite one period's reports (reporte.html, reporte.xlsx) from its stored results,
    /// without recomputing anything.
    Report {
        #[arg(long, value_name = "YYYY-MM")]
        period: String,
    },
    /// The food-basket raffle: eligible list, publicly verifiable draw (RFC 3797), verification.
    #[command(subcommand)]
    Raffle(RaffleCommand),
    /// Measure the whole job at a given scale: generate inputs into a fresh work folder and
    /// database, run the job in this process, print each step's time, throughput and peak memory.
    Bench {
        /// Work folder (created; must not exist yet). Inbox, archive, outputs and the SQLite database go there.
        #[arg(long, value_name = "DIR")]
        work: PathBuf,
        #[arg(long, default_value_t = 26)]
        districts: usize,
        #[arg(long, default_value_t = 935)]
        women_per_district: usize,
        #[arg(long, value_delimiter = ',', default_value = "2012-07")]
        months: Vec<String>,
        #[arg(long, default_value_t = 2012)]
        seed: u64,
        /// Format of the daily statement files.
        #[arg(long, value_enum, default_value = "csv")]
        statements: crate::fixtures::StatementChoice,
        /// Format of the payment batches.
        #[arg(long, value_enum, default_value = "csv")]
        payments: crate::fixtures::BatchChoice,
        /// Print the measurements as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Hold the last day's statement file back, then time a nightly run of that day alone.
        #[arg(long)]
        one_day: bool,
    },
    /// Generate realistic, deterministic input files (roster, payment batches, daily statements).
    Fixtures {
        /// Output folder (created).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Number of districts (half pilot, half control).
        #[arg(long, default_value_t = 4)]
        districts: usize,
        /// Women per district.
        #[arg(long, default_value_t = 25)]
        women_per_district: usize,
        /// Months, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "2012-07,2012-08")]
        months: Vec<String>,
        /// Random seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 2012)]
        seed: u64,
        /// Statement file format (mixed: by the day of the month).
        #[arg(long, value_enum, default_value = "csv")]
        statements: crate::fixtures::StatementChoice,
        /// Payment batch format (mixed: pain.001 in even months, CSV in odd ones).
        #[arg(long, value_enum, default_value = "csv")]
        payments: crate::fixtures::BatchChoice,
    },
}

#[derive(Subcommand, Debug)]
pub enum RaffleCommand {
    /// Prepare (or show why a woman is not in) the eligible list of a raffle period and write
    /// out/raffle/<P>/eligible.csv. `run` does this by itself once the period's second month is reconciled.
    Eligible {
        /// Raffle period YYYY-Bn (B1 = January+February … B6 = November+December).
        #[arg(long, value_name = "YYYY-Bn")]
        period: String,
        /// Say why this DNI is or is not eligible.
        #[arg(long, value_name = "DNI")]
        explain: Option<String>,
    },
    /// Draw the raffle period: winners then alternates per pilot district, from public random
    /// sources (e.g. the numbers of a lottery held after the list was published). Drawing again
    /// returns the recorded result.
    Draw {
        #[arg(long, value_name = "YYYY-Bn")]
        period: String,
        /// A public random source: numbers separated by blanks or commas. Repeat for each source.
        #[arg(long = "source", required = true, value_name = "NUMBERS")]
        sources: Vec<String>,
        /// Draw anew even though the period was drawn (both draws are kept). Needs --reason.
        #[arg(long, requires = "reason")]
        redraw: bool,
        /// Why the period is drawn again (recorded in draw.json and the database).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Recompute a draw from the published files alone (no database) and say, district by
    /// district, whether the winners match. Exit 0 only when every district matches.
    Verify {
        #[arg(long, value_name = "FILE")]
        eligible: PathBuf,
        #[arg(long, value_name = "FILE")]
        winners: PathBuf,
        #[arg(long = "source", required = true, value_name = "NUMBERS")]
        sources: Vec<String>,
        /// Winners per district used in the draw (default: raffle.winners_per_district).
        #[arg(long)]
        winners_per_district: Option<usize>,
        /// Alternates per district used in the draw (default: raffle.alternates_per_district).
        #[arg(long)]
        alternates_per_district: Option<usize>,
    },
}
