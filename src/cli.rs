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
    /// The nightly job: ingest every new file in paths.inbox, then recompute every period the
    /// new data touched and write its outputs under paths.output.
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
    },
}
