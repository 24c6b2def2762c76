//! A period's account-months in output order (by DNI, then account), as the outputs read them:
//! in memory when the period was recomputed in one piece, or, when it was recomputed in account
//! ranges, as one sorted run per range in a temporary file, merged as they are read. A range's
//! rows are sorted by DNI only within the range (women are put in ranges by account), and a
//! national month's rows do not fit in memory at once (20 million of ~150 bytes).

use crate::domain::{Grupo, Period};
use crate::records::Text;
use crate::savings::{AccountMonth, Balances};
use anyhow::Context as _;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::str::FromStr;
use std::sync::Arc;

/// The rows, by (DNI, account).
#[derive(Clone, Debug)]
pub enum AccountMonthRows {
    InMemory(Arc<Vec<AccountMonth>>),
    Runs(Arc<SortedRuns>),
}

impl Default for AccountMonthRows {
    fn default() -> Self {
        Self::InMemory(Arc::default())
    }
}

impl From<Vec<AccountMonth>> for AccountMonthRows {
    fn from(rows: Vec<AccountMonth>) -> Self {
        Self::InMemory(Arc::new(rows))
    }
}

/// One row as the outputs read it.
pub type RowResult<'a> = anyhow::Result<Cow<'a, AccountMonth>>;

impl AccountMonthRows {
    pub fn len(&self) -> usize {
        match self {
            Self::InMemory(rows) => rows.len(),
            Self::Runs(runs) => runs.rows,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows in output order; from runs, each read back as the merge reaches it.
    pub fn iter(&self) -> anyhow::Result<Box<dyn Iterator<Item = RowResult<'_>> + Send + '_>> {
        Ok(match self {
            Self::InMemory(rows) => Box::new(rows.iter().map(|r| Ok(Cow::Borrowed(r)))),
            Self::Runs(runs) => Box::new(runs.merge()?.map(|r| r.map(Cow::Owned))),
        })
    }
}

/// Account-months read back in output order (a period's stored results, for `alcancia report`):
/// kept in memory up to `in_memory` rows, and past that written as sorted runs in a scratch
/// folder, `in_memory` rows each, so that reading a national month back holds no more of it at
/// once than its recompute did (`reconcile.women_per_range`).
pub struct InOrder {
    period: Period,
    parent: std::path::PathBuf,
    in_memory: usize,
    rows: Vec<AccountMonth>,
    runs: Option<SortedRuns>,
    /// The last row written to the runs, to check the order across them.
    last_of_runs: Option<AccountMonth>,
}

impl InOrder {
    pub fn new(period: Period, parent: &std::path::Path, in_memory: usize) -> Self {
        Self {
            period,
            parent: parent.to_owned(),
            in_memory: in_memory.max(1),
            rows: Vec::new(),
            runs: None,
            last_of_runs: None,
        }
    }

    /// The next row; rows must come in output order.
    pub fn push(&mut self, row: AccountMonth) -> anyhow::Result<()> {
        // Runs are merged by their heads: rows out of order would come out misplaced, not fail.
        let last = self.rows.last().or(self.last_of_runs.as_ref());
        anyhow::ensure!(
            last.is_none_or(|last| key(last) <= key(&row)),
            "{}'s account-months were read out of (DNI, account) order",
            self.period
        );
        // Full, the rows held go to a run only when one more comes: a period of exactly
        // `in_memory` rows stays in memory, as its recompute did.
        if self.rows.len() == self.in_memory {
            let runs = match &mut self.runs {
                Some(runs) => runs,
                None => self.runs.insert(SortedRuns::new(self.period, &self.parent)?),
            };
            runs.add(&self.rows)?;
            self.last_of_runs = self.rows.pop();
            self.rows.clear();
        }
        self.rows.push(row);
        Ok(())
    }

    pub fn finish(mut self) -> anyhow::Result<AccountMonthRows> {
        Ok(match self.runs.take() {
            None => AccountMonthRows::from(std::mem::take(&mut self.rows)),
            Some(mut runs) => {
                if !self.rows.is_empty() {
                    runs.add(&self.rows)?;
                }
                tracing::debug!(period = %self.period, rows = runs.rows, runs = runs.runs, "Account-months read back in sorted runs.");
                AccountMonthRows::Runs(Arc::new(runs))
            }
        })
    }
}

/// Sorted runs of account-months of one period, one file each, in a temporary folder removed
/// when the last reader is done.
#[derive(Debug)]
pub struct SortedRuns {
    period: Period,
    folder: tempfile::TempDir,
    runs: usize,
    rows: usize,
}

/// The prefix of the runs' temporary folders.
const FOLDER_PREFIX: &str = ".account-months-";

impl SortedRuns {
    /// A new set of runs in a temporary folder under `parent` (the output folder: on the same
    /// disk as the outputs, which hold the same rows again). The folders a killed run left
    /// behind there go first (their files are a national month's rows: gigabytes); the run lock
    /// keeps any other job from using them.
    pub fn new(period: Period, parent: &std::path::Path) -> anyhow::Result<Self> {
        let folder = crate::scratch::folder(parent, FOLDER_PREFIX, "account-month runs")?;
        Ok(Self { period, folder, runs: 0, rows: 0 })
    }

    fn path(&self, run: usize) -> std::path::PathBuf {
        self.folder.path().join(format!("run-{run:04}.tsv"))
    }

    /// Adds one run: `rows` of the period, sorted by (DNI, account).
    pub fn add(&mut self, rows: &[AccountMonth]) -> anyhow::Result<()> {
        debug_assert!(rows.windows(2).all(|w| key(&w[0]) <= key(&w[1])));
        let path = self.path(self.runs);
        let mut out = BufWriter::with_capacity(1 << 16, File::create(&path)?);
        for row in rows {
            anyhow::ensure!(
                row.period == self.period,
                "an account-month of {} among {}'s",
                row.period,
                self.period
            );
            encode(&mut out, row).with_context(|| format!("Failed to write {}", path.display()))?;
        }
        // Scratch: a run that does not survive a crash is never read (the recompute starts over).
        out.flush().with_context(|| format!("Failed to write {}", path.display()))?;
        self.runs += 1;
        self.rows += rows.len();
        Ok(())
    }

    /// Every run's rows, merged in output order.
    fn merge(&self) -> anyhow::Result<Merge> {
        let mut readers = Vec::with_capacity(self.runs);
        let mut heads = BinaryHeap::with_capacity(self.runs);
        for run in 0..self.runs {
            let path = self.path(run);
            let file = File::open(&path).with_context(|| format!("Failed to open {}", path.display()))?;
            let mut reader = RunReader {
                period: self.period,
                lines: BufReader::with_capacity(1 << 16, file),
                line: String::new(),
            };
            if let Some(row) = reader.next_row()? {
                heads.push(Reverse(Head { run, row }));
            }
            readers.push(reader);
        }
        Ok(Merge { readers, heads, failed: false })
    }
}

fn key(row: &AccountMonth) -> (&Text, &Text) {
    (&row.dni, &row.cuenta)
}

/// Tab-separated fields; an account-month without data has `-` for its balances. Amounts as
/// `Decimal` writes them (exact: the mean daily balance is kept unrounded).
fn encode(out: &mut impl Write, r: &AccountMonth) -> anyhow::Result<()> {
    for text in [r.dni.as_str(), r.cuenta.as_str(), r.ubigeo.as_str()] {
        anyhow::ensure!(
            !text.contains(['\t', '\n', '\r']),
            "a tab or line break in an account-month's {text:?}"
        );
    }
    write!(out, "{}\t{}\t{}\t{}\t", r.dni, r.cuenta, r.ubigeo, r.grupo.as_str())?;
    match &r.balances {
        Some(b) => write!(out, "{}\t{}\t{}\t", b.month_end, b.min, b.avg_daily)?,
        None => out.write_all(b"-\t-\t-\t")?,
    }
    writeln!(
        out,
        "{}\t{}\t{}\t{}\t{}\t{}",
        r.cct_credits,
        r.other_credits,
        r.debits,
        r.customer_movements,
        r.voluntary_deposits,
        u8::from(r.saver)
    )?;
    Ok(())
}

fn decode(period: Period, line: &str) -> anyhow::Result<AccountMonth> {
    let f: Vec<&str> = line.split('\t').collect();
    anyhow::ensure!(f.len() == 13, "{} fields instead of 13", f.len());
    let amount = |i: usize| Decimal::from_str(f[i]).with_context(|| format!("field {i}: {:?}", f[i]));
    let balances = if f[4] == "-" {
        None
    } else {
        Some(Balances { month_end: amount(4)?, min: amount(5)?, avg_daily: amount(6)? })
    };
    Ok(AccountMonth {
        period,
        dni: f[0].into(),
        cuenta: f[1].into(),
        ubigeo: f[2].into(),
        grupo: Grupo::parse(f[3]).map_err(|e| anyhow::anyhow!("field 3: {e}"))?,
        balances,
        cct_credits: amount(7)?,
        other_credits: amount(8)?,
        debits: amount(9)?,
        customer_movements: f[10].parse().context("field 10")?,
        voluntary_deposits: f[11].parse().context("field 11")?,
        saver: f[12] == "1",
    })
}

struct RunReader {
    period: Period,
    lines: BufReader<File>,
    line: String,
}

impl RunReader {
    fn next_row(&mut self) -> anyhow::Result<Option<AccountMonth>> {
        self.line.clear();
        if self.lines.read_line(&mut self.line)? == 0 {
            return Ok(None);
        }
        let line = self.line.trim_end_matches('\n');
        decode(self.period, line).map(Some).context("A temporary run of account-months is damaged")
    }
}

/// A run's next row: the merge takes the smallest (DNI, account), then the earliest run.
struct Head {
    run: usize,
    row: AccountMonth,
}

impl Head {
    fn order(&self) -> (&Text, &Text, usize) {
        (&self.row.dni, &self.row.cuenta, self.run)
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.order() == other.order()
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order().cmp(&other.order())
    }
}

/// The k-way merge of the runs: the smallest head next, then that run's next row.
struct Merge {
    readers: Vec<RunReader>,
    heads: BinaryHeap<Reverse<Head>>,
    failed: bool,
}

impl Iterator for Merge {
    type Item = anyhow::Result<AccountMonth>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let Reverse(head) = self.heads.pop()?;
        match self.readers[head.run].next_row() {
            Ok(Some(row)) => self.heads.push(Reverse(Head { run: head.run, row })),
            Ok(None) => {}
            Err(e) => {
                self.failed = true;
                return Some(Err(e));
            }
        }
        Some(Ok(head.row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(period: Period, dni: u32, cuenta: u32, cents: i64, data: bool) -> AccountMonth {
        AccountMonth {
            period,
            dni: format!("{dni:08}").into(),
            cuenta: format!("{cuenta:020}").into(),
            ubigeo: "150101".into(),
            grupo: if dni % 2 == 0 { Grupo::Piloto } else { Grupo::Control },
            balances: data.then(|| Balances {
                month_end: Decimal::new(cents, 2),
                min: Decimal::new(-cents, 2),
                // A mean that is not rounded to céntimos: kept exact through the run.
                avg_daily: Decimal::new(cents, 2) / Decimal::from(3),
            }),
            cct_credits: Decimal::new(cents * 7, 2),
            other_credits: Decimal::ZERO,
            debits: Decimal::new(-cents, 2),
            customer_movements: (cents % 5) as u32,
            voluntary_deposits: (cents % 3) as u32,
            saver: cents % 2 == 0,
        }
    }

    proptest! {
        /// However the rows are cut into sorted runs, the merge gives every row back, exactly,
        /// in (DNI, account) order.
        #[test]
        fn the_merge_of_the_runs_is_the_sorted_rows(
            specs in proptest::collection::vec((0u32..50, 0u32..50, -100_000i64..100_000, any::<bool>(), 0usize..4), 0..80),
        ) {
            let period = Period::parse("2012-07").unwrap();
            let dir = tempfile::tempdir().unwrap();
            let mut runs = SortedRuns::new(period, dir.path()).unwrap();
            let mut all = Vec::new();
            for run in 0..4 {
                let mut rows: Vec<AccountMonth> = specs
                    .iter()
                    .filter(|s| s.4 == run)
                    .map(|&(dni, cuenta, cents, data, _)| row(period, dni, cuenta, cents, data))
                    .collect();
                rows.sort_by(|a, b| key(a).cmp(&key(b)));
                runs.add(&rows).unwrap();
                all.extend(rows);
            }
            all.sort_by(|a, b| key(a).cmp(&key(b)));
            let rows = AccountMonthRows::Runs(Arc::new(runs));
            prop_assert_eq!(rows.len(), all.len());
            let merged: Vec<AccountMonth> = rows.iter().unwrap().map(|r| r.unwrap().into_owned()).collect();
            // Equal keys may come from different runs in either order; compare by key, then all.
            prop_assert_eq!(merged.iter().map(key).collect::<Vec<_>>(), all.iter().map(key).collect::<Vec<_>>());
            let mut merged = merged;
            merged.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            all.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            prop_assert_eq!(merged, all);
        }
    }

    #[test]
    fn a_damaged_run_is_an_error_not_a_row() {
        let period = Period::parse("2012-07").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut runs = SortedRuns::new(period, dir.path()).unwrap();
        runs.add(&[row(period, 1, 1, 100, true), row(period, 2, 2, 100, true)]).unwrap();
        std::fs::write(runs.path(0), "00000001\tx\n").unwrap();
        let rows = AccountMonthRows::Runs(Arc::new(runs));
        let read: anyhow::Result<Vec<()>> =
            rows.iter().and_then(|rows| rows.map(|r| r.map(|_| ())).collect());
        assert!(format!("{:#}", read.unwrap_err()).contains("fields instead of 13"));
    }

    /// A killed recompute leaves its runs behind (no destructor runs on SIGKILL); the next
    /// one removes them, and nothing else of the folder.
    #[test]
    fn the_runs_a_stopped_recompute_left_are_removed() {
        let period = Period::parse("2012-07").unwrap();
        let out = tempfile::tempdir().unwrap();
        let mut left = SortedRuns::new(period, out.path()).unwrap();
        left.add(&[row(period, 1, 1, 100, true)]).unwrap();
        let left_path = left.folder.path().to_owned();
        std::mem::forget(left);
        std::fs::create_dir_all(out.path().join("2012-07")).unwrap();
        let runs = SortedRuns::new(period, out.path()).unwrap();
        assert!(!left_path.exists());
        assert!(out.path().join("2012-07").exists());
        assert!(runs.folder.path().exists());
    }

    #[test]
    fn a_tab_in_a_text_is_refused() {
        let period = Period::parse("2012-07").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut runs = SortedRuns::new(period, dir.path()).unwrap();
        let mut bad = row(period, 1, 1, 100, true);
        bad.cuenta = "12\t34".into();
        assert!(runs.add(&[bad]).is_err());
    }

    /// Rows read back in order stay in memory up to the limit; past it they go to runs of that
    /// many rows, and come back whole and in order. Rows out of order are refused.
    #[test]
    fn rows_read_in_order_go_to_runs_past_the_limit() {
        let period = Period::parse("2012-07").unwrap();
        let out = tempfile::tempdir().unwrap();
        let rows: Vec<AccountMonth> =
            (1..=7).map(|n| row(period, n, n, 100 * i64::from(n), n % 2 == 0)).collect();
        let read_back = |limit: usize| {
            let mut in_order = InOrder::new(period, out.path(), limit);
            for r in &rows {
                in_order.push(r.clone()).unwrap();
            }
            in_order.finish().unwrap()
        };
        let small = read_back(7);
        assert!(matches!(small, AccountMonthRows::InMemory(_)));
        for limit in [1, 3] {
            let large = read_back(limit);
            let AccountMonthRows::Runs(runs) = &large else { panic!("{limit} a run: not in runs") };
            assert_eq!(runs.runs, 7usize.div_ceil(limit));
            let back: Vec<AccountMonth> = large.iter().unwrap().map(|r| r.unwrap().into_owned()).collect();
            assert_eq!(back, rows);
        }
        for limit in [2, 10] {
            let mut in_order = InOrder::new(period, out.path(), limit);
            in_order.push(rows[1].clone()).unwrap();
            in_order.push(rows[2].clone()).unwrap();
            let error = in_order.push(rows[0].clone()).unwrap_err();
            assert!(format!("{error:#}").contains("out of (DNI, account) order"), "{error:#}");
        }
    }
}
