//! Readers for streaming tests: a file made up as it is read, a byte counter and a reader that
//! cuts its input into reads of chosen sizes.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// A file of `head`, then `count` pieces made by `piece(i)`, then `tail`, produced as it is
/// read: only the piece being read is in memory.
pub struct Generated<F: FnMut(usize) -> Vec<u8>> {
    pending: io::Cursor<Vec<u8>>,
    next: usize,
    count: usize,
    piece: F,
    tail: Option<Vec<u8>>,
}

impl<F: FnMut(usize) -> Vec<u8>> Generated<F> {
    pub fn new(head: &[u8], count: usize, piece: F, tail: &[u8]) -> Self {
        Self { pending: io::Cursor::new(head.to_vec()), next: 0, count, piece, tail: Some(tail.to_vec()) }
    }
}

impl<F: FnMut(usize) -> Vec<u8>> Read for Generated<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.pending.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let next = if self.next < self.count {
                self.next += 1;
                (self.piece)(self.next - 1)
            } else {
                match self.tail.take() {
                    Some(tail) => tail,
                    None => return Ok(0),
                }
            };
            self.pending = io::Cursor::new(next);
        }
    }
}

/// Counts the bytes read through it into a counter the test keeps.
pub struct Counted<R> {
    pub inner: R,
    pub count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Hands its bytes over in reads of `sizes[0]`, `sizes[1]` … bytes (cycling, 1 at least).
pub struct Chunked<'a> {
    pub bytes: &'a [u8],
    pub sizes: Vec<usize>,
    pub turn: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes.get(self.turn % self.sizes.len().max(1)).copied().unwrap_or(1).max(1);
        self.turn += 1;
        let n = size.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// A buffered reader over `bytes` cut into reads of `sizes`.
pub fn chunked(bytes: &[u8], sizes: Vec<usize>) -> io::BufReader<Chunked<'_>> {
    io::BufReader::with_capacity(16, Chunked { bytes, sizes, turn: 0 })
}
