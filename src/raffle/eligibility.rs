//! Who may win (SPEC §3.3): in the roster of M2 as `ACTIVO` and `PILOTO`, a saver in M1 and in
//! M2, no `NOT_ENTITLED` or `ACCOUNT_MISMATCH` exception in either month, and not a winner or
//! alternate of the previous draws. Every excluded woman keeps her reasons, because a manager
//! will ask why she was not in the list.

use crate::domain::{Estado, Grupo, RafflePeriod};
use crate::records::RosterMember;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One row of the published eligible list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EligibleWoman {
    pub ubigeo: String,
    pub distrito: String,
    pub dni: String,
    /// The masked name (`María Q. H.`).
    pub nombre: String,
}

/// Why a woman of the roster of M2 is not eligible. Texts are for managers, Spanish first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exclusion {
    NotActive(Estado),
    Control,
    NotSaver(crate::domain::Period),
    Exception(&'static str, crate::domain::Period),
    RecentWinner(RafflePeriod),
}

impl Exclusion {
    pub fn describe(&self) -> String {
        match self {
            Self::NotActive(estado) => {
                format!("no está ACTIVO en el padrón del segundo mes (estado {estado})")
            }
            Self::Control => "su distrito es de CONTROL, no del piloto".into(),
            Self::NotSaver(p) => format!("no fue ahorradora en {p}"),
            Self::Exception(category, p) => format!("tiene una excepción {category} en {p}"),
            Self::RecentWinner(p) => format!("ganó o fue suplente en el sorteo {p}"),
        }
    }
}

/// What eligibility is decided from.
pub struct EligibilityInputs<'a> {
    pub period: RafflePeriod,
    pub roster_m2: &'a [RosterMember],
    pub savers_m1: &'a HashSet<String>,
    pub savers_m2: &'a HashSet<String>,
    /// (dni, category, month) of the `NOT_ENTITLED` and `ACCOUNT_MISMATCH` exceptions of M1, M2.
    pub exceptions: &'a [(String, &'static str, crate::domain::Period)],
    /// Winners and alternates of the previous draws: dni → the raffle period of that draw.
    pub recent_winners: &'a HashMap<String, RafflePeriod>,
}

/// The eligible list (sorted by ubigeo, then DNI) and every exclusion with its reasons.
pub struct Eligibility {
    pub eligible: Vec<EligibleWoman>,
    pub excluded: BTreeMap<String, Vec<Exclusion>>,
}

pub fn decide(inputs: &EligibilityInputs<'_>) -> Eligibility {
    let (m1, m2) = inputs.period.months();
    let mut exceptions: HashMap<&str, Vec<Exclusion>> = HashMap::new();
    for (dni, category, month) in inputs.exceptions {
        exceptions.entry(dni.as_str()).or_default().push(Exclusion::Exception(category, *month));
    }
    let mut eligible = Vec::new();
    let mut excluded = BTreeMap::new();
    for member in inputs.roster_m2 {
        let dni = member.dni.as_str();
        let mut reasons = Vec::new();
        if member.estado != Estado::Activo {
            reasons.push(Exclusion::NotActive(member.estado));
        }
        if member.grupo != Grupo::Piloto {
            reasons.push(Exclusion::Control);
        }
        if !inputs.savers_m1.contains(dni) {
            reasons.push(Exclusion::NotSaver(m1));
        }
        if !inputs.savers_m2.contains(dni) {
            reasons.push(Exclusion::NotSaver(m2));
        }
        reasons.extend(exceptions.get(dni).into_iter().flatten().cloned());
        if let Some(p) = inputs.recent_winners.get(dni) {
            reasons.push(Exclusion::RecentWinner(*p));
        }
        if reasons.is_empty() {
            let names = member.names.as_deref().cloned().unwrap_or_default();
            eligible.push(EligibleWoman {
                ubigeo: member.ubigeo.to_string(),
                distrito: names.distrito,
                dni: dni.to_owned(),
                nombre: super::names::published_name(
                    &names.nombres,
                    &names.apellido_paterno,
                    &names.apellido_materno,
                ),
            });
        } else {
            reasons.sort();
            reasons.dedup();
            excluded.insert(dni.to_owned(), reasons);
        }
    }
    eligible.sort_by(|a, b| (&a.ubigeo, &a.dni).cmp(&(&b.ubigeo, &b.dni)));
    Eligibility { eligible, excluded }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Dni, Ubigeo};
    use crate::records::MemberNames;
    use rust_decimal::Decimal;

    fn member(dni: &str, grupo: Grupo, estado: Estado) -> RosterMember {
        RosterMember {
            dni: Dni::parse(dni).unwrap(),
            names: Some(Box::new(MemberNames {
                nombres: "María".into(),
                apellido_paterno: "Quispe".into(),
                apellido_materno: "Huamán".into(),
                distrito: "COPORAQUE".into(),
            })),
            ubigeo: Ubigeo::parse("080803").unwrap(),
            grupo,
            estado,
            cuenta: Default::default(),
            monto: Decimal::ONE_HUNDRED,
        }
    }

    #[test]
    fn every_rule_excludes_with_its_reason() {
        let period = RafflePeriod::parse("2012-B4").unwrap();
        let (m1, m2) = period.months();
        let roster = vec![
            member("10000001", Grupo::Piloto, Estado::Activo),
            member("10000002", Grupo::Control, Estado::Activo),
            member("10000003", Grupo::Piloto, Estado::Suspendido),
            member("10000004", Grupo::Piloto, Estado::Activo),
            member("10000005", Grupo::Piloto, Estado::Activo),
            member("10000006", Grupo::Piloto, Estado::Activo),
        ];
        let all: HashSet<String> = roster.iter().map(|m| m.dni.to_string()).collect();
        let mut savers_m1 = all.clone();
        savers_m1.remove("10000004");
        let exceptions = vec![("10000005".to_owned(), "ACCOUNT_MISMATCH", m1)];
        let recent = HashMap::from([("10000006".to_owned(), RafflePeriod::parse("2012-B3").unwrap())]);
        let decided = decide(&EligibilityInputs {
            period,
            roster_m2: &roster,
            savers_m1: &savers_m1,
            savers_m2: &all,
            exceptions: &exceptions,
            recent_winners: &recent,
        });
        assert_eq!(decided.eligible.len(), 1);
        assert_eq!(decided.eligible[0].nombre, "María Q. H.");
        let reasons = |dni: &str| decided.excluded[dni].clone();
        assert_eq!(reasons("10000002"), vec![Exclusion::Control]);
        assert_eq!(reasons("10000003"), vec![Exclusion::NotActive(Estado::Suspendido)]);
        assert_eq!(reasons("10000004"), vec![Exclusion::NotSaver(m1)]);
        assert_eq!(reasons("10000005"), vec![Exclusion::Exception("ACCOUNT_MISMATCH", m1)]);
        assert_eq!(
            reasons("10000006"),
            vec![Exclusion::RecentWinner(RafflePeriod::parse("2012-B3").unwrap())]
        );
        assert!(Exclusion::NotSaver(m2).describe().contains("2012-08"));
    }
}
