//! Fuzz target: detection by content plus whichever parser it picks, as `alcancia run` and
//! `alcancia inspect` call them. It must never panic, detection must agree with the parser's
//! reported format, and a file it accepts must be consistent.
#![no_main]

use alcancia::formats::{detect, parse_any, Format, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = parse_any(data, &ParseOptions::default());
    let sniffed = detect::sniff(data);
    assert_eq!(sniffed == Format::Unknown, parsed.format == Format::Unknown);
    alcancia_fuzz::accepted_is_consistent(&parsed);
});
