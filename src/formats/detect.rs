//! Recognises a file's kind by its content (SPEC §2): XML namespace, MT940 tags, CSV header.

use super::encoding::{self, TextEncoding};
use super::stream::{Collector, Outcome, Sink};
use super::{Format, ParseOptions, ParsedFile, Problem};
use std::io::{BufReader, Read};

/// Sniffs the format from the first bytes of a file.
pub fn sniff(bytes: &[u8]) -> Format {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let trimmed = trim_ascii_start(body);
    if trimmed.starts_with(b"<") {
        let text = String::from_utf8_lossy(head);
        if let Some(version) = namespace_version(&text, "camt.053.") {
            return Format::Camt053(version);
        }
        if let Some(version) = namespace_version(&text, "pain.001.") {
            return Format::Pain001(version);
        }
        return by_root_structure(&text);
    }
    let text = encoding::decode(head);
    if looks_like_mt940(&text) {
        return Format::Mt940;
    }
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").to_ascii_lowercase();
    let names: Vec<String> =
        header.split([',', ';']).map(|h| h.trim().trim_matches('"').trim().to_owned()).collect();
    let has = |n: &str| names.iter().any(|h| h == n);
    if has("lote") && has("referencia") {
        Format::PaymentsCsv
    } else if has("saldo") && (has("abono") || has("cargo")) {
        Format::StatementCsv
    } else if has("dni") && has("estado") && has("grupo") {
        Format::RosterCsv
    } else {
        Format::Unknown
    }
}

/// Bytes read to recognise a file (what [`sniff`] looks at).
pub const SNIFF_BYTES: usize = 4096;
/// Read buffer of the parsers.
const READ_BUFFER: usize = 256 * 1024;

/// Streams any supported file: recognises its format from its first bytes, tells the sink,
/// and hands the whole stream to that format's parser. `encoding` is the text encoding of the
/// whole file (CSV and MT940; XML follows its own declaration), decided before the parse by
/// [`encoding::Utf8Check`] while the file was hashed and archived.
pub fn parse_reader<R: Read>(
    mut reader: R,
    encoding: TextEncoding,
    options: &ParseOptions,
    sink: &mut dyn Sink,
) -> Outcome {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    if let Err(error) = (&mut reader).take(SNIFF_BYTES as u64).read_to_end(&mut head) {
        sink.begin(&Format::Unknown);
        return Outcome {
            format: Format::Unknown,
            problems: vec![Problem::in_file("", format!("the file could not be read: {error}"))],
        };
    }
    let format = sniff(&head);
    sink.begin(&format);
    let empty = head.len() < SNIFF_BYTES && head.iter().all(|b| b.is_ascii_whitespace());
    let input = std::io::Cursor::new(head).chain(reader);
    let xml = |input| BufReader::with_capacity(READ_BUFFER, input);
    let text =
        |input| encoding::decoding_reader(input, encoding).map(|r| BufReader::with_capacity(READ_BUFFER, r));
    let outcome = match &format {
        Format::Camt053(_) => Ok(super::camt053::parse_reader(xml(input), options, sink)),
        Format::Pain001(_) => Ok(super::pain001::parse_reader(xml(input), options, sink)),
        Format::Mt940 => text(input).map(|r| super::mt940::parse_reader(r, options, sink)),
        Format::RosterCsv => text(input).map(|r| super::roster_csv::parse_reader(r, options, sink)),
        Format::PaymentsCsv => text(input).map(|r| super::payments_csv::parse_reader(r, options, sink)),
        Format::StatementCsv => text(input).map(|r| super::statement_csv::parse_reader(r, options, sink)),
        Format::Unknown => Ok(Outcome {
            format: Format::Unknown,
            problems: vec![Problem::in_file(
                "",
                if empty {
                    "the file is empty".to_owned()
                } else {
                    "unknown file kind: not a roster, payment batch or statement in a supported format (CSV, camt.053, pain.001, MT940)".to_owned()
                },
            )],
        }),
    };
    outcome.unwrap_or_else(|error| Outcome {
        format,
        problems: vec![Problem::in_file("", format!("the file could not be read: {error}"))],
    })
}

/// Parses a whole file held in memory (`inspect`, tests): [`parse_reader`] into a
/// [`Collector`].
pub fn parse_any(bytes: &[u8], options: &ParseOptions) -> ParsedFile {
    Collector::collect(|sink| parse_reader(bytes, TextEncoding::of(bytes), options, sink))
}

fn trim_ascii_start(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Finds `urn:iso:std:iso:20022:tech:xsd:camt.053.001.02` and returns `001.02`.
fn namespace_version(text: &str, marker: &str) -> Option<String> {
    let at = text.find(&format!("xsd:{marker}"))? + 4 + marker.len();
    let version: String = text[at..].chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let version = version.trim_end_matches('.').to_owned();
    (!version.is_empty()).then_some(version)
}

/// A `Document` whose namespace is not ISO's (a national variant such as SIX's
/// `http://www.six-interbank-clearing.com/de/pain.001.001.03.ch.02.xsd`) is still recognised by
/// its message element; the version is read from wherever the namespace names one, else left
/// empty, and the format's parser then reports a namespace it cannot accept.
fn by_root_structure(text: &str) -> Format {
    let Some(document) = element_at(text, "Document") else { return Format::Unknown };
    let after = text.get(document..).unwrap_or_default();
    let version = |marker: &str| {
        let at = text.find(marker).map(|i| i + marker.len());
        let digits: String = at
            .and_then(|i| text.get(i..))
            .unwrap_or_default()
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let digits = digits.trim_end_matches('.');
        let ok = digits.len() == 6 && digits.as_bytes().get(3) == Some(&b'.');
        if ok {
            digits.to_owned()
        } else {
            String::new()
        }
    };
    if element_at(after, "CstmrCdtTrfInitn").is_some() {
        Format::Pain001(version("pain.001."))
    } else if element_at(after, "BkToCstmrStmt").is_some() {
        Format::Camt053(version("camt.053."))
    } else {
        Format::Unknown
    }
}

/// Where a start tag of `name` (with or without a namespace prefix) begins in `text`.
fn element_at(text: &str, name: &str) -> Option<usize> {
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    text.match_indices(name).map(|(at, _)| at).find(|&at| {
        let (before, rest) = text.split_at(at);
        let after = rest.get(name.len()..).unwrap_or_default();
        let tag = before.rfind('<').and_then(|lt| before.get(lt + 1..));
        let prefix_ok = tag.is_some_and(|t| {
            t.is_empty() || t.strip_suffix(':').is_some_and(|p| !p.is_empty() && p.bytes().all(name_byte))
        });
        prefix_ok && after.starts_with(['>', ' ', '\t', '\r', '\n', '/'])
    })
}

/// MT940: a block wrapper `{1:` or tags `:20:` and `:25:` at line starts.
fn looks_like_mt940(text: &str) -> bool {
    let t = text.trim_start();
    if t.starts_with("{1:") || t.starts_with("{4:") {
        return true;
    }
    let mut tags = text.lines().map(str::trim_start).filter(|l| l.starts_with(':'));
    tags.any(|l| l.starts_with(":20:") || l.starts_with(":25:"))
        && text.lines().any(|l| {
            l.trim_start().starts_with(":60F:")
                || l.trim_start().starts_with(":60M:")
                || l.trim_start().starts_with(":25:")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Content;

    #[test]
    fn recognises_each_kind_by_content() {
        assert_eq!(sniff(b"periodo;dni;nombres;grupo;estado\n"), Format::RosterCsv);
        assert_eq!(sniff(b"\xEF\xBB\xBFlote,periodo,dni,cuenta,monto,referencia\n"), Format::PaymentsCsv);
        assert_eq!(sniff(b"cuenta,fecha,referencia,descripcion,cargo,abono,saldo\n"), Format::StatementCsv);
        assert_eq!(sniff(b":20:X\r\n:25:123\r\n:28C:1\r\n:60F:C120701PEN0,00\r\n"), Format::Mt940);
        assert_eq!(
            sniff(
                br#"<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">"#
            ),
            Format::Camt053("001.08".into())
        );
        assert_eq!(
            sniff(br#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">"#),
            Format::Pain001("001.03".into())
        );
        assert_eq!(sniff(b"hello"), Format::Unknown);
    }

    fn sample(rel: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/samples/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn national_namespaces_are_recognised_by_their_message_element() {
        // SIX (Swiss) pain.001.001.03.ch.02: the namespace is not ISO's, the structure is.
        for rel in [
            "pain001/sepa_king/pain.001.001.03.ch.02.xml",
            "pain001/moov-io-iso20022/musterfile_pain.001_Nov2020.xml",
        ] {
            assert_eq!(sniff(&sample(rel)), Format::Pain001("001.03".into()), "{rel}");
        }
        let swiss =
            parse_any(&sample("pain001/sepa_king/pain.001.001.03.ch.02.xml"), &ParseOptions::default());
        assert_eq!(swiss.format, Format::Pain001("001.03".into()));
        let Content::Payments(batches) = &swiss.content else { panic!("{:?}", swiss.problems) };
        assert_eq!(batches.iter().map(|b| b.lote.as_str()).collect::<Vec<_>>(), ["PMTINF-01", "PMTINF-02"]);
        assert!(swiss.problems.iter().all(|p| !p.reason.contains("namespace")), "{:?}", swiss.problems);
        assert!(swiss.problems.iter().any(|p| p.reason.contains("not the bank currency PEN")));
        let prefixed = br#"<?xml version="1.0"?><x:Document xmlns:x="urn:bank:stmt"><x:BkToCstmrStmt>"#;
        assert_eq!(sniff(prefixed), Format::Camt053(String::new()));
        let unknown_namespace =
            br#"<Document xmlns="urn:bank:pay"><CstmrCdtTrfInitn><GrpHdr/></CstmrCdtTrfInitn></Document>"#;
        let parsed = parse_any(unknown_namespace, &ParseOptions::default());
        assert_eq!(parsed.format, Format::Pain001(String::new()));
        assert!(parsed.problems.iter().any(|p| p.field == "xmlns"), "{:?}", parsed.problems);
        assert_eq!(sniff(b"<!-- Document --><Other><CstmrCdtTrfInitn/></Other>"), Format::Unknown);
        assert_eq!(sniff(b"<DocumentX><BkToCstmrStmt/></DocumentX>"), Format::Unknown);
    }
}
