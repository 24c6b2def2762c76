//! (to be written)

use super::{ParseOptions, ParsedFile};

pub fn parse(_bytes: &[u8], _options: &ParseOptions) -> ParsedFile {
    todo!()
}
