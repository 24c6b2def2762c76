//! The raffle's steps: prepare a raffle period's eligible list once its second month is
//! reconciled, and draw it (once; a redraw only with a reason). The published files go to
//! `out/raffle/<P>/`.

use super::Job;
use crate::domain::{Grupo, RafflePeriod};
use crate::raffle::draw::{self, DrawRecord};
use crate::raffle::eligibility::{self, EligibilityInputs, EligibleWoman};
use crate::raffle::{files, rfc3797};
use crate::report::csv_out::write_atomically;
use crate::store::Store;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// A mistake in what the operator asked for (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exceptions that exclude a woman from the raffle.
const EXCLUDING: [&str; 2] = ["NOT_ENTITLED", "ACCOUNT_MISMATCH"];

impl<S: Store> Job<'_, S> {
    fn raffle_dir(&self, period: RafflePeriod) -> PathBuf {
        self.settings.output.join("raffle").join(period.to_string())
    }

    /// Decides and stores the eligible list of `period` and writes `eligible.csv`. Once the
    /// period is drawn its list is frozen: the published list is what was drawn from.
    #[tracing::instrument(skip_all, fields(raffle_period = %period), err)]
    pub async fn prepare_eligible(&mut self, period: RafflePeriod) -> anyhow::Result<Vec<EligibleWoman>> {
        if self.store.current_draw(period).await?.is_some() {
            tracing::warn!("The raffle period is already drawn; its eligible list stays as published.");
            return Ok(self.store.eligible(period).await?.unwrap_or_default());
        }
        let (m1, m2) = period.months();
        let roster_m2 = self.store.roster(m2).await?;
        if roster_m2.is_empty() {
            return Err(
                UsageError(format!("no roster is stored for {m2}, the second month of {period}")).into()
            );
        }
        let mut exceptions = Vec::new();
        for month in [m1, m2] {
            for (dni, category) in self.store.exceptions_of(month, &EXCLUDING).await? {
                let category = EXCLUDING.into_iter().find(|c| *c == category).unwrap_or("NOT_ENTITLED");
                exceptions.push((dni, category, month));
            }
        }
        let decided = eligibility::decide(&EligibilityInputs {
            period,
            roster_m2: &roster_m2,
            savers_m1: &self.store.savers(m1).await?,
            savers_m2: &self.store.savers(m2).await?,
            exceptions: &exceptions,
            recent_winners: &self
                .store
                .recent_winners(period, self.settings.raffle_exclude_previous_draws)
                .await?,
        });
        self.store.save_eligible(period, &decided.eligible, &decided.excluded).await?;
        let bytes = files::eligible_csv(&period.to_string(), &decided.eligible);
        write_atomically(&self.raffle_dir(period).join("eligible.csv"), &bytes)?;
        tracing::info!(
            eligible = decided.eligible.len(),
            excluded = decided.excluded.len(),
            "Eligible list prepared."
        );
        Ok(decided.eligible)
    }

    /// Why a woman is or is not in a raffle period's list, in words for a manager. The list is
    /// decided again first, unless the period is drawn (then the published list stands).
    pub async fn explain(&mut self, period: RafflePeriod, dni: &str) -> anyhow::Result<String> {
        let eligible = self.prepare_eligible(period).await?;
        if eligible.iter().any(|w| w.dni == dni) {
            return Ok(format!("{dni}: elegible para el sorteo {period}."));
        }
        let reasons = self.store.exclusion_reasons(period, dni).await?;
        if reasons.is_empty() {
            return Ok(format!("{dni}: no figura en el padrón del segundo mes de {period}."));
        }
        Ok(format!("{dni}: no elegible para el sorteo {period}:\n- {}", reasons.join("\n- ")))
    }

    /// Draws a raffle period, or returns its recorded draw. `redraw_reason`: draw anew, keeping
    /// the earlier draw and the reason.
    #[tracing::instrument(skip_all, fields(raffle_period = %period), err)]
    pub async fn draw(
        &mut self,
        period: RafflePeriod,
        sources: &[String],
        redraw_reason: Option<String>,
    ) -> anyhow::Result<DrawRecord> {
        let recorded = self.store.current_draw(period).await?;
        let eligible = match self.store.eligible(period).await? {
            Some(list) => list,
            None => self.prepare_eligible(period).await?,
        };
        if let (Some(record), None) = (&recorded, &redraw_reason) {
            tracing::info!(drawn_at = %record.drawn_at, "The period was already drawn; returning the recorded draw.");
            self.write_draw_files(record, &eligible)?;
            return Ok(record.clone());
        }
        let normalised = draw::normalise_sources(sources).map_err(UsageError)?;
        let key = rfc3797::build_key(&normalised);
        let districts = self.pilot_districts(period).await?;
        let eligible_bytes = files::eligible_csv(&period.to_string(), &eligible);
        let record = DrawRecord {
            algorithm: "RFC3797".into(),
            raffle_period: period.to_string(),
            sources: normalised,
            eligible_sha256: hex::encode(Sha256::digest(&eligible_bytes)),
            districts: draw::draw(
                &key,
                &districts,
                &eligible,
                self.settings.raffle_winners_per_district,
                self.settings.raffle_alternates_per_district,
            ),
            key,
            drawn_at: crate::clock::now_rfc3339_offset(),
            redraw_reason: if recorded.is_some() { redraw_reason } else { None },
        };
        self.store.save_draw(&record).await?;
        write_atomically(&self.raffle_dir(period).join("eligible.csv"), &eligible_bytes)?;
        self.write_draw_files(&record, &eligible)?;
        tracing::info!(
            districts = record.districts.len(),
            redraw = record.redraw_reason.is_some(),
            "Raffle drawn."
        );
        Ok(record)
    }

    fn write_draw_files(&self, record: &DrawRecord, eligible: &[EligibleWoman]) -> anyhow::Result<()> {
        let dir = self.settings.output.join("raffle").join(&record.raffle_period);
        write_atomically(&dir.join("winners.csv"), &files::winners_csv(record, eligible))?;
        let mut json = serde_json::to_vec_pretty(record)?;
        json.push(b'\n');
        write_atomically(&dir.join("draw.json"), &json)?;
        Ok(())
    }

    /// Every `PILOTO` district of the roster of M2, sorted by ubigeo.
    async fn pilot_districts(&self, period: RafflePeriod) -> anyhow::Result<Vec<String>> {
        let roster = self.store.roster(period.months().1).await?;
        let set: BTreeSet<String> =
            roster.iter().filter(|m| m.grupo == Grupo::Piloto).map(|m| m.ubigeo.to_string()).collect();
        Ok(set.into_iter().collect())
    }
}
