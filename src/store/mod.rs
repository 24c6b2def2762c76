//! The store: every ingested file and its facts, and the results of each period.
//!
//! [`Store`] is the one seam between the decisions and a database. [`sqlite::SqliteStore`] is
//! the embedded default; [`postgres::PgStore`] follows the same trait with its own migrations,
//! for production. A file is stored in one transaction: its facts are inserted, checked against
//! what is already stored (conflicting `lote`, reused `referencia`, overlapping statements) and
//! committed, or rolled back whole and reported as problems for quarantine.

pub mod period_save;
pub mod postgres;
pub mod range;
pub mod rows;
pub mod spill;
pub mod sqlite;
pub mod turn;
pub mod writing;

use crate::domain::{Period, RafflePeriod};
use crate::formats::stream::Outcome;
use crate::formats::Problem;
use crate::indicators::IndicatorRow;
use crate::raffle::draw::DrawRecord;
use crate::raffle::eligibility::{EligibleWoman, Exclusion};
use crate::reconcile::{ExceptionRow, Ledger};
use crate::records::{EntryRec, InstructionRec, RosterMember, StatementHead};
use crate::report::account_month_rows::InOrder;
use crate::savings::timeline::Checkpoint;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// A file already known to the store.
#[derive(Clone, Debug)]
pub struct KnownFile {
    pub id: i64,
    pub name: String,
    pub status: String,
}

/// What the store records about an incoming file besides its content.
#[derive(Clone, Debug)]
pub struct FileMeta {
    pub sha256: String,
    pub name: String,
    pub size: u64,
    pub archive_path: String,
    pub received_at: String,
    pub run_id: Option<i64>,
}

/// The outcome of storing one parsed, valid file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Stored; the earliest period whose results its data can change.
    Ingested { earliest_touched: Option<Period> },
    /// Every batch of the file was already stored with the same instructions.
    DuplicateContent,
    /// The file conflicts with what is stored; nothing of it was kept.
    Rejected(Vec<Problem>),
}

/// What storing a streamed file came to.
#[derive(Clone, Debug)]
pub struct StreamedFile {
    /// What the parser said: the format and every problem it found.
    pub outcome: Outcome,
    /// `Rejected` with the parser's problems when it found any.
    pub stored: Stored,
    /// Rows received: roster rows, instructions and statement entries.
    pub rows: u64,
    /// How long the store was busy with the file (its waits for the parser left out).
    pub store_busy: std::time::Duration,
}

/// What the recompute of one period reads once, whatever its account ranges.
pub struct PeriodFacts {
    /// The latest roster of the period in file order, as the recompute reads it: names and
    /// `distrito` left empty (no decision and no output of the recompute uses them; at national
    /// scale they are a few hundred megabytes).
    pub roster: Vec<RosterMember>,
    /// What the periods before consumed.
    pub ledger: Ledger,
    /// The facts of the range asked for with the rest (the whole period's, when it is one
    /// range), read at the same time.
    pub range: Option<RangeFacts>,
}

/// What the recompute of one range of a period's accounts reads: the rows on its accounts.
pub struct RangeFacts {
    /// The instructions whose `periodo` is the period.
    pub instructions: Vec<InstructionRec>,
    /// Booked entries from the period's first day through its window end, each with its
    /// statement's first day, in no particular order.
    pub window_entries: Vec<EntryRec>,
    /// Statements whose coverage starts in the period, by (first day, delivery order).
    pub heads: Vec<StatementHead>,
    /// Every account's balance timeline at the end of the month before: the checkpoint stored
    /// with that month's results, or, without one, computed from the stored history.
    pub previous: Checkpoint,
}

/// A run's summary for `job_runs`.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RunSummary {
    pub files_ingested: u64,
    pub files_duplicate: u64,
    pub files_quarantined: u64,
    pub periods_recomputed: Vec<String>,
    /// SFTP sources that could not be fetched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources_failed: Vec<String>,
    pub exit_code: i32,
    pub status: String,
    /// Wall time per step, in milliseconds (fetch, parse, store, reconcile, …).
    pub step_ms: BTreeMap<String, u64>,
    /// Input bytes read.
    pub input_bytes: u64,
    /// Rows read from valid files: roster rows, instructions and statement entries.
    pub input_rows: u64,
    /// Exceptions of each recomputed period, by category code (for the metrics file).
    pub exceptions: std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
    /// Periods whose `reporte.html` and `reporte.xlsx` were written.
    pub reports_written: Vec<String>,
}

/// One stored indicator value as written (`value` empty when undefined).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredIndicator {
    pub period: Period,
    /// `PROGRAM`, `GROUP`, `REGION` or `DISTRICT`.
    pub scope: String,
    pub scope_id: String,
    pub metric: String,
    pub value: String,
}

/// Where a district's first row is in a roster: its position (a roster's rows are numbered
/// from 0 in file order, and read back in that order) and its ubigeo. The districts' names are
/// read from these rows by key, instead of searching the whole roster for them (14–20 s for
/// a 20-million-row roster on PostgreSQL; BENCHMARKS.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistrictFirstRow {
    pub position: i64,
    pub ubigeo: String,
}

impl DistrictFirstRow {
    /// Each district's first row in `roster` (rows in position order from 0), by ubigeo.
    pub fn of_roster(roster: &[RosterMember]) -> Vec<Self> {
        let mut firsts: crate::records::HashMap<&str, i64> = crate::records::HashMap::default();
        let mut previous: Option<&str> = None;
        for (position, member) in (0i64..).zip(roster) {
            let ubigeo = member.ubigeo.as_str();
            // Rosters list a district's women together: one comparison instead of a lookup for
            // most of 20 million rows.
            if previous != Some(ubigeo) {
                firsts.entry(ubigeo).or_insert(position);
                previous = Some(ubigeo);
            }
        }
        let mut rows: Vec<Self> = firsts
            .into_iter()
            .map(|(ubigeo, position)| Self { position, ubigeo: ubigeo.to_owned() })
            .collect();
        rows.sort_unstable_by(|a, b| a.ubigeo.cmp(&b.ubigeo));
        rows
    }

    /// `found`, the districts read at `rows`' positions, when they are exactly these rows'
    /// districts (by ubigeo, in order). Otherwise `None`, with a warning: the positions were
    /// not where the recompute found them, and the caller reads the whole roster instead.
    pub fn confirmed(rows: &[Self], found: Vec<DistrictInfo>, period: Period) -> Option<Vec<DistrictInfo>> {
        if rows.len() == found.len() && rows.iter().zip(&found).all(|(r, d)| r.ubigeo == d.ubigeo) {
            return Some(found);
        }
        tracing::warn!(%period, "The districts' first roster rows were not where the recompute found them: read from the whole roster.");
        None
    }
}

/// A district of a period's roster, with its names and group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistrictInfo {
    pub ubigeo: String,
    pub departamento: String,
    pub provincia: String,
    pub distrito: String,
    /// `PILOTO` or `CONTROL` (the group of the district's first roster row).
    pub grupo: String,
}

/// A period's stored results, as the person-facing reports show them (they render these
/// numbers and never compute business figures).
#[derive(Clone, Debug)]
pub struct PeriodReport {
    pub period: Period,
    /// `recon_exceptions` of the period, in output order (shared with the save that runs beside
    /// the reports' writing).
    pub exceptions: Arc<Vec<ExceptionRow>>,
    /// `account_months` of the period, by DNI.
    pub account_months: crate::report::account_month_rows::AccountMonthRows,
    /// `indicators` of every stored period up to and including `period` (for the trend),
    /// by period, then output order.
    pub indicators: Vec<StoredIndicator>,
    /// The districts of the latest roster of the period, by ubigeo.
    pub districts: Vec<DistrictInfo>,
}

impl StoredIndicator {
    /// An indicator as it is stored.
    pub fn of(row: &IndicatorRow) -> Self {
        Self {
            period: row.period,
            scope: row.scope.code().to_owned(),
            scope_id: row.scope_id.clone(),
            metric: row.metric.to_owned(),
            value: row.value.clone(),
        }
    }
}

impl RunSummary {
    /// Adds the time since `started` to a step.
    pub fn time(&mut self, step: &str, started: std::time::Instant) {
        self.add_time(step, started.elapsed());
    }

    /// Adds a duration to a step (steps that overlap, like parse and store, are each timed
    /// by the time they were busy).
    pub fn add_time(&mut self, step: &str, spent: std::time::Duration) {
        let ms = u64::try_from(spent.as_millis()).unwrap_or(u64::MAX);
        *self.step_ms.entry(step.to_owned()).or_default() += ms;
        // Where the memory goes: resident and peak memory at every step's end
        // (`RUST_LOG=alcancia=debug`).
        if tracing::enabled!(tracing::Level::DEBUG) {
            let (rss_mb, peak_mb) = (crate::bench::rss_kb() / 1024, crate::bench::peak_rss_kb() / 1024);
            tracing::debug!(step, ms, rss_mb, peak_mb, "Step done.");
        }
    }
}

/// A remote file as its SFTP server listed it (table `remote_files`).
#[derive(Clone, Copy, Debug)]
pub struct RemoteFileKey<'a> {
    pub source: &'a str,
    pub name: &'a str,
    pub size: u64,
    pub mtime: u64,
}

/// The storage seam. Every method is one statement or one transaction.
#[allow(async_fn_in_trait)]
pub trait Store {
    async fn known_file(&self, sha256: &str) -> anyhow::Result<Option<KnownFile>>;
    async fn record_sighting(&self, file_id: i64, name: &str, run_id: Option<i64>) -> anyhow::Result<()>;
    async fn record_quarantine(
        &self,
        meta: &FileMeta,
        kind: &str,
        format: &str,
        report: &str,
    ) -> anyhow::Result<()>;
    /// Stores a file as its parser streams it, in one transaction (see the module doc and
    /// [`writing`]): records are written as they arrive; the parser's outcome, which comes
    /// last, and the checks against what is stored decide whether it commits. `turn` keeps
    /// the delivery order when files are stored at once ([`turn`]).
    async fn store_stream(
        &self,
        meta: &FileMeta,
        stream: writing::FileStream,
        grace_days: u32,
        turn: turn::FileTurn,
    ) -> anyhow::Result<StreamedFile>;

    /// How many files [`Store::store_stream`] may be given at once (each with its turn): 1
    /// unless the store keeps their order through [`turn::FileTurn`].
    fn files_at_once(&self) -> usize {
        1
    }

    async fn dirty_periods(&self) -> anyhow::Result<Vec<Period>>;
    async fn mark_dirty(&self, period: Period) -> anyhow::Result<()>;
    async fn clear_dirty_through(&self, last: Period) -> anyhow::Result<()>;

    /// Periods with a stored roster, ascending.
    async fn roster_periods(&self) -> anyhow::Result<Vec<Period>>;
    /// The latest roster version of a period, in file order.
    async fn roster(&self, period: Period) -> anyhow::Result<Vec<RosterMember>>;
    /// Rows of the latest roster of a period (0 without one).
    async fn roster_size(&self, period: Period) -> anyhow::Result<u64>;
    /// What the recompute of `period` reads once (see [`PeriodFacts`]), its window ending
    /// `window_end`, and, when `range` is given, that range's facts. Backends read the parts
    /// concurrently.
    async fn period_facts(
        &self,
        period: Period,
        window_end: NaiveDate,
        range: Option<&range::AccountRange>,
    ) -> anyhow::Result<PeriodFacts>;
    /// Every range's instructions, window entries and statements (see [`RangeFacts`]) in one
    /// read of each, each row filed under its range as it arrives (see [`spill`]); the spill's
    /// writing is finished when this returns.
    async fn spill_range_facts(
        &self,
        period: Period,
        window_end: NaiveDate,
        spill: &mut spill::RangeSpill,
    ) -> anyhow::Result<()>;
    /// One range's timelines at the end of the month before `period` (see
    /// [`RangeFacts::previous`]).
    async fn range_checkpoint(
        &self,
        period: Period,
        range: &range::AccountRange,
    ) -> anyhow::Result<crate::savings::timeline::Checkpoint>;
    /// Starts replacing the results of `period`, in one transaction that its parts are written
    /// into as they come and that commits when every part came (see [`period_save`]). The
    /// matches of later periods go too (the caller recomputes them next). Called once the
    /// period's facts are read.
    async fn begin_period_save(&self, period: Period) -> anyhow::Result<period_save::PeriodSave>;

    /// DNIs flagged as savers in a period's stored account-months.
    async fn savers(&self, period: Period) -> anyhow::Result<HashSet<String>>;
    /// (dni, category) of a period's stored exceptions of the given categories.
    async fn exceptions_of(
        &self,
        period: Period,
        categories: &[&str],
    ) -> anyhow::Result<Vec<(String, String)>>;
    /// Winners and alternates of the current draws of the `draws` raffle periods before `before`.
    async fn recent_winners(
        &self,
        before: RafflePeriod,
        draws: usize,
    ) -> anyhow::Result<HashMap<String, RafflePeriod>>;
    /// Replaces a raffle period's eligible list and exclusions.
    async fn save_eligible(
        &self,
        period: RafflePeriod,
        eligible: &[EligibleWoman],
        excluded: &BTreeMap<String, Vec<Exclusion>>,
    ) -> anyhow::Result<()>;
    /// The stored eligible list, in published order (`None`: not prepared).
    async fn eligible(&self, period: RafflePeriod) -> anyhow::Result<Option<Vec<EligibleWoman>>>;
    /// The stored reasons why a woman was excluded.
    async fn exclusion_reasons(&self, period: RafflePeriod, dni: &str) -> anyhow::Result<Vec<String>>;
    /// The current draw of a raffle period.
    async fn current_draw(&self, period: RafflePeriod) -> anyhow::Result<Option<DrawRecord>>;
    /// Records a draw in one transaction; an earlier draw of the period stays, no longer current.
    async fn save_draw(&self, record: &DrawRecord) -> anyhow::Result<()>;
    /// The SHA-256 of a remote file already fetched and stored, by what its server listed.
    async fn fetched_remote(&self, remote: &RemoteFileKey<'_>) -> anyhow::Result<Option<String>>;
    /// Remembers a remote file once it is safely stored (idempotent).
    async fn record_fetched_remote(
        &self,
        remote: &RemoteFileKey<'_>,
        sha256: &str,
        run_id: Option<i64>,
    ) -> anyhow::Result<()>;
    /// The stored results of `period` for the reports, its account-months read into
    /// `account_months`; `None` when nothing was computed for it.
    async fn period_report(
        &self,
        period: Period,
        account_months: InOrder,
    ) -> anyhow::Result<Option<PeriodReport>>;
    /// The small parts of [`PeriodReport`]: the indicators through `period` and its districts,
    /// whose names are those of each district's first row in the latest roster: `first_rows`
    /// gives their positions and ubigeos, as the recompute found them in the roster it holds
    /// (see [`DistrictFirstRow`]).
    async fn report_context(
        &self,
        period: Period,
        first_rows: &[DistrictFirstRow],
    ) -> anyhow::Result<(Vec<StoredIndicator>, Vec<DistrictInfo>)>;

    async fn begin_run(&self, command: &str, started_at: &str) -> anyhow::Result<i64>;
    async fn finish_run(&self, run_id: i64, finished_at: &str, summary: &RunSummary) -> anyhow::Result<()>;
}

#[cfg(test)]
mod district_tests {
    use super::*;
    use crate::domain::{Dni, Estado, Grupo, Ubigeo};

    fn member(ubigeo: &str) -> RosterMember {
        RosterMember {
            dni: Dni::parse("12345678").unwrap(),
            names: None,
            ubigeo: Ubigeo::parse(ubigeo).unwrap(),
            grupo: Grupo::Piloto,
            estado: Estado::parse("ACTIVO").unwrap(),
            cuenta: "00000000000000000001".into(),
            monto: rust_decimal::Decimal::ONE_HUNDRED,
        }
    }

    fn first(position: i64, ubigeo: &str) -> DistrictFirstRow {
        DistrictFirstRow { position, ubigeo: ubigeo.to_owned() }
    }

    fn district(ubigeo: &str) -> DistrictInfo {
        DistrictInfo {
            ubigeo: ubigeo.to_owned(),
            departamento: String::new(),
            provincia: String::new(),
            distrito: String::new(),
            grupo: String::new(),
        }
    }

    /// Each district's first row is where it first appears in the roster; by ubigeo.
    #[test]
    fn each_district_is_found_at_its_first_roster_row() {
        let roster: Vec<RosterMember> =
            ["080803", "030213", "080803", "150101", "030213"].into_iter().map(member).collect();
        assert_eq!(
            DistrictFirstRow::of_roster(&roster),
            [first(1, "030213"), first(0, "080803"), first(3, "150101")]
        );
        assert_eq!(DistrictFirstRow::of_roster(&[]), []);
    }

    /// The districts read by those rows' keys are taken only when they are exactly the
    /// expected ones, in ubigeo order.
    #[test]
    fn the_districts_read_must_be_the_expected_ones() {
        let july = Period::parse("2012-07").unwrap();
        let expected = [first(1, "030213"), first(0, "080803")];
        let confirmed = |found: &[&str]| {
            DistrictFirstRow::confirmed(&expected, found.iter().map(|u| district(u)).collect(), july)
                .map(|d| d.len())
        };
        assert_eq!(confirmed(&["030213", "080803"]), Some(2));
        assert_eq!(confirmed(&["030213"]), None);
        assert_eq!(confirmed(&["030213", "150101"]), None);
        assert_eq!(confirmed(&["080803", "030213"]), None);
        assert_eq!(confirmed(&[]), None);
        assert_eq!(DistrictFirstRow::confirmed(&[], Vec::new(), july), Some(Vec::new()));
    }
}
