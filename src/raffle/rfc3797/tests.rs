//! Tests of the RFC 3797 draw against the RFC's own worked example and later IETF draws
//! (data in `tests/samples/rfc3797/`, see its SOURCES.md), plus edge cases and properties.

use super::*;
use proptest::prelude::*;

const REF_SEEDS: &str = include_str!("../../../tests/samples/rfc3797/richsalz-ietf-rfc3797-code/ref.seeds");
const REF_NAMES: &str = include_str!("../../../tests/samples/rfc3797/richsalz-ietf-rfc3797-code/ref.names");
const REF_RESULTS: &str =
    include_str!("../../../tests/samples/rfc3797/richsalz-ietf-rfc3797-code/ref.results");
const IETF_2022_SEEDS: &str =
    include_str!("../../../tests/samples/rfc3797/richsalz-ietf-rfc3797-code/2022.seeds");
const IETF_2022_NAMES: &str =
    include_str!("../../../tests/samples/rfc3797/richsalz-ietf-rfc3797-code/2022.names");
const IETF_2022_RESULTS: &str =
    include_str!("../../../tests/samples/rfc3797/richsalz-ietf-rfc3797-code/2022.results");
const MCR_2012_CASE: &str = include_str!("../../../tests/samples/rfc3797/mcr-rfc3797/testcase-2012.txt");
const MCR_2012_OUTPUT: &str = include_str!("../../../tests/samples/rfc3797/mcr-rfc3797/output-2012.txt");
const MCR_2013_CASE: &str = include_str!("../../../tests/samples/rfc3797/mcr-rfc3797/testcase-2013.txt");
const MCR_2013_OUTPUT: &str = include_str!("../../../tests/samples/rfc3797/mcr-rfc3797/output-2013.txt");

/// One row of a reference results table: digest hex, divisor, 1-based selected index, name.
#[derive(Debug, PartialEq)]
struct Row {
    hex: String,
    remaining: usize,
    selected: usize,
    name: String,
}

/// Reads the `index hex div -> selected <- name` rows of a reference program's output.
fn table(output: &str) -> Vec<Row> {
    output.lines().filter(|l| l.contains("->")).map(row).collect()
}

fn row(line: &str) -> Row {
    let (numbers, name) = line.split_once("<-").unwrap();
    let fields: Vec<&str> = numbers.split_whitespace().collect();
    assert_eq!(fields.len(), 5, "{line}");
    Row {
        hex: fields[1].to_owned(),
        remaining: fields[2].parse().unwrap(),
        selected: fields[4].parse().unwrap(),
        name: name.trim().to_owned(),
    }
}

/// Our rounds in the same shape (names left empty: compared separately).
fn our_table(key: &str, pool: usize, picks: usize) -> Vec<Row> {
    rounds(key, pool, picks)
        .iter()
        .map(|r| Row {
            hex: r.digest_hex(),
            remaining: r.remaining,
            selected: r.index + 1,
            name: String::new(),
        })
        .collect()
}

fn without_names(rows: Vec<Row>) -> Vec<Row> {
    rows.into_iter().map(|r| Row { name: String::new(), ..r }).collect()
}

/// The key from a seeds file: one source a line, `#` lines ignored.
fn key_from_seeds(seeds: &str) -> String {
    let sources: Vec<String> = seeds
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| normalise_source(l).unwrap())
        .collect();
    build_key(&sources)
}

#[test]
fn rfc_3797_section_6_example_is_reproduced_exactly() {
    let key = key_from_seeds(REF_SEEDS);
    assert_eq!(key, "9319./2.5.8.10.12./9.18.26.34.41.45./");
    let names: Vec<&str> = REF_NAMES.lines().collect();
    assert_eq!(names.len(), 25);
    let expected = table(REF_RESULTS);
    assert_eq!(expected.len(), 16);
    for (ours, theirs) in our_table(&key, names.len(), 16).iter().zip(&expected) {
        assert_eq!(
            (&ours.hex, ours.remaining, ours.selected),
            (&theirs.hex, theirs.remaining, theirs.selected)
        );
        if !theirs.name.is_empty() {
            assert_eq!(names[ours.selected - 1], theirs.name);
        }
    }
    let chosen: Vec<&str> = select(&key, 25, 16).iter().map(|&i| names[i]).collect();
    let rfc = "Lee Doc Mary Charity Kasczynski Envy Sneazy Anger Chastity Pandora Sloth \
               Sleepy Longsuffering Handsome John Dopey";
    assert_eq!(chosen, rfc.split(' ').collect::<Vec<_>>());
}

#[test]
fn ietf_nomcom_2022_draw_is_reproduced() {
    let key = key_from_seeds(IETF_2022_SEEDS);
    let printed = IETF_2022_RESULTS.lines().find_map(|l| l.strip_prefix("Key string is ")).unwrap();
    assert_eq!(key, printed.trim());
    let names: Vec<&str> = IETF_2022_NAMES.lines().collect();
    assert_eq!(names.len(), 267);
    let expected = table(IETF_2022_RESULTS);
    assert_eq!(expected.len(), 10);
    let ours = our_table(&key, names.len(), 10);
    for (ours, theirs) in ours.iter().zip(&expected) {
        assert_eq!(
            (&ours.hex, ours.remaining, ours.selected),
            (&theirs.hex, theirs.remaining, theirs.selected)
        );
        assert_eq!(names[ours.selected - 1], theirs.name);
    }
}

/// A test case of the mcr/rfc3797 repository: pool size, the raw inputs as published (in
/// draw order, unsorted, with leading zeros), the key and table its C program printed.
fn check_mcr_case(case: &str, output: &str) {
    let pool: usize = case.lines().find_map(|l| l.strip_prefix("Size of Pool: ")).unwrap().parse().unwrap();
    let lines: Vec<&str> = case.lines().collect();
    let sources: Vec<String> = lines
        .windows(2)
        .filter(|w| w[0].contains("Input"))
        .map(|w| normalise_source(w[1]).unwrap())
        .collect();
    assert_eq!(sources.len(), 4);
    let key = build_key(&sources);
    let printed = output.lines().skip_while(|l| !l.starts_with("Key is:")).nth(1).unwrap();
    assert_eq!(key, printed.trim());
    let expected = without_names(table(output));
    assert_eq!(our_table(&key, pool, expected.len()), expected);
    // The e-mailed results list is the same selection (a prefix of it for 2013).
    let results: Vec<usize> = lines
        .iter()
        .skip_while(|l| !l.starts_with("Results:"))
        .skip(1)
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let ours: Vec<usize> = select(&key, pool, results.len()).iter().map(|i| i + 1).collect();
    assert_eq!(ours, results);
}

#[test]
fn ietf_nomcom_2012_draw_is_reproduced() {
    check_mcr_case(MCR_2012_CASE, MCR_2012_OUTPUT);
}

#[test]
fn ietf_nomcom_2013_draw_is_reproduced_with_a_leading_zero_source() {
    assert!(MCR_2013_CASE.contains("\n08285182\n"));
    check_mcr_case(MCR_2013_CASE, MCR_2013_OUTPUT);
}

#[test]
fn a_source_is_sorted_and_written_as_in_the_reference_code() {
    assert_eq!(normalise_source("40 3 15,29 37").unwrap(), "3.15.29.37.40./");
    assert_eq!(normalise_source("3462").unwrap(), "3462./");
    assert_eq!(normalise_source(" 4,9 , 28\t29\n38 45 ").unwrap(), "4.9.28.29.38.45./");
    assert_eq!(normalise_source("007 0 000").unwrap(), "0.0.7./");
    assert_eq!(normalise_source("5 5 1").unwrap(), "1.5.5./", "repeats are kept");
    // Sorted by value, not as text, even past any machine integer.
    assert_eq!(
        normalise_source("100000000000000000000000000000000000000001 99 10").unwrap(),
        "10.99.100000000000000000000000000000000000000001./"
    );
}

#[test]
fn bad_sources_are_refused_with_a_reason() {
    for empty in ["", "   ", ",, ,"] {
        assert!(normalise_source(empty).unwrap_err().contains("at least one number"), "{empty:?}");
    }
    let text = normalise_source("3 siete 9").unwrap_err();
    assert!(text.contains("\"siete\"") && text.contains("text sources are refused"), "{text}");
    assert!(normalise_source("3.5").unwrap_err().contains("decimal numbers are not allowed"));
    assert!(normalise_source("4 -2").unwrap_err().contains("negative numbers are not allowed"));
    assert!(normalise_source("+2").unwrap_err().contains("text sources are refused"));
    assert!(normalise_source("١٢").is_err(), "only ASCII digits");
    assert!(normalise_source("3;4").is_err(), "only blanks and commas separate");
}

#[test]
fn keys_are_concatenated_sources_and_districts_add_their_ubigeo() {
    let sources: Vec<String> =
        ["3462", "3 15 29 37 40", "4 9 28 29 38 45"].iter().map(|s| normalise_source(s).unwrap()).collect();
    let key = build_key(&sources);
    assert_eq!(key, "3462./3.15.29.37.40./4.9.28.29.38.45./");
    assert_eq!(district_key(&key, "050101"), "3462./3.15.29.37.40./4.9.28.29.38.45./050101/");
    assert_eq!(build_key(&[]), "");
}

const KEY: &str = "3462./3.15.29.37.40./4.9.28.29.38.45./";

#[test]
fn a_district_draw_is_winners_then_alternates_in_selection_order() {
    let order = select(&district_key(KEY, "050101"), 5, 5);
    let draw = draw_district(KEY, "050101", 5, 2, 2);
    assert_eq!(draw.winners, order[..2]);
    assert_eq!(draw.alternates, order[2..4]);
}

/// The worked example of docs/raffle.md, which is also SPEC §4's `draw.json` example: its
/// district 050101 has five eligible women, and the DNIs it lists are exactly this draw.
#[test]
fn the_documented_example_and_the_spec_draw_json_agree() {
    let key = district_key(KEY, "050101");
    let table: Vec<(String, usize, usize, usize)> =
        rounds(&key, 5, 5).iter().map(|r| (r.digest_hex(), r.remaining, r.position, r.index)).collect();
    let expected = [
        ("1C9DEFD771A0DBA6703CA101378529CD", 5, 0, 0),
        ("6FEF12A72533617911E16B0620C70B06", 4, 2, 3),
        ("05776F1A06EF373076AC81E01EB7537A", 3, 2, 4),
        ("D2EBC613994C9AB9FD89E0B0FCFAFCCA", 2, 0, 1),
        ("0478661C447AEA8AA16D0D4C3619082F", 1, 0, 2),
    ];
    let expected: Vec<_> = expected.iter().map(|&(h, n, p, i)| (h.to_owned(), n, p, i)).collect();
    assert_eq!(table, expected);
    // Eligible list sorted by DNI; the middle one is not named by the SPEC (any DNI between).
    let dnis = ["11554329", "22191157", "40817263", "59297797", "69521218"];
    let draw = draw_district(KEY, "050101", dnis.len(), 2, 2);
    let pick = |v: &[usize]| v.iter().map(|&i| dnis[i]).collect::<Vec<_>>();
    assert_eq!(pick(&draw.winners), ["11554329", "59297797"]);
    assert_eq!(pick(&draw.alternates), ["69521218", "22191157"]);
}

#[test]
fn a_small_district_gives_everyone_winners_first() {
    let order = select(&district_key(KEY, "050102"), 3, 3);
    let draw = draw_district(KEY, "050102", 3, 2, 2);
    assert_eq!((draw.winners, draw.alternates), (order[..2].to_vec(), order[2..].to_vec()));
    let one = draw_district(KEY, "050102", 1, 2, 2);
    assert_eq!((one.winners, one.alternates), (vec![0], vec![]));
    assert_eq!(draw_district(KEY, "050102", 0, 2, 2), DistrictDraw::default());
    assert_eq!(draw_district(KEY, "050102", 9, 0, 0), DistrictDraw::default());
}

#[test]
fn each_district_draws_with_its_own_key() {
    let a = select(&district_key(KEY, "050101"), 50, 4);
    let b = select(&district_key(KEY, "050102"), 50, 4);
    assert_ne!(a, b);
}

#[test]
fn the_counter_is_two_bytes_big_endian_around_the_key() {
    let mut bytes = vec![0x01, 0x02];
    bytes.extend_from_slice(KEY.as_bytes());
    bytes.extend_from_slice(&[0x01, 0x02]);
    let direct: [u8; 16] = Md5::digest(&bytes).into();
    assert_eq!(round_digest(KEY, 0x0102), direct);
}

proptest! {
    #[test]
    fn selection_is_a_deterministic_permutation_prefix(
        key in ".{0,60}", pool in 0usize..200, picks in 0usize..250
    ) {
        let chosen = select(&key, pool, picks);
        prop_assert_eq!(chosen.len(), picks.min(pool));
        prop_assert!(chosen.iter().all(|&i| i < pool));
        let mut distinct = chosen.clone();
        distinct.sort_unstable();
        distinct.dedup();
        prop_assert_eq!(distinct.len(), chosen.len());
        prop_assert_eq!(&select(&key, pool, picks), &chosen);
        // Fewer picks give a prefix of the same order.
        let fewer = select(&key, pool, picks / 2);
        prop_assert_eq!(&chosen[..fewer.len()], &fewer[..]);
    }

    #[test]
    fn normalising_never_panics_and_is_idempotent_on_its_numbers(text in "[0-9 ,.a-z-]{0,40}") {
        if let Ok(source) = normalise_source(&text) {
            prop_assert!(source.ends_with("./"));
            let again = source.trim_end_matches('/').replace('.', " ");
            prop_assert_eq!(normalise_source(&again).unwrap(), source);
        }
    }
}
