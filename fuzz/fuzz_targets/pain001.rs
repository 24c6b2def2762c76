//! Fuzz target: the pain001 XML parser on arbitrary bytes, hostile XML included. It must never
//! panic, hang or allocate without bound, and a file it accepts must be consistent.
#![no_main]

use alcancia::formats::{pain001, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = pain001::parse(data, &ParseOptions::default());
    alcancia_fuzz::accepted_is_consistent(&parsed);
});
