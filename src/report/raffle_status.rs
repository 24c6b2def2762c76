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

#[cfg(test)]
mod tests {
    use super::*;

    fn period() -> RafflePeriod {
        RafflePeriod::parse("2012-B4").unwrap()
    }

    #[test]
    fn pending_then_eligible_then_drawn() {
        let out = tempfile::tempdir().unwrap();
        assert_eq!(read(out.path(), period()), RaffleStatus::Pending);
        let dir = out.path().join("raffle/2012-B4");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("eligible.csv"),
            "raffle_period,ubigeo,distrito,dni,nombre\n2012-B4,080803,COPORAQUE,11111111,María Q. H.\n\
             2012-B4,080803,COPORAQUE,22222222,Rosa P. M.\n",
        )
        .unwrap();
        assert_eq!(read(out.path(), period()), RaffleStatus::Eligible { eligible: 2 });
        std::fs::write(dir.join("draw.json"), r#"{"drawn_at": "2012-09-03T15:00:00+00:00"}"#).unwrap();
        std::fs::write(
            dir.join("winners.csv"),
            "raffle_period,ubigeo,distrito,role,rank,dni,nombre\n2012-B4,080803,COPORAQUE,WINNER,1,22222222,Rosa P. M.\n",
        )
        .unwrap();
        let RaffleStatus::Drawn { eligible, drawn_at, winners } = read(out.path(), period()) else {
            panic!("not drawn")
        };
        assert_eq!((eligible, drawn_at.as_str()), (2, "2012-09-03T15:00:00+00:00"));
        assert_eq!(winners[0].nombre, "Rosa P. M.");
        assert_eq!((winners[0].role.as_str(), winners[0].rank), ("WINNER", 1));
    }

    #[test]
    fn an_unreadable_draw_is_reported_as_pending() {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("raffle/2012-B4");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("eligible.csv"), "raffle_period,ubigeo,distrito,dni,nombre\n").unwrap();
        std::fs::write(dir.join("draw.json"), "{not json").unwrap();
        assert_eq!(read(out.path(), period()), RaffleStatus::Pending);
    }
}
