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

use super::{Content, Format, ParseOptions, ParsedFile, Problem};

/// Parses an MT940 file: every statement it states and every problem found.
pub fn parse(text: &str, options: &ParseOptions) -> ParsedFile {
    let (messages, mut problems) = match lines::split(text) {
        lines::Split::Messages(messages, problems) => (messages, problems),
        lines::Split::NotMt940(problem) => {
            return ParsedFile { format: Format::Mt940, content: Content::Nothing, problems: vec![problem] }
        }
    };
    if messages.is_empty() {
        problems.push(Problem::in_file("", "no MT940 statement found: no message starting with :20:"));
        return ParsedFile { format: Format::Mt940, content: Content::Nothing, problems };
    }
    let statements = assemble::statements(&messages, &options.currency, &mut problems);
    // Reported in file order, whatever check found them.
    problems.sort_by_key(|p| match p.location {
        super::Location::Line(line) => line,
        _ => 0,
    });
    ParsedFile { format: Format::Mt940, content: Content::Statements(statements), problems }
}
