//! (to be written)

use super::{ParseOptions, ParsedFile};

pub fn parse(_text: &str, _options: &ParseOptions) -> ParsedFile {
    todo!()
}
