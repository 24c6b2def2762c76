//! Interim streaming entry points over the whole-file parsers, until each parser streams.

use super::stream::{Outcome, Record, Sink};
use super::{Content, ParseOptions, ParsedFile};
use std::io::BufRead;

fn whole<R: BufRead>(mut reader: R) -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = reader.read_to_end(&mut bytes);
    bytes
}

fn feed(parsed: ParsedFile, sink: &mut dyn Sink) -> Outcome {
    match parsed.content {
        Content::Roster(r) => r.rows.into_iter().for_each(|row| sink.put(Record::RosterRow(row))),
        Content::Payments(b) => {
            b.into_iter().flat_map(|b| b.instructions).for_each(|i| sink.put(Record::Instruction(i)))
        }
        Content::Statements(s) => s.into_iter().for_each(|s| sink.put(Record::Statement(s))),
        Content::Nothing => {}
    }
    Outcome { format: parsed.format, problems: parsed.problems }
}

#[allow(unused_macros)]
macro_rules! interim_bytes {
    ($module:ident) => {
        pub mod $module {
            use super::*;
            pub fn parse_reader<R: BufRead>(
                reader: R,
                options: &ParseOptions,
                sink: &mut dyn Sink,
            ) -> Outcome {
                feed(crate::formats::$module::parse(&whole(reader), options), sink)
            }
        }
    };
}

macro_rules! interim_text {
    ($module:ident) => {
        pub mod $module {
            use super::*;
            pub fn parse_reader<R: BufRead>(
                reader: R,
                options: &ParseOptions,
                sink: &mut dyn Sink,
            ) -> Outcome {
                let bytes = whole(reader);
                feed(crate::formats::$module::parse(&String::from_utf8_lossy(&bytes), options), sink)
            }
        }
    };
}

interim_text!(mt940);
interim_text!(roster_csv);
interim_text!(payments_csv);
interim_text!(statement_csv);
