//! SWIFT MT940 customer statements (SPEC §2.3, §7): text in (already decoded from UTF-8 or
//! Windows-1252), statements out, with every problem located by 1-based physical line, the
//! field (tag and subfield, e.g. `:61: amount`) and the reason.
//!
//! A file holds one or more messages (`:20:` … `-`, optionally inside `{1:}{2:}{4:` … `-}`
//! blocks). Each message is a page: `:25:` account, `:60F:`/`:60M:` opening, `:61:` entries
//! with their `:86:` descriptions, `:62F:`/`:62M:` closing. Pages opening with `:60M:` join the
//! earlier page of the same account that closed with `:62M:` of the same amount. Every page
//! must balance; coverage runs from the day after the opening date through the closing date
//! (or the one day when both are equal). MT942 interim reports and other message types are
//! refused with one problem. [`lines`] fixes the layout rules, [`fields`] the subfield rules
//! (years 00–79 are 20xx, 80–99 are 19xx), [`assemble`] the statement rules; [`Mt940Writer`]
//! writes statements back (fixtures, round trips).

mod assemble;
mod fields;
mod lines;
mod writer;

#[cfg(test)]
mod samples;
#[cfg(test)]
mod tests;

pub use writer::Mt940Writer;

use super::stream::{Collector, Outcome, Sink};
use super::{Format, ParseOptions, ParsedFile, Problem};
use std::io::BufRead;

#[cfg(test)]
use super::Content;

/// Parses an MT940 file: every statement it states and every problem found.
pub fn parse(text: &str, options: &ParseOptions) -> ParsedFile {
    Collector::collect(|sink| parse_reader(text.as_bytes(), options, sink))
}

/// Streams a file whose text is already UTF-8 (see `encoding::decoding_reader`), one line at
/// a time into one reused buffer: each statement goes to the sink as soon as it is complete.
/// A file that turns out not to be an MT940 statement at all is refused with that one reason.
pub fn parse_reader<R: BufRead>(reader: R, options: &ParseOptions, sink: &mut dyn Sink) -> Outcome {
    let mut problems = Vec::new();
    match read(reader, options, sink, &mut problems) {
        Ok(()) => problems.sort_by_key(|p| match p.location {
            // Reported in file order, whatever check found them.
            super::Location::Line(line) => line,
            _ => 0,
        }),
        Err(not_mt940) => {
            sink.discard();
            problems = vec![not_mt940];
        }
    }
    Outcome { format: Format::Mt940, problems }
}

/// Reads every line, hands each closed message to the assembler as a page, and ends the
/// statements at the end of the file. A line that cannot be read ends the reading with a
/// problem on it.
fn read<R: BufRead>(
    mut reader: R,
    options: &ParseOptions,
    sink: &mut dyn Sink,
    problems: &mut Vec<Problem>,
) -> Result<(), Problem> {
    let mut splitter = lines::Splitter::default();
    let mut assembler = assemble::Assembler::new(&options.currency);
    let mut buffer = Vec::new();
    let mut number = 0u64;
    loop {
        buffer.clear();
        number += 1;
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => {
                problems.push(Problem::at_line(number, "", format!("unreadable line: {error}")));
                break;
            }
        }
        let line = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
        let text = match std::str::from_utf8(line) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(line),
        };
        splitter.line(number, &text, problems)?;
        while let Some(message) = splitter.take_closed() {
            assembler.page(message, problems, sink);
        }
    }
    splitter.finish();
    while let Some(message) = splitter.take_closed() {
        assembler.page(message, problems, sink);
    }
    if assembler.pages() == 0 {
        problems.push(Problem::in_file("", "no MT940 statement found: no message starting with :20:"));
        sink.discard();
        return Ok(());
    }
    assembler.finish(problems, sink);
    Ok(())
}
