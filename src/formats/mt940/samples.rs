//! Runs every public MT940/MT942 sample (`tests/samples/mt940/`, see its SOURCES.md) through
//! the parser: none may panic, and each must be accepted or refused as the table says. The
//! svenstaro files come with another parser's results (`.json`): opening, closing, entry count
//! and entry sum must agree with them.

use super::*;
use crate::formats::Statement;
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/samples/mt940")
}

fn sample_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if path.is_dir() {
            sample_files(&path, out);
        } else if matches!(ext, "sta" | "txt" | "swi") && !path.ends_with("LICENSE.txt") {
            out.push(path);
        }
    }
}

fn parse_sample(relative: &str, currency: &str) -> ParsedFile {
    let bytes = std::fs::read(root().join(relative)).unwrap();
    parse(&crate::formats::encoding::decode(&bytes), &ParseOptions { currency: currency.to_owned() })
}

/// `accepted S statements, E entries` or the first problem.
fn outcome(parsed: &ParsedFile) -> String {
    match (&parsed.content, parsed.problems.first()) {
        (Content::Statements(sts), None) => {
            let entries: usize = sts.iter().map(|s| s.entries.len()).sum();
            format!("accepted {} statements, {entries} entries", sts.len())
        }
        (_, Some(problem)) => format!("refused: {problem}"),
        (_, None) => "nothing".to_owned(),
    }
}

/// Every sample file, the currency it is read with (its own: our rule refuses any other), and
/// the outcome: `accepted …` or the start of the first problem. Most refusals are test
/// fixtures of other parsers that do not balance, fragments without `:20:`, MT942 reports,
/// impossible dates and multi-currency files — each breaks a rule of SPEC §2.3.
#[rustfmt::skip]
const TABLE: &[(&str, &str, &str)] = &[
    ("svenstaro-mt940-rs/mt940/full/abnamro/mt940.sta", "EUR", "refused: line 14, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/full/betterplace/sepa_mt9401.sta", "EUR", "accepted 20 statements, 97 entries"),
    ("svenstaro-mt940-rs/mt940/full/betterplace/sepa_snippet.sta", "EUR", "refused: line 55, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/full/betterplace/sepa_snippet_broken.sta", "EUR", "refused: line 6, field :25:: account :25: given twice"),
    ("svenstaro-mt940-rs/mt940/full/betterplace/with_binary_character.sta", "EUR", "accepted 2 statements, 4 entries"),
    ("svenstaro-mt940-rs/mt940/full/bugs/issue-51.sta", "EUR", "refused: line 21, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/full/cmxl/mt940_1.sta", "EUR", "accepted 1 statements, 2 entries"),
    ("svenstaro-mt940-rs/mt940/full/cmxl/mt940_2.sta", "PLN", "refused: line 25, field :62F: date: closing date 2002-03-25 is"),
    ("svenstaro-mt940-rs/mt940/full/danskebank/MT940_DK_Example.sta", "DKK", "accepted 14 statements, 89 entries"),
    ("svenstaro-mt940-rs/mt940/full/danskebank/MT940_FI_Example.sta", "EUR", "accepted 1 statements, 6 entries"),
    ("svenstaro-mt940-rs/mt940/full/danskebank/MT940_NO_Example.sta", "NOK", "accepted 13 statements, 24 entries"),
    ("svenstaro-mt940-rs/mt940/full/danskebank/MT940_SE_Example.sta", "SEK", "accepted 12 statements, 103 entries"),
    ("svenstaro-mt940-rs/mt940/full/jejik/abnamro.sta", "EUR", "refused: line 27, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/full/jejik/ing.sta", "EUR", "refused: line 26, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/full/jejik/knab.sta", "EUR", "refused: line 20, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/full/jejik/knab_broken.sta", "EUR", "refused: line 20, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/full/jejik/postfinance.sta", "CHF", "refused: line 27, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/full/jejik/rabobank-iban.sta", "EUR", "accepted 2 statements, 4 entries"),
    ("svenstaro-mt940-rs/mt940/full/jejik/sns.sta", "EUR", "accepted 2 statements, 2 entries"),
    ("svenstaro-mt940-rs/mt940/full/mBank/mt940.sta", "PLN", "accepted 1 statements, 3 entries"),
    ("svenstaro-mt940-rs/mt940/full/mBank/with_newline_in_tnr.sta", "PLN", "refused: line 19, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/full/sparkasse/buxtehude.sta", "EUR", "refused: line 22, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/special-cases/february_30.sta", "EUR", r#"refused: line 6, field :61: value date: no such date: "160230""#),
    ("svenstaro-mt940-rs/mt940/special-cases/incomplete_tag_61.sta", "EUR", "refused: line 12, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/special-cases/invalid_statement.sta", "EUR", "refused: file: no MT940 statement found:"),
    ("svenstaro-mt940-rs/mt940/special-cases/invalid_utf8.sta", "HUF", "refused: line 40, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/special-cases/overly_long_details.sta", "EUR", "refused: line 15, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt940/special-cases/unexpected_tag.sta", "EUR", "refused: line 2, field :25:: missing account identification :25:"),
    ("svenstaro-mt940-rs/mt940/special-cases/unknown_tag.sta", "EUR", "accepted 1 statements, 1 entries"),
    ("svenstaro-mt940-rs/mt942/full/cmxl/mt942_1.sta", "EUR", "refused: file: no MT940 statement found:"),
    ("svenstaro-mt940-rs/mt942/full/jejik/generic.sta", "EUR", "accepted 2 statements, 2 entries"),
    ("svenstaro-mt940-rs/mt942/full/jejik/rabobank.sta", "EUR", "refused: line 11, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt942/full/jejik/triodos.sta", "EUR", "refused: line 12, field :62F: amount: does not balance: opening"),
    ("svenstaro-mt940-rs/mt942/full/mBank/mt942.sta", "DEM", "accepted 1 statements, 11 entries"),
    ("svenstaro-mt940-rs/mt942/full/sberbank/171011_01234945.sta", "HUF", "accepted 1 statements, 3 entries"),
    ("svenstaro-mt940-rs/mt942/special-cases/long_statement_number.sta", "TRY", r#"refused: line 4, field :60F: amount: amount too large: "0000000000000000,00""#),
    ("svenstaro-mt940-rs/mt942/special-cases/mt942.sta", "EUR", "refused: line 4, field :34F:: this is an MT942"),
    ("svenstaro-mt940-rs/mt942/special-cases/raphaelm.sta", "DEM", "refused: line 27, field :62M: currency: currency must be DEM,"),
    ("wolph-mt940/ASNB/mt940.txt", "EUR", "accepted 31 statements, 8 entries"),
    ("wolph-mt940/ASNB/mt940_with_spaces_for_entry_date.txt", "EUR", "accepted 31 statements, 8 entries"),
    ("wolph-mt940/betterplace/amount_formats.sta", "EUR", "refused: line 1, field :20:: tag :60F: outside a"),
    ("wolph-mt940/betterplace/currency_in_25.sta", "EUR", "refused: line 1, field :20:: tag :25: outside a"),
    ("wolph-mt940/betterplace/empty_86.sta", "EUR", "refused: line 1, field :20:: tag :86: outside a"),
    ("wolph-mt940/betterplace/empty_entry_date.sta", "EUR", "refused: line 1, field :20:: tag :61: outside a"),
    ("wolph-mt940/betterplace/empty_line.sta", "EUR", "refused: line 2, field :25:: missing account identification :25:"),
    ("wolph-mt940/betterplace/missing_crlf_at_end.sta", "EUR", "refused: line 1, field :20:: tag :62F: outside a"),
    ("wolph-mt940/betterplace/sepa_mt9401.sta", "EUR", "accepted 20 statements, 97 entries"),
    ("wolph-mt940/betterplace/sepa_snippet.sta", "EUR", "refused: line 55, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/betterplace/sepa_snippet_broken.sta", "EUR", "refused: line 6, field :25:: account :25: given twice"),
    ("wolph-mt940/betterplace/with_binary_character.sta", "EUR", "accepted 2 statements, 4 entries"),
    ("wolph-mt940/citi/mt940.txt", "USD", "accepted 1 statements, 5 entries"),
    ("wolph-mt940/cmxl/account_balance_credit.sta", "EUR", "refused: line 1, field :20:: tag :60F: outside a"),
    ("wolph-mt940/cmxl/account_balance_debit.sta", "EUR", "refused: line 1, field :20:: tag :60F: outside a"),
    ("wolph-mt940/cmxl/account_identification_iban.sta", "EUR", "refused: line 1, field :20:: tag :25: outside a"),
    ("wolph-mt940/cmxl/account_identification_legacy.sta", "EUR", "refused: line 1, field :20:: tag :25: outside a"),
    ("wolph-mt940/cmxl/available_balance.sta", "EUR", "refused: line 1, field :20:: tag :64: outside a"),
    ("wolph-mt940/cmxl/closing_balance.sta", "EUR", "refused: line 1, field :20:: tag :62F: outside a"),
    ("wolph-mt940/cmxl/mt940.sta", "DEM", "refused: line 35, field :60F: currency: currency must be DEM,"),
    ("wolph-mt940/cmxl/reference.sta", "EUR", "refused: line 1, field :25:: missing account identification :25:"),
    ("wolph-mt940/cmxl/statement_details.sta", "EUR", "refused: line 1, field :20:: tag :61: outside a"),
    ("wolph-mt940/cmxl/statement_line.sta", "EUR", "refused: line 1, field :20:: tag :61: outside a"),
    ("wolph-mt940/cmxl/statement_number.sta", "EUR", "refused: line 1, field :20:: tag :28C: outside a"),
    ("wolph-mt940/jejik/abnamro.sta", "EUR", "refused: line 27, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/jejik/generic.sta", "EUR", "accepted 2 statements, 2 entries"),
    ("wolph-mt940/jejik/ing.sta", "EUR", "refused: line 26, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/jejik/knab.sta", "EUR", "refused: line 20, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/jejik/postfinance.sta", "CHF", "refused: line 27, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/jejik/rabobank-iban.sta", "EUR", "accepted 2 statements, 4 entries"),
    ("wolph-mt940/jejik/rabobank.sta", "EUR", "refused: line 11, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/jejik/sns.sta", "EUR", "accepted 2 statements, 2 entries"),
    ("wolph-mt940/jejik/triodos.sta", "EUR", "refused: line 12, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/mBank/mt940.sta", "PLN", "accepted 1 statements, 3 entries"),
    ("wolph-mt940/mBank/mt942.sta", "EUR", "refused: line 5, field :34F:: this is an MT942"),
    ("wolph-mt940/mBank/with_newline_in_tnr.sta", "PLN", "refused: line 19, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/sberbank/171011_01234945.sta", "HUF", "accepted 1 statements, 3 entries"),
    ("wolph-mt940/self-provided/account_identification.sta", "EUR", "refused: line 1, field :60F:: missing opening balance :60F:"),
    ("wolph-mt940/self-provided/details_60-63.sta", "EUR", "refused: line 12, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/self-provided/empty_non_swift.sta", "EUR", "refused: file: no MT940 statement found:"),
    ("wolph-mt940/self-provided/february_30.sta", "EUR", r#"refused: line 6, field :61: value date: no such date: "160230""#),
    ("wolph-mt940/self-provided/gv_codes.sta", "EUR", "refused: line 1, field :62F:: missing closing balance :62F:"),
    ("wolph-mt940/self-provided/invalid_statement.sta", "EUR", "refused: file: no MT940 statement found:"),
    ("wolph-mt940/self-provided/long_statement_number.sta", "TRY", r#"refused: line 4, field :60F: amount: amount too large: "0000000000000000,00""#),
    ("wolph-mt940/self-provided/malformed_details.sta", "EUR", "refused: line 15, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/self-provided/mt942.sta", "EUR", "refused: line 4, field :34F:: this is an MT942"),
    ("wolph-mt940/self-provided/multiline.sta", "EUR", "refused: line 29, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/self-provided/overly_long_details.sta", "EUR", "refused: line 15, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/self-provided/raiffeisen-cmi.sta", "HUF", "refused: line 40, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/self-provided/raphaelm.sta", "DEM", "refused: line 27, field :62M: currency: currency must be DEM,"),
    ("wolph-mt940/self-provided/sparkassen.sta", "EUR", "refused: line 1, field :20:: tag :61: outside a"),
    ("wolph-mt940/self-provided/transaction_details_wrapped.sta", "EUR", r#"refused: line 6, field :61: value date: no such date: "160230""#),
    ("wolph-mt940/self-provided/whitespace.sta", "EUR", "refused: line 9, field :62F: amount: does not balance: opening"),
    ("wolph-mt940/self-provided/wrapped_timestamp.sta", "EUR", r#"refused: line 5, field :61: value date: no such date: "160230""#),
    ("zilverline-mt940/14aug2014.swi", "EUR", "refused: line 14, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/abn/abn_sepa_incasso_doorlopend.txt", "EUR", "refused: line 14, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/abn/abn_sepa_overboeking.txt", "EUR", "refused: line 13, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/abn/abn_sepa_periodieke_overboeking.txt", "EUR", "refused: line 12, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/abn/abn_structured_sepa_acceptgiro.txt", "EUR", "refused: line 12, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/abn/abn_structured_sepa_ideal.txt", "EUR", "refused: line 12, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/abn/abn_structured_sepa_overboeking.txt", "EUR", "refused: line 11, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/abn/abnamro.txt", "EUR", "refused: line 27, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/abn/abnamro_structured.txt", "EUR", "refused: line 16, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/abn/anb_sepa_overboeking_belastingdienst.txt", "EUR", "refused: line 16, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/abn/moneyou.txt", "EUR", "accepted 1 statements, 2 entries"),
    ("zilverline-mt940/deutsche_bank.txt", "EUR", "refused: line 14, field :62M: amount: does not balance: opening"),
    ("zilverline-mt940/import-16-06-2014.txt", "EUR", "refused: line 12, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/ing/cntp_without_description.txt", "EUR", "refused: line 11, field :62F: date: closing date 2014-03-15 is"),
    ("zilverline-mt940/ing/eu_incasso.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/ing/eu_incasso_foreign_transaction.txt", "EUR", "refused: line 12, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/ing/eu_incasso_with_spaces_in_sepa.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/ing/failing.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/ing/ing_00_00.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/ing/ing_dash_in_customer_reference.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/ing/ing_purp.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/ing/ing_references.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/ing/ing_references_fix.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/ing/mt940_iban.txt", "EUR", "accepted 1 statements, 21 entries"),
    ("zilverline-mt940/ing/unstructured_remi.txt", "EUR", "refused: line 16, field :62F: date: closing date 2014-03-15 is"),
    ("zilverline-mt940/ing/unstructured_remi_2.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/ing/unstructured_remi_with_space_in_remi.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/ing.txt", "EUR", "refused: line 22, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/ing_structured.txt", "EUR", "refused: line 27, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/knab/knab.txt", "EUR", "accepted 1 statements, 2 entries"),
    ("zilverline-mt940/knab/knab_date_and_accounting_date_different_year.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/knab/knab_empty.txt", "EUR", "accepted 1 statements, 0 entries"),
    ("zilverline-mt940/knab/knab_invalid.txt", "EUR", "refused: line 1, field :62F:: missing closing balance :62F:"),
    ("zilverline-mt940/knab/knab_pin.txt", "EUR", "refused: line 9, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/knab/knab_sepa_acceptgiro.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/knab/knab_sepa_doorlopend_incasso.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/knab/knab_sepa_ideal.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/knab/knab_sepa_overboeking.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/knab/knab_two_blocks.txt", "EUR", "accepted 2 statements, 3 entries"),
    ("zilverline-mt940/knab/knab_with_iban.txt", "EUR", "accepted 1 statements, 2 entries"),
    ("zilverline-mt940/rabobank/dash_as_start_of_line.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/rabobank/fix_rabo_twice_remi.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/rabobank/line_break_in_remi.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/rabobank.txt", "EUR", "accepted 23 statements, 11 entries"),
    ("zilverline-mt940/rabobank_mt940_structured.txt", "EUR", "accepted 2 statements, 9 entries"),
    ("zilverline-mt940/rabobank_mt940_structured_dutch_tax.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/rabobank_mt940_structured_multi_line.txt", "EUR", "refused: line 14, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/rabobank_mt940_structured_savings_account.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/rabobank_mt940_structured_to_savings_account.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/rabobank_with_debet_previous_balance.txt", "EUR", "accepted 1 statements, 0 entries"),
    ("zilverline-mt940/sns/sns.txt", "EUR", "accepted 16 statements, 4 entries"),
    ("zilverline-mt940/sns/sns_customer_reference.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/triodos.txt", "EUR", "refused: line 12, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/triodos_iban.txt", "EUR", "accepted 1 statements, 3 entries"),
    ("zilverline-mt940/triodos_iban_2.txt", "EUR", "accepted 1 statements, 4 entries"),
    ("zilverline-mt940/triodos_multiline_bug.txt", "EUR", "refused: line 13, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/two_accounts.txt", "EUR", "accepted 4 statements, 3 entries"),
    ("zilverline-mt940/unknown.txt", "EUR", "refused: line 20, field :62F: amount: does not balance: opening"),
    ("zilverline-mt940/van_lanschot/to_private_account_86.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/van_lanschot/unspecified_contra_account.txt", "EUR", "accepted 1 statements, 1 entries"),
    ("zilverline-mt940/van_lanschot/van_lanschot.txt", "EUR", "accepted 3 statements, 4 entries"),
];

#[test]
fn every_sample_is_accepted_or_refused_as_the_table_says() {
    let mut files = Vec::new();
    sample_files(&root(), &mut files);
    let mut on_disk: Vec<String> =
        files.iter().map(|p| p.strip_prefix(root()).unwrap().to_str().unwrap().replace('\\', "/")).collect();
    on_disk.sort();
    let mut listed: Vec<String> = TABLE.iter().map(|(path, _, _)| (*path).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "the table must list every sample file");
    let mut wrong = Vec::new();
    for (path, currency, expected) in TABLE {
        let parsed = parse_sample(path, currency);
        let actual = outcome(&parsed);
        if !actual.starts_with(expected) {
            wrong.push(format!("{path}\n  expected {expected}\n  actual   {actual}"));
        }
        if parsed.is_valid() {
            let bytes = std::fs::read(root().join(path)).unwrap();
            assert_eq!(crate::formats::detect::sniff(&bytes), Format::Mt940, "{path} not detected");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Signed amount of a svenstaro balance or statement line. svenstaro names a reversal by the
/// side it is booked on: its `ReverseDebit` is our `RC` (booked as a debit, negative) — the
/// betterplace `sepa_mt9401` file balances only that way.
fn signed(value: &serde_json::Value, indicator: &str) -> Decimal {
    let amount: Decimal = value["amount"].as_str().unwrap().parse().unwrap();
    match value[indicator].as_str().unwrap() {
        "Credit" | "ReverseCredit" => amount,
        "Debit" | "ReverseDebit" => -amount,
        other => panic!("unknown indicator {other}"),
    }
}

/// What svenstaro's results state: first opening, last closing, entry count and entry sum.
fn json_figures(pages: &[serde_json::Value]) -> (Decimal, Decimal, usize, Decimal) {
    let lines: Vec<&serde_json::Value> =
        pages.iter().flat_map(|p| p["statement_lines"].as_array().unwrap().iter()).collect();
    let sum = lines.iter().map(|l| signed(l, "ext_debit_credit_indicator")).sum();
    let opening = signed(&pages[0]["opening_balance"], "debit_credit_indicator");
    let closing = signed(&pages[pages.len() - 1]["closing_balance"], "debit_credit_indicator");
    (opening, closing, lines.len(), sum)
}

fn our_figures(statements: &[Statement]) -> (Decimal, Decimal, usize, Decimal) {
    let entries: Vec<_> = statements.iter().flat_map(|s| s.entries.iter()).collect();
    (
        statements[0].opening,
        statements[statements.len() - 1].closing,
        entries.len(),
        entries.iter().map(|e| e.amount).sum(),
    )
}

#[test]
fn figures_agree_with_svenstaro_results() {
    let mut checked = 0;
    for (path, currency, _) in TABLE.iter().filter(|(p, _, _)| p.starts_with("svenstaro")) {
        let json_path = root().join(path).with_extension("json");
        let Ok(json) = std::fs::read_to_string(&json_path) else { continue };
        let pages: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        let parsed = parse_sample(path, currency);
        let Content::Statements(statements) = &parsed.content else { panic!("{path}: nothing read") };
        assert_eq!(our_figures(statements), json_figures(&pages), "{path}");
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} result files checked");
}
