//! `alcancia raffle verify`: recompute a draw from the published files alone (no database) and
//! say, district by district, whether the published winners match.

use super::draw::{self, DistrictResult};
use super::files;
use super::rfc3797;
use std::collections::BTreeSet;

/// One district's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistrictCheck {
    pub ubigeo: String,
    pub expected: DistrictResult,
    pub published: Option<DistrictResult>,
}

impl DistrictCheck {
    pub fn matches(&self) -> bool {
        self.published
            .as_ref()
            .is_some_and(|p| p.winners == self.expected.winners && p.alternates == self.expected.alternates)
    }
}

/// Recomputes the draw over `eligible.csv` with the sources and compares with `winners.csv`.
pub fn verify(
    eligible_csv: &[u8],
    winners_csv: &[u8],
    sources: &[String],
    winners: usize,
    alternates: usize,
) -> Result<(String, Vec<DistrictCheck>), String> {
    let (period, eligible) = files::read_eligible(eligible_csv).map_err(|e| format!("eligible.csv: {e}"))?;
    let published = files::read_winners(winners_csv).map_err(|e| format!("winners.csv: {e}"))?;
    let key = rfc3797::build_key(&draw::normalise_sources(sources)?);
    let districts: BTreeSet<String> =
        eligible.iter().map(|w| w.ubigeo.clone()).chain(published.iter().map(|d| d.ubigeo.clone())).collect();
    let districts: Vec<String> = districts.into_iter().collect();
    let expected = draw::draw(&key, &districts, &eligible, winners, alternates);
    let checks = expected
        .into_iter()
        .map(|e| DistrictCheck {
            ubigeo: e.ubigeo.clone(),
            published: published.iter().find(|p| p.ubigeo == e.ubigeo).cloned().or_else(|| {
                // A district with nobody eligible publishes no rows: that matches an empty draw.
                (e.winners.is_empty() && e.alternates.is_empty()).then(|| e.clone())
            }),
            expected: e,
        })
        .collect();
    Ok((period, checks))
}
