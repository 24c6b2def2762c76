//! From raw bytes to UTF-8 text that holds nothing hostile, as a stream: [`open`] decides the
//! encoding from the first bytes, [`Decoded`] transcodes as it reads and [`Guard`] refuses DTDs
//! and overlong runs at the byte where they start, before quick-xml buffers them.

use super::{XmlCursor, MAX_RUN, MAX_TEXT};
use crate::formats::Problem;
use encoding_rs::{Encoding, UTF_8};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use std::io::{self, BufRead, Chain, Cursor, Read};

/// Raw bytes read ahead before parsing: enough for the BOM, the XML declaration and the root
/// element's namespace (the same prefix `detect::sniff` looks at).
pub const HEAD_LEN: usize = 4096;

/// The UTF-8 text of a file, guarded.
pub type GuardedText<R> = Guard<Decoded<R>>;

/// An opened XML file.
pub struct XmlFile<R: Read> {
    /// The first [`HEAD_LEN`] raw bytes (all of a shorter file), to sniff the version from.
    pub head: Vec<u8>,
    /// A walk over the document, or why it cannot start (unreadable file, refused encoding).
    pub cursor: Result<XmlCursor<GuardedText<R>>, Problem>,
}

/// Opens a file for a walk; elements named in `repeatable` get `[n]` in paths.
///
/// The encoding comes from a BOM or the `encoding` of the XML declaration (SPEC §7: "XML follows
/// its own declaration"); without either it is UTF-8.
pub fn open<R: Read>(mut raw: R, repeatable: &'static [&'static str]) -> XmlFile<R> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    if let Err(error) = (&mut raw).take(HEAD_LEN as u64).read_to_end(&mut head) {
        return XmlFile { head, cursor: Err(unreadable(&error)) };
    }
    let cursor = match Encoding::for_bom(&head) {
        Some((encoding, bom_len)) => Ok((encoding, bom_len)),
        None => declared_encoding(&head).map(|encoding| (encoding, 0)),
    }
    .map(|(encoding, bom_len)| {
        let decoded = if encoding == UTF_8 {
            let body = head.get(bom_len..).unwrap_or_default().to_vec();
            Decoded::Utf8(Cursor::new(body).chain(raw))
        } else {
            // The decoder removes the BOM it was chosen by (and only that one), as decoding the
            // body after the BOM without BOM handling would.
            let all = Cursor::new(head.clone()).chain(raw);
            Decoded::Other(DecodeReaderBytesBuilder::new().encoding(Some(encoding)).build(all))
        };
        XmlCursor::new(Guard::new(decoded), repeatable)
    });
    XmlFile { head, cursor }
}

/// A reading failure that is not about the content.
pub(super) fn unreadable(error: &io::Error) -> Problem {
    Problem::in_file("", format!("the file could not be read: {error}"))
}

/// The encoding named by `<?xml … encoding="…"?>`, UTF-8 when absent.
fn declared_encoding(bytes: &[u8]) -> Result<&'static Encoding, Problem> {
    let head = bytes.get(..bytes.len().min(200)).unwrap_or_default();
    if !head.starts_with(b"<?xml") {
        return Ok(UTF_8);
    }
    let end = head.windows(2).position(|w| w == b"?>").unwrap_or(head.len());
    let decl = String::from_utf8_lossy(head.get(..end).unwrap_or_default()).into_owned();
    let Some(at) = decl.find("encoding") else { return Ok(UTF_8) };
    let rest = decl.get(at + "encoding".len()..).unwrap_or_default().trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim_start();
    let label: String = rest.chars().skip(1).take_while(|c| *c != '"' && *c != '\'').collect();
    Encoding::for_label(label.trim().as_bytes())
        .filter(|e| *e != encoding_rs::UTF_16LE && *e != encoding_rs::UTF_16BE)
        .ok_or_else(|| Problem::in_file("encoding", format!("unsupported XML encoding {label:?}")))
}

/// A file's text as UTF-8: passed through, or transcoded as it streams.
pub enum Decoded<R: Read> {
    Utf8(Chain<Cursor<Vec<u8>>, R>),
    Other(DecodeReaderBytes<Chain<Cursor<Vec<u8>>, R>, Vec<u8>>),
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Utf8(reader) => reader.read(buf),
            Self::Other(reader) => reader.read(buf),
        }
    }
}

/// Why the guard stopped the text; carried to the cursor inside an `io::Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// `<!DOCTYPE` or `<!ENTITY`, as written in the message.
    Dtd(&'static str),
    /// More than [`MAX_TEXT`] bytes after a `>` without a `<` or another `>`.
    LongText,
    /// More than [`MAX_RUN`] bytes without a `<`.
    LongRun,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dtd(what) => {
                write!(f, "{what} is not allowed in XML input (DTDs and entities are refused)")
            }
            Self::LongText => write!(f, "text longer than {MAX_TEXT} bytes"),
            Self::LongRun => write!(f, "more than {MAX_RUN} bytes without a '<'"),
        }
    }
}

impl std::error::Error for Refusal {}

const DOCTYPE: &[u8] = b"<!DOCTYPE";
const ENTITY: &[u8] = b"<!ENTITY";
const CHUNK: usize = 8 * 1024;

/// A buffered reader that hands on text only up to the first byte it refuses (see
/// [`Refusal`]), then fails at that byte however the input was cut into reads.
pub struct Guard<R: Read> {
    inner: R,
    buf: Box<[u8]>,
    /// `buf[start..safe]` may be handed on; `buf[safe..end]` is the refused byte and what
    /// follows, or a `<` waiting for the next read to tell whether it starts a `<!DOCTYPE`.
    start: usize,
    safe: usize,
    end: usize,
    eof: bool,
    refusal: Option<Refusal>,
    /// Bytes since the last `<`.
    run: usize,
    /// Bytes since the last `>` when no `<` came after it: text, as far as this scan can tell.
    text: Option<usize>,
}

impl<R: Read> Guard<R> {
    pub(super) fn new(inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; CHUNK].into_boxed_slice(),
            start: 0,
            safe: 0,
            end: 0,
            eof: false,
            refusal: None,
            run: 0,
            // A document starts outside any markup: what comes before `<` is text.
            text: Some(0),
        }
    }

    fn refused(&self) -> io::Result<()> {
        match self.refusal {
            Some(refusal) => Err(io::Error::new(io::ErrorKind::InvalidData, refusal)),
            None => Ok(()),
        }
    }

    /// Reads until some byte may be handed on, the input ends or a byte is refused.
    fn refill(&mut self) -> io::Result<()> {
        while self.safe == self.start && !self.eof && self.refusal.is_none() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.safe -= self.start;
            self.start = 0;
            let read = self.inner.read(&mut self.buf[self.end..])?;
            self.eof = read == 0;
            self.end += read;
            self.scan();
        }
        Ok(())
    }

    fn scan(&mut self) {
        while self.safe < self.end {
            let at = self.safe;
            // Bytes other than `<` and `>` only count towards the limits: a stretch of them is
            // counted at once rather than byte by byte (most of a file is such stretches).
            let plain = plain_len(&self.buf[at..self.end]);
            if plain > 0 {
                if !self.count_plain(plain) {
                    break;
                }
                continue;
            }
            if self.buf[at] == b'<' {
                let ahead = &self.buf[at..self.end];
                // Only `<!` can start a keyword; every tag is `<` and a name or `/`.
                let markup = ahead.get(1).is_none_or(|next| *next == b'!');
                if markup && ahead.len() < DOCTYPE.len() && !self.eof && could_become_dtd(ahead) {
                    break; // Decided when the next read completes the keyword or not.
                }
                if let Some(what) = dtd_keyword(ahead).filter(|_| markup) {
                    self.refusal = Some(Refusal::Dtd(what));
                    break;
                }
                self.run = 0;
                self.text = None;
            } else {
                self.run += 1;
                self.text = Some(0);
                if self.run > MAX_RUN {
                    self.refusal = Some(Refusal::LongRun);
                    break;
                }
            }
            self.safe += 1;
        }
    }

    /// Counts the next `count` bytes, none of them `<` or `>`, as passed on; `false` when one
    /// of them goes over a limit: the bytes before it pass and the refusal is at that byte,
    /// as if they had been counted one by one.
    fn count_plain(&mut self, count: usize) -> bool {
        let text_room = self.text.map_or(usize::MAX, |text| MAX_TEXT.saturating_sub(text));
        let passing = count.min(text_room).min(MAX_RUN.saturating_sub(self.run));
        self.run += passing;
        if let Some(text) = self.text.as_mut() {
            *text += passing;
        }
        self.safe += passing;
        if passing == count {
            return true;
        }
        // The byte at `safe` is the first one over: text is checked before the run.
        let over_text = self.text.is_some_and(|text| text + 1 > MAX_TEXT);
        self.refusal = Some(if over_text { Refusal::LongText } else { Refusal::LongRun });
        false
    }
}

/// The number of bytes before the first `<` or `>` (all of them when there is none). Most
/// stretches between two marks are a few bytes (a name, an amount, indentation), shorter than
/// it takes `memchr` to set up, so the first ones are looked at one by one.
fn plain_len(bytes: &[u8]) -> usize {
    let head = bytes.len().min(32);
    let mark = |b: &u8| *b == b'<' || *b == b'>';
    match bytes.get(..head).and_then(|h| h.iter().position(mark)) {
        Some(at) => at,
        None => {
            let rest = bytes.get(head..).unwrap_or_default();
            head + memchr::memchr2(b'<', b'>', rest).unwrap_or(rest.len())
        }
    }
}

/// Whether `ahead`, shorter than the keywords, starts one of them (case-insensitive).
fn could_become_dtd(ahead: &[u8]) -> bool {
    [DOCTYPE, ENTITY].iter().any(|k| k.get(..ahead.len()).is_some_and(|p| p.eq_ignore_ascii_case(ahead)))
}

fn dtd_keyword(ahead: &[u8]) -> Option<&'static str> {
    let starts = |k: &[u8]| ahead.get(..k.len()).is_some_and(|p| p.eq_ignore_ascii_case(k));
    if starts(DOCTYPE) {
        Some("<!DOCTYPE")
    } else if starts(ENTITY) {
        Some("<!ENTITY")
    } else {
        None
    }
}

impl<R: Read> BufRead for Guard<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.safe == self.start {
            self.refused()?;
            self.refill()?;
            if self.safe == self.start {
                self.refused()?;
            }
        }
        Ok(&self.buf[self.start..self.safe])
    }

    fn consume(&mut self, amount: usize) {
        self.start = (self.start + amount).min(self.safe);
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// The refusal carried by an error the guard raised, if it was one.
pub(super) fn refusal_of(error: &io::Error) -> Option<Refusal> {
    error.get_ref().and_then(|e| e.downcast_ref::<Refusal>()).copied()
}
