//! The raffle's state as the reports show it, read from the published files of SPEC §4
//! (`out/raffle/<P>/eligible.csv`, `winners.csv`, `draw.json`) and nothing else, so the reports
//! do not depend on how the raffle stores its draws. Missing files mean the draw is pending; an
//! unreadable file is reported as pending too, with a warning in the log.

use crate::domain::RafflePeriod;
use std::path::Path;

/// One published winner or alternate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Winner {
    pub ubigeo: String,
    pub distrito: String,
    /// `WINNER` or `ALTERNATE`.
    pub role: String,
    pub rank: u32,
    /// The published short name (`María Q. H.`).
    pub nombre: String,
}

/// Where the raffle of a raffle period stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RaffleStatus {
    /// Nothing published yet.
    Pending,
    /// The eligible list is published (this many women); no draw yet.
    Eligible { eligible: u64 },
    /// Drawn: when, how many were eligible, and the published winners and alternates.
    Drawn { eligible: u64, drawn_at: String, winners: Vec<Winner> },
}

/// Reads the published files of `period` under `<output>/raffle/<P>/`.
pub fn read(output: &Path, period: RafflePeriod) -> RaffleStatus {
    let dir = output.join("raffle").join(period.to_string());
    match read_dir(&dir) {
        Ok(status) => status,
        Err(error) => {
            tracing::warn!(%error, raffle_period = %period, "Could not read the raffle files; reported as pending.");
            RaffleStatus::Pending
        }
    }
}

fn read_dir(dir: &Path) -> anyhow::Result<RaffleStatus> {
    let eligible_path = dir.join("eligible.csv");
    if !eligible_path.is_file() {
        return Ok(RaffleStatus::Pending);
    }
    let eligible = csv::Reader::from_path(&eligible_path)?.records().count() as u64;
    let draw_path = dir.join("draw.json");
    if !draw_path.is_file() {
        return Ok(RaffleStatus::Eligible { eligible });
    }
    let draw: serde_json::Value = serde_json::from_slice(&std::fs::read(&draw_path)?)?;
    let drawn_at = draw.get("drawn_at").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    Ok(RaffleStatus::Drawn { eligible, drawn_at, winners: winners(&dir.join("winners.csv"))? })
}

fn winners(path: &Path) -> anyhow::Result<Vec<Winner>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(u), Some(d), Some(r), Some(k), Some(n)) =
        (column("ubigeo"), column("distrito"), column("role"), column("rank"), column("nombre"))
    else {
        anyhow::bail!("{}: missing columns", path.display());
    };
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record?;
        let cell = |i: usize| record.get(i).unwrap_or_default().to_owned();
        out.push(Winner {
            ubigeo: cell(u),
            distrito: cell(d),
            role: cell(r),
            rank: cell(k).parse().unwrap_or(0),
            nombre: cell(n),
        });
    }
    Ok(out)
}
