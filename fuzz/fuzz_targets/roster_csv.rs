//! Fuzz target: the roster_csv parser on arbitrary bytes, decoded as the job decodes text files
//! (UTF-8, else Windows-1252). It must never panic, and a file it accepts must be consistent.
#![no_main]

use alcancia::formats::{encoding, roster_csv, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = roster_csv::parse(&encoding::decode(data), &ParseOptions::default());
    alcancia_fuzz::accepted_is_consistent(&parsed);
});
