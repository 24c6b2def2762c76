//! Text encoding of CSV and MT940 inputs (SPEC §1): UTF-8, with an optional BOM that is
//! ignored; a file that is not valid UTF-8 is read as Windows-1252.

use std::borrow::Cow;
use std::io::Read;

/// Decodes bytes to text by the rule above. Never fails: Windows-1252 maps every byte.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Cow::Borrowed(text),
        // Without BOM handling: `Encoding::decode` would sniff a UTF-16 BOM and read a
        // Windows-1252 file that starts with "ÿþ" as UTF-16.
        Err(_) => Cow::Owned(encoding_rs::WINDOWS_1252.decode_without_bom_handling(body).0.into_owned()),
    }
}

/// Whether the bytes were read as Windows-1252 (reported by `inspect`).
pub fn is_windows_1252(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(body).is_err()
}

/// The encoding of a CSV or MT940 file, decided over the whole file (see the module doc)
/// before it is parsed, so the parse itself can stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Windows1252,
}

impl TextEncoding {
    /// The encoding of bytes held in memory.
    pub fn of(bytes: &[u8]) -> Self {
        if is_windows_1252(bytes) {
            Self::Windows1252
        } else {
            Self::Utf8
        }
    }
}

/// Decides [`TextEncoding`] over a file read in chunks of any size (while it is hashed and
/// archived): UTF-8 unless some chunk is not, a sequence cut by a chunk boundary included.
#[derive(Debug, Default)]
pub struct Utf8Check {
    /// The start of a sequence cut by the end of the last chunk (at most 3 bytes).
    carry: Vec<u8>,
    invalid: bool,
}

impl Utf8Check {
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.invalid {
            return;
        }
        if self.carry.is_empty() {
            self.check(chunk);
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(chunk);
            self.check(&joined);
        }
    }

    fn check(&mut self, chunk: &[u8]) {
        match std::str::from_utf8(chunk) {
            Ok(_) => {}
            Err(error) if error.error_len().is_none() && chunk.len() - error.valid_up_to() < 4 => {
                self.carry = chunk[error.valid_up_to()..].to_vec();
            }
            Err(_) => self.invalid = true,
        }
    }

    /// The encoding of everything fed (a BOM is valid UTF-8 and changes nothing).
    pub fn finish(self) -> TextEncoding {
        if self.invalid || !self.carry.is_empty() {
            TextEncoding::Windows1252
        } else {
            TextEncoding::Utf8
        }
    }
}

/// A [`Utf8Check`] is fed by writing to it: `std::io::copy(&mut file, &mut check)` decides a
/// file's encoding without a read loop of its own.
impl std::io::Write for Utf8Check {
    fn write(&mut self, chunk: &[u8]) -> std::io::Result<usize> {
        self.feed(chunk);
        Ok(chunk.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A reader of UTF-8 text over the raw bytes of a file in `encoding`: a leading UTF-8 BOM is
/// dropped, Windows-1252 is transcoded as it streams.
pub fn decoding_reader<'r, R: Read + 'r>(
    mut reader: R,
    encoding: TextEncoding,
) -> std::io::Result<Box<dyn Read + 'r>> {
    let mut head = Vec::with_capacity(3);
    (&mut reader).take(3).read_to_end(&mut head)?;
    let head = if head.starts_with(b"\xEF\xBB\xBF") { Vec::new() } else { head };
    let raw = std::io::Cursor::new(head).chain(reader);
    Ok(match encoding {
        TextEncoding::Utf8 => Box::new(raw),
        TextEncoding::Windows1252 => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::WINDOWS_1252))
                .bom_sniffing(false)
                .build(raw),
        ),
    })
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
        // "ÿþ" and "þÿ" look like UTF-16 BOMs; in Windows-1252 they are letters.
        assert_eq!(decode(b"\xFF\xFEdni"), "ÿþdni");
        assert_eq!(decode(b"\xFE\xFF"), "þÿ");
    }

    fn streamed(bytes: &[u8], chunk: usize) -> TextEncoding {
        let mut check = Utf8Check::default();
        bytes.chunks(chunk.max(1)).for_each(|c| check.feed(c));
        check.finish()
    }

    fn decoded(bytes: &[u8]) -> String {
        let mut out = String::new();
        decoding_reader(bytes, TextEncoding::of(bytes)).unwrap().read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn streamed_check_agrees_with_the_whole_file_whatever_the_chunks() {
        for bytes in [&b"Mar\xEDa"[..], "Peña Ñuñoa".as_bytes(), b"\xEF\xBB\xBFdni", b"", b"ab\xC3"] {
            for chunk in 1..6 {
                assert_eq!(streamed(bytes, chunk), TextEncoding::of(bytes), "{bytes:?} by {chunk}");
            }
        }
    }

    #[test]
    fn decoding_reader_gives_what_decode_gives() {
        for bytes in [&b"\xEF\xBB\xBFdni;x"[..], b"Mar\xEDa Pe\xF1a", "María".as_bytes(), b"", b"ab"] {
            assert_eq!(decoded(bytes), decode(bytes));
        }
    }

    proptest::proptest! {
        #[test]
        fn streamed_check_and_reader_agree_with_decode(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64), chunk in 1usize..9) {
            proptest::prop_assert_eq!(streamed(&bytes, chunk), TextEncoding::of(&bytes));
            proptest::prop_assert_eq!(decoded(&bytes), decode(&bytes).into_owned());
        }
    }
}
