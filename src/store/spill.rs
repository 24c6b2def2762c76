//! A period recomputed in account ranges (`store::range`) reads its instructions, window entries
//! and statements once, not once per range: each row is written to a scratch file of its range
//! as it arrives, and each range reads its own files back when its turn comes. Read range by
//! range from the database instead, every range made the server scan the whole window again:
//! 21 scans of ~55 million entries for a national month, 36–50 s each (BENCHMARKS.md).
//!
//! The files are postcard records, one after another, in the order the rows were read (so a
//! range's instructions keep the delivery order they were read in). Amounts are stored as
//! `Decimal`'s own 16 bytes, exact. They live in a temporary folder under the output folder,
//! removed when the spill is dropped; the folders a killed run left behind are removed by the
//! next one (the run lock keeps any other job from using them).

use crate::domain::Dni;
use crate::formats::EntryKind;
use crate::records::{EntryRec, InstructionRec, Seq, StatementHead, Text};
use crate::store::range::AccountRange;
use anyhow::Context as _;
use chrono::{Datelike as _, NaiveDate};
use rust_decimal::Decimal;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The prefix of the spills' temporary folders.
const FOLDER_PREFIX: &str = ".range-facts-";

/// Every range's instructions, window entries and statement heads, filed by range.
pub struct RangeSpill {
    pub instructions: InstructionSpill,
    pub entries: SpillFiles<EntryRec>,
    pub heads: SpillFiles<StatementHead>,
    /// Last, so that it is removed after the files in it are closed.
    _folder: tempfile::TempDir,
}

impl RangeSpill {
    /// An empty spill for `ranges` (as `AccountRange::split` cuts them: consecutive, the first
    /// open below, the last open above), in a new temporary folder under `parent`.
    /// `women`: the roster's size, what the instructions' keys are reserved for (about one
    /// instruction a woman).
    pub fn new(parent: &Path, ranges: &[AccountRange], women: usize) -> anyhow::Result<Self> {
        let folder = crate::scratch::folder(parent, FOLDER_PREFIX, "range facts")?;
        let uppers: Arc<[Text]> = ranges.iter().filter_map(|r| r.to.clone()).collect();
        anyhow::ensure!(uppers.len() + 1 == ranges.len(), "account ranges without a last open range");
        Ok(Self {
            instructions: InstructionSpill {
                files: SpillFiles::new(folder.path(), "instructions", &uppers, ranges.len())?,
                keys: Vec::with_capacity(women),
            },
            entries: SpillFiles::new(folder.path(), "entries", &uppers, ranges.len())?,
            heads: SpillFiles::new(folder.path(), "statements", &uppers, ranges.len())?,
            _folder: folder,
        })
    }

    /// Ends the writing: every file is flushed.
    pub fn finish_writing(&mut self) -> anyhow::Result<()> {
        self.instructions.files.finish_writing()?;
        self.entries.finish_writing()?;
        self.heads.finish_writing()
    }

    /// The rows of range `range` (its index in the ranges given to [`RangeSpill::new`]): its
    /// instructions in the order read, its entries, and its statement heads by (first day,
    /// delivery order). Its files are removed.
    pub fn take(
        &mut self,
        range: usize,
    ) -> anyhow::Result<(Vec<InstructionRec>, Vec<EntryRec>, Vec<StatementHead>)> {
        let instructions = self.instructions.files.take(range)?;
        let entries = self.entries.take(range)?;
        let mut heads = self.heads.take(range)?;
        // As the reads order them; (file, position) is unique: no ties.
        heads.sort_unstable_by_key(|h| (h.from, h.seq.file, h.seq.position));
        Ok((instructions, entries, heads))
    }
}

/// The instructions' files, and the (DNI, delivery order) of every instruction spilled: what
/// the lookups across ranges need (`reconcile::People`), gathered by the same read instead of
/// a second read of the month's instructions.
pub struct InstructionSpill {
    pub files: SpillFiles<InstructionRec>,
    keys: Vec<(u32, Seq)>,
}

impl InstructionSpill {
    /// Files an instruction under its range and keeps its key.
    pub fn put(&mut self, row: &InstructionRec) -> anyhow::Result<()> {
        self.keys.push((row.dni.number(), row.seq));
        self.files.put(row)
    }

    pub fn rows(&self) -> usize {
        self.files.rows()
    }

    /// (`Dni::number`, delivery order) of every instruction spilled, in the order read; taken
    /// once.
    pub fn take_keys(&mut self) -> Vec<(u32, Seq)> {
        std::mem::take(&mut self.keys)
    }
}

/// The files of one kind of row, one per range.
pub struct SpillFiles<T> {
    /// Each range's upper bound but the last's (which is open).
    uppers: Arc<[Text]>,
    files: Vec<RangeFile>,
    /// One row's encoding, reused.
    buffer: Vec<u8>,
    _rows: PhantomData<fn() -> T>,
}

struct RangeFile {
    path: PathBuf,
    /// `None` once the writing is finished.
    out: Option<BufWriter<File>>,
    rows: usize,
}

impl<T: Spilled> SpillFiles<T> {
    fn new(folder: &Path, kind: &str, uppers: &Arc<[Text]>, ranges: usize) -> anyhow::Result<Self> {
        let files = (0..ranges)
            .map(|i| {
                let path = folder.join(format!("{kind}-{i:04}.bin"));
                let file =
                    File::create(&path).with_context(|| format!("Failed to create {}", path.display()))?;
                Ok(RangeFile { path, out: Some(BufWriter::with_capacity(1 << 16, file)), rows: 0 })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { uppers: Arc::clone(uppers), files, buffer: Vec::with_capacity(256), _rows: PhantomData })
    }

    /// Files `row` under the range of its account.
    pub fn put(&mut self, row: &T) -> anyhow::Result<()> {
        // Ranges hold accounts from their lower bound (included) to their upper (excluded): a
        // row's range is the number of upper bounds at or below its account.
        let range = self.uppers.partition_point(|upper| upper.as_str() <= row.account());
        let file = &mut self.files[range];
        let out = file.out.as_mut().context("a row spilled after the writing was finished")?;
        self.buffer.clear();
        row.encode(&mut self.buffer)?;
        out.write_all(&self.buffer).with_context(|| format!("Failed to write {}", file.path.display()))?;
        file.rows += 1;
        Ok(())
    }

    /// Rows filed so far, over every range.
    pub fn rows(&self) -> usize {
        self.files.iter().map(|f| f.rows).sum()
    }

    fn finish_writing(&mut self) -> anyhow::Result<()> {
        for file in &mut self.files {
            if let Some(mut out) = file.out.take() {
                // Scratch: a crash discards it (the recompute starts over), so no fsync.
                out.flush().with_context(|| format!("Failed to write {}", file.path.display()))?;
            }
        }
        Ok(())
    }

    fn take(&mut self, range: usize) -> anyhow::Result<Vec<T>> {
        let file = self.files.get(range).context("no such account range")?;
        anyhow::ensure!(file.out.is_none(), "a range read before its spill was finished");
        let bytes =
            std::fs::read(&file.path).with_context(|| format!("Failed to read {}", file.path.display()))?;
        let mut rows = Vec::with_capacity(file.rows);
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let (row, after) =
                T::decode(rest).with_context(|| format!("a damaged row in {}", file.path.display()))?;
            rows.push(row);
            rest = after;
        }
        anyhow::ensure!(
            rows.len() == file.rows,
            "{} holds {} rows, {} were written",
            file.path.display(),
            rows.len(),
            file.rows
        );
        drop(bytes);
        std::fs::remove_file(&file.path)
            .with_context(|| format!("Failed to remove {}", file.path.display()))?;
        Ok(rows)
    }
}

/// A row that can be spilled: its account, and its encoding.
pub trait Spilled: Sized {
    fn account(&self) -> &str;
    fn encode(&self, out: &mut Vec<u8>) -> anyhow::Result<()>;
    /// One row from the start of `bytes`, and the bytes after it.
    fn decode(bytes: &[u8]) -> anyhow::Result<(Self, &[u8])>;
}

fn day(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

fn date(days: i32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days).with_context(|| format!("day {days} is out of range"))
}

fn encode_into(out: &mut Vec<u8>, wire: &impl serde::Serialize) -> anyhow::Result<()> {
    postcard::to_io(wire, out)?;
    Ok(())
}

type InstructionWire<'a> = (i64, &'a str, &'a str, &'a str, [u8; 16], &'a str, i64, i64);

impl Spilled for InstructionRec {
    fn account(&self) -> &str {
        &self.cuenta
    }

    fn encode(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
        let wire: InstructionWire<'_> = (
            self.id,
            &self.lote,
            self.dni.as_str(),
            &self.cuenta,
            self.monto.serialize(),
            &self.referencia,
            self.seq.file,
            self.seq.position,
        );
        encode_into(out, &wire)
    }

    fn decode(bytes: &[u8]) -> anyhow::Result<(Self, &[u8])> {
        let ((id, lote, dni, cuenta, monto, referencia, file, position), rest) =
            postcard::take_from_bytes::<InstructionWire<'_>>(bytes)?;
        let row = Self {
            id,
            lote: lote.into(),
            dni: Dni::parse(dni).map_err(|e| anyhow::anyhow!("instruction {id}: {e}"))?,
            cuenta: cuenta.into(),
            monto: Decimal::deserialize(monto),
            referencia: referencia.into(),
            seq: Seq { file, position },
        };
        Ok((row, rest))
    }
}

type EntryWire<'a> = (i64, &'a str, i32, [u8; 16], bool, Option<&'a str>, &'a str, i64, i64, i64, i32);

impl Spilled for EntryRec {
    fn account(&self) -> &str {
        &self.account
    }

    fn encode(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
        let wire: EntryWire<'_> = (
            self.id,
            &self.account,
            day(self.booking_date),
            self.amount.serialize(),
            self.reversal,
            self.referencia.as_deref(),
            self.kind.code(),
            self.seq.file,
            self.seq.position,
            self.statement_id,
            day(self.statement_from),
        );
        encode_into(out, &wire)
    }

    fn decode(bytes: &[u8]) -> anyhow::Result<(Self, &[u8])> {
        let (
            (id, account, booking, amount, reversal, referencia, kind, file, position, statement_id, from),
            rest,
        ) = postcard::take_from_bytes::<EntryWire<'_>>(bytes)?;
        let row = Self {
            id,
            account: account.into(),
            booking_date: date(booking)?,
            amount: Decimal::deserialize(amount),
            reversal,
            referencia: referencia.map(Into::into),
            kind: EntryKind::from_code(kind),
            seq: Seq { file, position },
            statement_id,
            statement_from: date(from)?,
        };
        Ok((row, rest))
    }
}

type HeadWire<'a> = (i64, &'a str, i32, i32, [u8; 16], [u8; 16], i64, i64);

impl Spilled for StatementHead {
    fn account(&self) -> &str {
        &self.account
    }

    fn encode(&self, out: &mut Vec<u8>) -> anyhow::Result<()> {
        let wire: HeadWire<'_> = (
            self.id,
            &self.account,
            day(self.from),
            day(self.to),
            self.opening.serialize(),
            self.closing.serialize(),
            self.seq.file,
            self.seq.position,
        );
        encode_into(out, &wire)
    }

    fn decode(bytes: &[u8]) -> anyhow::Result<(Self, &[u8])> {
        let ((id, account, from, to, opening, closing, file, position), rest) =
            postcard::take_from_bytes::<HeadWire<'_>>(bytes)?;
        let row = Self {
            id,
            account: account.into(),
            from: date(from)?,
            to: date(to)?,
            opening: Decimal::deserialize(opening),
            closing: Decimal::deserialize(closing),
            seq: Seq { file, position },
        };
        Ok((row, rest))
    }
}

#[cfg(test)]
mod tests;
