//! Golden parses of good rosters, every-problem reporting, and the write-then-read property.

use super::*;
use crate::formats::{parse_any, Location};
use pretty_assertions::assert_eq;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/csv/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn roster_of(parsed: &ParsedFile) -> &Roster {
    match &parsed.content {
        Content::Roster(roster) => roster,
        other => panic!("not a roster: {other:?}"),
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    dni: &str,
    names: [&str; 3],
    place: [&str; 4],
    grupo: Grupo,
    estado: Estado,
    cuenta: &str,
    monto: Decimal,
    agencia: &str,
    distancia_km: Option<Decimal>,
) -> RosterRow {
    RosterRow {
        periodo: Period::parse("2012-07").unwrap(),
        dni: Dni::parse(dni).unwrap(),
        nombres: names[0].into(),
        apellido_paterno: names[1].into(),
        apellido_materno: names[2].into(),
        ubigeo: Ubigeo::parse(place[0]).unwrap(),
        departamento: place[1].into(),
        provincia: place[2].into(),
        distrito: place[3].into(),
        grupo,
        estado,
        cuenta: Cci::parse(cuenta).unwrap(),
        monto,
        agencia: agencia.into(),
        distancia_km,
    }
}

#[test]
fn semicolon_crlf_quoted_reordered_header_with_blank_lines() {
    let parsed = parse_any(&data("good/roster_semicolon_crlf.csv"), &ParseOptions::default());
    assert_eq!(parsed.format, Format::RosterCsv);
    assert_eq!(parsed.problems, []);
    let roster = roster_of(&parsed);
    assert_eq!(roster.period.to_string(), "2012-07");
    let expected = vec![
        row(
            "42388604",
            ["María del Carmen", "Quispe", "Huamán"],
            ["050101", "AYACUCHO", "HUAMANGA", "AYACUCHO"],
            Grupo::Piloto,
            Estado::Activo,
            "01800000400588058608",
            Decimal::new(10000, 2),
            "0040",
            Some(Decimal::new(25, 1)),
        ),
        row(
            "01234567",
            ["Rosa", "De la Cruz", "Mamani"],
            ["050102", "", "", ""],
            Grupo::Control,
            Estado::Suspendido,
            "01800100000000012380",
            Decimal::new(100, 0),
            "",
            None,
        ),
        row(
            "70000001",
            ["Juana", "Ccori", "Rojas"],
            ["080204", "CUSCO", "ACOMAYO", "MOSOC LLACTA"],
            Grupo::Piloto,
            Estado::Retirado,
            "01804000400588058766",
            Decimal::new(2005, 1),
            "",
            Some(Decimal::ZERO),
        ),
    ];
    assert_eq!(roster.rows, expected);
}

#[test]
fn windows_1252_names_are_decoded() {
    let parsed = parse_any(&data("good/roster_cp1252.csv"), &ParseOptions::default());
    assert_eq!(parsed.problems, []);
    let first = &roster_of(&parsed).rows[0];
    assert_eq!((first.apellido_paterno.as_str(), first.apellido_materno.as_str()), ("Peña", "Muñoz"));
}

#[test]
fn every_problem_of_every_row_is_reported_and_valid_rows_are_kept() {
    let text = "periodo,dni,nombres,apellido_paterno,apellido_materno,ubigeo,departamento,provincia,distrito,grupo,estado,cuenta,monto,agencia,distancia_km\n\
        2012-07,42388604,Ana,Q,H,050101,,,,PILOTO,ACTIVO,01800000400588058608,100,,\n\
        2012-08,4238860,,Q,H,05010,,,,piloto,activo,01800000400588058609,0,,x\n\
        2012-07,42388604,Ana,Q,H,050101,,,,PILOTO,ACTIVO,01800000400588058608,100,,\n\
        2012-07,1\n";
    let parsed = parse(text, &ParseOptions::default());
    let found: Vec<(Location, &str)> =
        parsed.problems.iter().map(|p| (p.location.clone(), p.field.as_str())).collect();
    let at = |n, f| (Location::Line(n), f);
    let expected = vec![
        at(3, "periodo"),
        at(3, "dni"),
        at(3, "nombres"),
        at(3, "ubigeo"),
        at(3, "grupo"),
        at(3, "estado"),
        at(3, "cuenta"),
        at(3, "monto"),
        at(3, "distancia_km"),
        at(4, "dni"),
        at(4, "cuenta"),
        at(5, ""),
    ];
    assert_eq!(found, expected);
    assert_eq!(roster_of(&parsed).rows.len(), 1);
}

#[test]
fn a_header_only_roster_is_refused() {
    let parsed = parse(&COLUMNS.join(";"), &ParseOptions::default());
    assert_eq!(parsed.problems, [Problem::in_file("", "the roster has no rows")]);
    assert_eq!(parsed.content, Content::Nothing);
}

/// Writes rows as a roster CSV the way a spreadsheet would: quoting only where needed.
fn write_roster(rows: &[RosterRow], delimiter: u8) -> String {
    let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    writer.write_record(COLUMNS).unwrap();
    for r in rows {
        let distancia = r.distancia_km.map(|d| d.to_string()).unwrap_or_default();
        writer
            .write_record([
                r.periodo.to_string().as_str(),
                r.dni.as_str(),
                &r.nombres,
                &r.apellido_paterno,
                &r.apellido_materno,
                r.ubigeo.as_str(),
                &r.departamento,
                &r.provincia,
                &r.distrito,
                r.grupo.as_str(),
                r.estado.as_str(),
                r.cuenta.as_str(),
                &r.monto.to_string(),
                &r.agencia,
                &distancia,
            ])
            .unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

prop_compose! {
    fn arb_row()(
        dni in 0u32..100_000_000,
        names in prop::array::uniform3("[A-Za-zÁÉÍÓÚáéíóúÑñ][A-Za-zÁÉÍÓÚáéíóúÑñ ,;\"'-]{0,14}[A-Za-zñ]"),
        place in prop::array::uniform3("([A-Z][A-Z ,;]{0,12}[A-Z])?"),
        ubigeo in 10_101u32..259_999,
        piloto in any::<bool>(),
        estado in 0usize..3,
        office in 0u16..1000,
        account in 0u64..1_000_000_000_000,
        cents in 1i64..100_000_000,
        agencia in "[0-9]{0,4}",
        distance in prop::option::of((0i64..1_000_000, 0u32..4)),
    ) -> RosterRow {
        let [nombres, apellido_paterno, apellido_materno] = names;
        let [departamento, provincia, distrito] = place;
        RosterRow {
            periodo: Period::parse("2012-07").unwrap(),
            dni: Dni::parse(&format!("{dni:08}")).unwrap(),
            nombres, apellido_paterno, apellido_materno,
            ubigeo: Ubigeo::parse(&format!("{ubigeo:06}")).unwrap(),
            departamento, provincia, distrito,
            grupo: if piloto { Grupo::Piloto } else { Grupo::Control },
            estado: [Estado::Activo, Estado::Suspendido, Estado::Retirado][estado],
            cuenta: Cci::build(18, office, account),
            monto: Decimal::new(cents, 2),
            agencia,
            distancia_km: distance.map(|(n, scale)| Decimal::new(n, scale)),
        }
    }
}

/// Distinct DNIs and accounts, as a valid roster needs.
fn arb_rows() -> impl Strategy<Value = Vec<RosterRow>> {
    prop::collection::vec(arb_row(), 1..12).prop_map(|rows| {
        let (mut dnis, mut cuentas) = (std::collections::HashSet::new(), std::collections::HashSet::new());
        rows.into_iter().filter(|r| dnis.insert(r.dni.clone()) && cuentas.insert(r.cuenta.clone())).collect()
    })
}

proptest! {
    #[test]
    fn a_written_roster_reads_back_as_the_same_rows(rows in arb_rows(), semicolon in any::<bool>()) {
        let text = write_roster(&rows, if semicolon { b';' } else { b',' });
        let parsed = parse(&text, &ParseOptions::default());
        prop_assert_eq!(&parsed.problems, &[]);
        prop_assert_eq!(&roster_of(&parsed).rows, &rows);
    }
}
