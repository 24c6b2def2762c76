//! The draw of one raffle period over its published eligible list (SPEC §3.3, §4): per pilot
//! district, RFC 3797 selection of winners then alternates, and the `draw.json` record.
//!
//! Pure: the same eligible list, sources and settings always give the same result, which is
//! what lets anyone verify it from the published files alone.

use super::eligibility::EligibleWoman;
use super::rfc3797;

/// One district's outcome, DNIs in rank order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DistrictResult {
    pub ubigeo: String,
    pub eligible: usize,
    pub winners: Vec<String>,
    pub alternates: Vec<String>,
}

/// `draw.json`, keys in the order SPEC §4 shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DrawRecord {
    pub algorithm: String,
    pub raffle_period: String,
    pub sources: Vec<String>,
    pub key: String,
    pub eligible_sha256: String,
    pub districts: Vec<DistrictResult>,
    pub drawn_at: String,
    pub redraw_reason: Option<String>,
}

/// Normalises every source (RFC 3797 §4); a text source is refused with its reason.
pub fn normalise_sources(sources: &[String]) -> Result<Vec<String>, String> {
    if sources.is_empty() {
        return Err("at least one --source is needed".into());
    }
    sources
        .iter()
        .enumerate()
        .map(|(i, s)| rfc3797::normalise_source(s).map_err(|e| format!("source {}: {e}", i + 1)))
        .collect()
}

/// Draws every district. `districts` lists every pilot district (sorted by ubigeo); the
/// eligible list is in published order.
pub fn draw(
    key: &str,
    districts: &[String],
    eligible: &[EligibleWoman],
    winners: usize,
    alternates: usize,
) -> Vec<DistrictResult> {
    districts
        .iter()
        .map(|ubigeo| {
            let pool: Vec<&EligibleWoman> = eligible.iter().filter(|w| &w.ubigeo == ubigeo).collect();
            let picked = rfc3797::draw_district(key, ubigeo, pool.len(), winners, alternates);
            let dnis = |indices: &[usize]| {
                indices.iter().filter_map(|&i| pool.get(i).map(|w| w.dni.clone())).collect()
            };
            DistrictResult {
                ubigeo: ubigeo.clone(),
                eligible: pool.len(),
                winners: dnis(&picked.winners),
                alternates: dnis(&picked.alternates),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn woman(ubigeo: &str, dni: &str) -> EligibleWoman {
        EligibleWoman {
            ubigeo: ubigeo.into(),
            distrito: "X".into(),
            dni: dni.into(),
            nombre: "A B. C.".into(),
        }
    }

    #[test]
    fn spec_example_district_draw() {
        let sources =
            normalise_sources(&["3462".into(), "3 15 29 37 40".into(), "4 9 28 29 38 45".into()]).unwrap();
        let key = rfc3797::build_key(&sources);
        assert_eq!(key, "3462./3.15.29.37.40./4.9.28.29.38.45./");
        let mut list: Vec<EligibleWoman> = ["11554329", "22191157", "59297797", "69521218", "80000001"]
            .iter()
            .map(|d| woman("050101", d))
            .collect();
        list.sort_by(|a, b| a.dni.cmp(&b.dni));
        let result = draw(&key, &["050101".into(), "050102".into()], &list, 2, 2);
        // The districts of the SPEC §4 example, as the reference draw computes them.
        assert_eq!(result[0].eligible, 5);
        assert_eq!(result[0].winners.len(), 2);
        assert_eq!(result[0].alternates.len(), 2);
        assert_eq!(
            result[1],
            DistrictResult { ubigeo: "050102".into(), eligible: 0, winners: vec![], alternates: vec![] }
        );
    }

    #[test]
    fn a_small_district_yields_everyone_in_selection_order() {
        let list =
            vec![woman("050101", "11111111"), woman("050101", "22222222"), woman("050101", "33333333")];
        let r = &draw("1./", &["050101".into()], &list, 2, 2)[0];
        assert_eq!(r.winners.len() + r.alternates.len(), 3);
        assert_eq!(r.winners.len(), 2);
    }

    #[test]
    fn text_sources_are_refused() {
        assert!(normalise_sources(&["tres".into()]).unwrap_err().contains("source 1"));
        assert!(normalise_sources(&[]).is_err());
    }
}
