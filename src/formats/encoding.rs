//! Text encoding of CSV and MT940 inputs (SPEC §1): UTF-8, with an optional BOM that is
//! ignored; a file that is not valid UTF-8 is read as Windows-1252.

use std::borrow::Cow;

/// Decodes bytes to text by the rule above. Never fails: Windows-1252 maps every byte.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(body);
            Cow::Owned(text.into_owned())
        }
    }
}

/// Whether the bytes were read as Windows-1252 (reported by `inspect`).
pub fn is_windows_1252(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(body).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_ignored_and_cp1252_is_decoded() {
        assert_eq!(decode(b"\xEF\xBB\xBFdni"), "dni");
        assert_eq!(decode(b"Mar\xEDa Pe\xF1a"), "María Peña");
        assert_eq!(decode("María".as_bytes()), "María");
        assert!(is_windows_1252(b"Mar\xEDa"));
    }
}
