//! Recomputing periods: every period with a roster from the earliest touched one onward, in
//! calendar order (a credit matches at most one instruction, ever, so a change in M can change
//! every later period). Each period's results replace the previous ones and its CSVs are
//! rewritten atomically; the dirty marks are cleared only afterwards.

use super::Job;
use crate::domain::Period;
use crate::indicators;
use crate::reconcile::{self, ExceptionRow, People, PeriodInputs};
use crate::records::{HashMap, HashSet, RosterMember};
use crate::report::account_month_rows::{AccountMonthRows, SortedRuns};
use crate::report::period_files::{prepare_period, sort_account_months, PeriodOutputs};
use crate::report::{prepare_html, prepare_xlsx, Prepared};
use crate::savings::timeline::PeriodTimeline;
use crate::savings::{self, AccountMonth, SaverRule};
use crate::store::period_save::{PeriodSave, ResultPart};
use crate::store::range::AccountRange;
use crate::store::spill::RangeSpill;
use crate::store::{DistrictFirstRow, PeriodFacts, PeriodReport, RangeFacts, Store, StoredIndicator};
use std::path::PathBuf;
use std::sync::Arc;

impl<S: Store> Job<'_, S> {
    /// Recomputes from the earliest dirty period on.
    pub async fn recompute_dirty(&mut self) -> anyhow::Result<()> {
        let dirty = self.store.dirty_periods().await?;
        let Some(earliest) = dirty.first().copied() else {
            tracing::info!("No period touched by new data.");
            return Ok(());
        };
        let periods: Vec<Period> =
            self.store.roster_periods().await?.into_iter().filter(|p| *p >= earliest).collect();
        for period in &periods {
            self.recompute_period(*period).await?;
        }
        self.prepare_completed_raffles(&periods).await?;
        if let Some(last) = periods.last() {
            self.store.clear_dirty_through(*last).await?;
        } else {
            tracing::info!(earliest = %earliest, "New data waits for its period's roster.");
        }
        Ok(())
    }

    /// Prepares the eligible list of every raffle period whose second month was recomputed and
    /// whose first month has a roster.
    async fn prepare_completed_raffles(&mut self, periods: &[Period]) -> anyhow::Result<()> {
        let rosters = self.store.roster_periods().await?;
        for period in periods {
            let raffle = period.raffle_period();
            let (m1, m2) = raffle.months();
            if *period == m2 && rosters.contains(&m1) {
                self.prepare_eligible(raffle).await?;
            }
        }
        Ok(())
    }

    /// Reconciles one period, computes its account-months and indicators, stores them and
    /// writes its CSVs. A period whose roster is larger than `reconcile.women_per_range` is
    /// recomputed one account range at a time (`store::range`): the month's instructions,
    /// entries and statements are read once and filed by range in scratch files
    /// (`store::spill`), then each range's are read back, decided and saved before the next
    /// range's, so that memory holds the roster and one range, not the whole month.
    #[tracing::instrument(skip_all, fields(period = %period), err)]
    pub async fn recompute_period(&mut self, period: Period) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        let window_end = period.window_end(self.settings.grace_days);
        let roster_size = self.store.roster_size(period).await?;
        let whole = roster_size <= self.settings.women_per_range as u64;
        crate::scratch::warn_if_space_short(&self.settings.output, roster_size);
        let PeriodFacts { roster, mut ledger, range: mut next_facts } =
            self.store.period_facts(period, window_end, whole.then(AccountRange::all).as_ref()).await?;
        if roster.is_empty() {
            anyhow::bail!("no roster is stored for {period}: its outputs wait for it");
        }
        // The reports' districts and earlier indicators now, while the roster's pages are in
        // the server's cache: read at the end, 1,300 districts' first rows of a 20-million-row
        // roster were as many random reads from the disk (8 s).
        let (mut indicators, districts) =
            self.store.report_context(period, &DistrictFirstRow::of_roster(&roster)).await?;
        // The roster by account: each range's women are a slice of it.
        let mut by_account: Vec<(u32, &RosterMember)> = (0u32..).zip(&roster).collect();
        by_account.sort_unstable_by(|a, b| a.1.cuenta.cmp(&b.1.cuenta));
        let ranges = match &next_facts {
            Some(_) => vec![AccountRange::all()],
            None => {
                let mut accounts: Vec<&str> = by_account.iter().map(|(_, m)| m.cuenta.as_str()).collect();
                accounts.dedup();
                AccountRange::split(&accounts, self.settings.women_per_range)
            }
        };
        // In ranges, each table is read once for every range (`store::spill`); that read also
        // gives every instruction's (DNI, delivery order), which the lookups across ranges need.
        let mut spill = match &next_facts {
            Some(_) => None,
            None => {
                let mut spill = RangeSpill::new(&self.settings.output, &ranges, roster.len())?;
                self.store.spill_range_facts(period, window_end, &mut spill).await?;
                Some(spill)
            }
        };
        let instruction_keys = match (&next_facts, &mut spill) {
            (Some(facts), _) => facts.instructions.iter().map(|i| (i.dni.number(), i.seq)).collect(),
            (None, Some(spill)) => spill.instructions.take_keys(),
            (None, None) => anyhow::bail!("the instructions of {period} were neither read nor spilled"),
        };
        let people = People::new(&roster, instruction_keys);
        let mut tally = indicators::Tally::of_roster(period, &people);
        self.summary.time("load", started);
        // The results are written as they are computed, in one transaction that commits at
        // the end (`store::period_save`): each range's matches and checkpoint as the range is
        // done, then the period's exceptions, account-months (by DNI) and indicators.
        let mut save = self.store.begin_period_save(period).await?;
        let mut exceptions = Vec::new();
        let mut runs =
            (ranges.len() > 1).then(|| SortedRuns::new(period, &self.settings.output)).transpose()?;
        let mut account_months = None;
        let mut match_count = 0;
        for (i, range) in ranges.iter().enumerate() {
            let facts = match (next_facts.take(), &mut spill) {
                (Some(facts), _) => facts,
                (None, Some(spill)) => {
                    let started = std::time::Instant::now();
                    let (instructions, window_entries, heads) = spill.take(i)?;
                    let previous = self.store.range_checkpoint(period, range).await?;
                    self.summary.time("load", started);
                    RangeFacts { instructions, window_entries, heads, previous }
                }
                (None, None) => anyhow::bail!("the facts of range {range} were neither read nor spilled"),
            };
            let low = by_account
                .partition_point(|(_, m)| range.from.as_deref().is_some_and(|f| m.cuenta.as_str() < f));
            let high = by_account
                .partition_point(|(_, m)| range.to.as_deref().is_none_or(|t| m.cuenta.as_str() < t));
            let decided = self
                .recompute_range(
                    period,
                    &people,
                    &by_account[low..high],
                    facts,
                    &mut ledger,
                    &mut tally,
                    &mut save,
                )
                .await?;
            if ranges.len() > 1 {
                tracing::debug!(%range, women = high - low, matches = decided.matches, "Range recomputed.");
            }
            match_count += decided.matches;
            exceptions.extend(decided.exceptions);
            match &mut runs {
                Some(runs) => {
                    let started = std::time::Instant::now();
                    runs.add(&decided.account_months)?;
                    self.summary.time("account_months", started);
                }
                None => account_months = Some(decided.account_months),
            }
        }
        drop(spill);
        let started = std::time::Instant::now();
        // Each range's are in output order; together, sorted again (the order is total).
        if ranges.len() > 1 {
            reconcile::sort_exceptions(&mut exceptions);
        }
        let account_months = match runs {
            Some(runs) => AccountMonthRows::Runs(Arc::new(runs)),
            None => AccountMonthRows::InMemory(account_months.unwrap_or_default()),
        };
        let indicator_rows = tally.rows();
        let women = roster.len();
        // What is left to do needs only the results: the facts go before the writing.
        drop((ledger, people, by_account));
        drop(roster);
        self.summary.time("indicators", started);
        // The outputs are written on the second core while the results are saved, under
        // temporary names, and put in place once the results are committed.
        let started = std::time::Instant::now();
        let exceptions = Arc::new(exceptions);
        indicators.extend(indicator_rows.iter().map(StoredIndicator::of));
        let report = PeriodReport {
            period,
            exceptions: Arc::clone(&exceptions),
            account_months: account_months.clone(),
            indicators,
            districts,
        };
        // The spreadsheet on a thread of its own: it is the longest output, and the CSVs and the
        // page are written beside it instead of after it.
        let report = Arc::new(report);
        let language = self.settings.report_language;
        let spreadsheet = tokio::task::spawn_blocking({
            let (output, report) = (self.settings.output.clone(), Arc::clone(&report));
            move || -> anyhow::Result<Prepared> {
                let mut prepared = Prepared::default();
                prepare_xlsx(&mut prepared, &output, &report, language)?;
                Ok(prepared)
            }
        });
        let writing = tokio::task::spawn_blocking({
            let output = self.settings.output.clone();
            let indicator_rows = indicator_rows.clone();
            move || -> anyhow::Result<(Prepared, PathBuf)> {
                let mut prepared = Prepared::default();
                let outputs = PeriodOutputs {
                    period,
                    exceptions: &report.exceptions,
                    account_months: &report.account_months,
                    indicators: &indicator_rows,
                };
                prepare_period(&mut prepared, &output, &outputs)?;
                let html = prepare_html(&mut prepared, &output, &report, language)?;
                Ok((prepared, html))
            }
        });
        self.summary.time("report", started);
        let started = std::time::Instant::now();
        save.put(ResultPart::Exceptions(Arc::clone(&exceptions))).await?;
        // The account-months are saved now, beside the writing of the outputs, and in their
        // key's order: from several ranges, merged from the sorted runs as the outputs are.
        save.put(ResultPart::AccountMonths(account_months)).await?;
        save.put(ResultPart::Indicators(indicator_rows)).await?;
        save.commit().await?;
        self.summary.time("save", started);
        let started = std::time::Instant::now();
        let (mut prepared, html) = writing.await??;
        prepared.append(spreadsheet.await??);
        prepared.persist()?;
        tracing::info!(report = %html.display(), "Reports written.");
        self.summary.reports_written.push(period.to_string());
        self.record_exceptions(period, &exceptions);
        self.summary.time("report", started);
        tracing::info!(%period, exceptions = exceptions.len(), matches = match_count, women, "Period recomputed.");
        self.summary.periods_recomputed.push(period.to_string());
        Ok(())
    }

    /// Decides one range of the period's accounts: reconciles its instructions with its
    /// credits, adds its payments and balances to the indicators, and hands its matches and
    /// checkpoint to the save (and, when the period is in several ranges, its account-months,
    /// which then also go to a sorted run for the outputs).
    #[allow(clippy::too_many_arguments)]
    async fn recompute_range(
        &mut self,
        period: Period,
        people: &People<'_>,
        members: &[(u32, &RosterMember)],
        facts: RangeFacts,
        ledger: &mut reconcile::Ledger,
        tally: &mut indicators::Tally<'_>,
        save: &mut PeriodSave,
    ) -> anyhow::Result<DecidedRange> {
        let RangeFacts { instructions, window_entries, heads, previous } = facts;
        let timeline = PeriodTimeline::new(period, &previous, &heads, &window_entries);
        let gap_candidates = timeline.gap_candidates();
        let inputs = PeriodInputs {
            period,
            people,
            roster: members,
            instructions: &instructions,
            window_entries: &window_entries,
            gap_candidates: &gap_candidates,
            grace_days: self.settings.grace_days,
        };
        let started = std::time::Instant::now();
        let reconciliation = reconcile::reconcile_period(&inputs, ledger);
        drop(gap_candidates);
        self.summary.time("reconcile", started);
        // The payments' share of the indicators now, so that the instructions are freed before
        // the account-months are built (the peak of a period's memory).
        let started = std::time::Instant::now();
        {
            // The credits of this period's credited matches, by id.
            let credited: HashSet<i64> = reconciliation.credited().map(|m| m.entry_id).collect();
            let credits: HashMap<i64, &crate::records::EntryRec> =
                window_entries.iter().filter(|e| credited.contains(&e.id)).map(|e| (e.id, e)).collect();
            tally.add_payments(&instructions, &reconciliation, &credits);
        }
        drop(instructions);
        let reconcile::PeriodReconciliation { matches, duplicates, exceptions } = reconciliation;
        let match_count = matches.len();
        save.put(ResultPart::Reconciliation { matches, duplicates }).await?;
        self.summary.time("indicators", started);
        // The timelines at the end of the period, for the next one: saved while the
        // account-months are built.
        let started = std::time::Instant::now();
        save.put(ResultPart::Checkpoint(timeline.next_checkpoint())).await?;
        let rule = SaverRule {
            min_month_end_balance: self.settings.saver_min_month_end_balance,
            require_activity: self.settings.saver_require_activity,
        };
        // In account order (as `members` are), so that the timeline is walked once.
        let mut walk = timeline.walk();
        let mut account_months: Vec<_> = members
            .iter()
            .map(|(_, m)| {
                let history = walk.history(&m.cuenta);
                savings::account_month(period, m, Some(&history), &ledger.matched_credits, &rule)
            })
            .collect();
        drop(timeline);
        drop((window_entries, heads, previous));
        self.summary.time("account_months", started);
        let started = std::time::Instant::now();
        tally.add_account_months(members.iter().map(|(position, _)| *position).zip(&account_months));
        self.summary.time("indicators", started);
        let started = std::time::Instant::now();
        sort_account_months(&mut account_months);
        let account_months = Arc::new(account_months);
        self.summary.time("report", started);
        Ok(DecidedRange { matches: match_count, exceptions, account_months })
    }
}

/// What one range's recompute hands back to the period's.
struct DecidedRange {
    matches: usize,
    /// In output order.
    exceptions: Vec<ExceptionRow>,
    /// By DNI.
    account_months: Arc<Vec<AccountMonth>>,
}
