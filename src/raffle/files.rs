//! The published raffle files (SPEC §4): `eligible.csv`, `winners.csv`, `draw.json`, written
//! with the same safe-CSV rules as every output, and read back by `raffle verify`.

use super::draw::{DistrictResult, DrawRecord};
use super::eligibility::EligibleWoman;
use crate::report::csv_out::{Cell, CsvTable};
use std::collections::HashMap;

pub fn eligible_csv(period: &str, eligible: &[EligibleWoman]) -> Vec<u8> {
    let mut t = CsvTable::new(&["raffle_period", "ubigeo", "distrito", "dni", "nombre"]);
    for w in eligible {
        t.push(vec![
            Cell::text(period),
            Cell::text(&w.ubigeo),
            Cell::text(&w.distrito),
            Cell::text(&w.dni),
            Cell::text(&w.nombre),
        ]);
    }
    t.to_bytes()
}

/// `winners.csv`: by ubigeo, `WINNER` rows before `ALTERNATE` rows, rank from 1 per role.
pub fn winners_csv(record: &DrawRecord, eligible: &[EligibleWoman]) -> Vec<u8> {
    let by_dni: HashMap<&str, &EligibleWoman> = eligible.iter().map(|w| (w.dni.as_str(), w)).collect();
    let mut t = CsvTable::new(&["raffle_period", "ubigeo", "distrito", "role", "rank", "dni", "nombre"]);
    for d in &record.districts {
        for (role, dnis) in [("WINNER", &d.winners), ("ALTERNATE", &d.alternates)] {
            for (rank, dni) in dnis.iter().enumerate() {
                let woman = by_dni.get(dni.as_str());
                t.push(vec![
                    Cell::text(&record.raffle_period),
                    Cell::text(&d.ubigeo),
                    Cell::text(woman.map(|w| w.distrito.as_str()).unwrap_or("")),
                    Cell::text(role),
                    Cell::number((rank + 1).to_string()),
                    Cell::text(dni),
                    Cell::text(woman.map(|w| w.nombre.as_str()).unwrap_or("")),
                ]);
            }
        }
    }
    t.to_bytes()
}

/// Undoes the `'` that defuses formula-like text, to read our own files back.
fn raw(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

fn read_rows(bytes: &[u8], header: &[&str]) -> Result<Vec<Vec<String>>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let found: Vec<String> = reader.headers().map_err(|e| e.to_string())?.iter().map(str::to_owned).collect();
    if found != header {
        return Err(format!("unexpected header {found:?}, expected {header:?}"));
    }
    reader
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(raw).collect())
                .map_err(|e| format!("line {}: {e}", e.position().map_or(0, |p| p.line())))
        })
        .collect()
}

/// Reads a published `eligible.csv`: (raffle period, list in published order).
pub fn read_eligible(bytes: &[u8]) -> Result<(String, Vec<EligibleWoman>), String> {
    let rows = read_rows(bytes, &["raffle_period", "ubigeo", "distrito", "dni", "nombre"])?;
    let period = rows.first().map(|r| r[0].clone()).unwrap_or_default();
    let list = rows
        .into_iter()
        .map(|r| EligibleWoman {
            ubigeo: r[1].clone(),
            distrito: r[2].clone(),
            dni: r[3].clone(),
            nombre: r[4].clone(),
        })
        .collect();
    Ok((period, list))
}

/// Reads a published `winners.csv` into per-district results (eligible counts unknown: 0).
pub fn read_winners(bytes: &[u8]) -> Result<Vec<DistrictResult>, String> {
    let rows = read_rows(bytes, &["raffle_period", "ubigeo", "distrito", "role", "rank", "dni", "nombre"])?;
    let mut districts: Vec<DistrictResult> = Vec::new();
    for r in rows {
        if districts.last().is_none_or(|d| d.ubigeo != r[1]) {
            districts.push(DistrictResult {
                ubigeo: r[1].clone(),
                eligible: 0,
                winners: vec![],
                alternates: vec![],
            });
        }
        let Some(d) = districts.last_mut() else { continue };
        match r[3].as_str() {
            "WINNER" => d.winners.push(r[5].clone()),
            "ALTERNATE" => d.alternates.push(r[5].clone()),
            other => return Err(format!("unknown role {other:?}")),
        }
    }
    Ok(districts)
}
