//! Writing a streamed file: the messages a parser thread sends to the store, and the
//! bookkeeping both backends share while they write a file's records into its transaction.
//!
//! The parser runs on a blocking thread and sends [`Message`]s through a bounded channel
//! ([`file_stream`]); the store receives them on the async side and writes each chunk as it
//! comes. The channel's bound is what keeps memory flat: a parser faster than the database
//! waits. The parser's [`Outcome`] comes last and decides: a file with problems is rolled back.

use crate::domain::money::to_cents;
use crate::domain::Period;
use crate::formats::stream::{Outcome, Record, Sink};
use crate::formats::{Format, Instruction, Problem};
use chrono::{Days, NaiveDate};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Display;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Records per message: large enough to amortise the channel, small enough to stay flat.
const RECORDS_PER_MESSAGE: usize = 256;
/// Messages in flight between the parser and the store.
const MESSAGES_IN_FLIGHT: usize = 4;

/// What a parser thread tells the store, in this order: `Start`, any `Records`, `End`.
#[derive(Debug)]
pub enum Message {
    Start(Format),
    Records(Vec<Record>),
    End(Outcome),
}

/// The receiving end, read by [`super::Store::store_stream`].
pub struct FileStream {
    rx: mpsc::Receiver<Message>,
    /// When the stream was made, and how long its reader waited for the parser since.
    created: Instant,
    waited: Duration,
}

impl FileStream {
    pub async fn next(&mut self) -> Option<Message> {
        let started = Instant::now();
        let message = self.rx.recv().await;
        self.waited += started.elapsed();
        message
    }

    /// [`Self::next`] for a store that writes on a blocking thread.
    pub fn blocking_next(&mut self) -> Option<Message> {
        let started = Instant::now();
        let message = self.rx.blocking_recv();
        self.waited += started.elapsed();
        message
    }

    /// How long the store was busy: the stream's life less its waits for the parser.
    pub fn busy(&self) -> Duration {
        self.created.elapsed().saturating_sub(self.waited)
    }

    /// A stream of a file already parsed in memory (tests and small callers).
    pub fn of_messages(messages: Vec<Message>) -> Self {
        let (tx, rx) = mpsc::channel(messages.len().max(1));
        for message in messages {
            // Cannot fail: the channel holds every message and the receiver is alive.
            let _ = tx.try_send(message);
        }
        Self { rx, created: Instant::now(), waited: Duration::ZERO }
    }
}

/// The parser thread's end: a [`Sink`] that sends records in chunks. Blocking: call it from
/// a blocking thread (`tokio::task::spawn_blocking`), never from async code.
pub struct FileSender {
    tx: mpsc::Sender<Message>,
    pending: Vec<Record>,
    /// The store stopped listening (it failed): the rest of the file is read and dropped.
    closed: bool,
    /// How long the parser waited for the store (a full channel).
    waited: Duration,
}

/// A bounded channel from a parser thread to the store.
pub fn file_stream() -> (FileSender, FileStream) {
    let (tx, rx) = mpsc::channel(MESSAGES_IN_FLIGHT);
    let sender = FileSender {
        tx,
        pending: Vec::with_capacity(RECORDS_PER_MESSAGE),
        closed: false,
        waited: Duration::ZERO,
    };
    (sender, FileStream { rx, created: Instant::now(), waited: Duration::ZERO })
}

impl FileSender {
    fn send(&mut self, message: Message) {
        let started = Instant::now();
        if !self.closed && self.tx.blocking_send(message).is_err() {
            self.closed = true;
        }
        self.waited += started.elapsed();
    }

    /// How long the parser waited for the store so far.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(RECORDS_PER_MESSAGE));
            self.send(Message::Records(chunk));
        }
    }

    /// Sends what is pending and the parser's outcome.
    pub fn end(mut self, outcome: Outcome) {
        self.flush();
        self.send(Message::End(outcome));
    }
}

impl Sink for FileSender {
    fn begin(&mut self, format: &Format) {
        self.send(Message::Start(format.clone()));
    }

    fn put(&mut self, record: Record) {
        if self.closed {
            return;
        }
        self.pending.push(record);
        if self.pending.len() >= RECORDS_PER_MESSAGE {
            self.flush();
        }
    }
}

/// Rows a record counts for in the run's figures: a roster row or an instruction is one, a
/// statement counts its entries.
pub fn record_rows(record: &Record) -> u64 {
    match record {
        Record::RosterRow(_) | Record::Instruction(_) => 1,
        Record::Statement(statement) => statement.entries.len() as u64,
    }
}

/// The earliest period whose window (with the grace days) a date of a statement falls in.
pub fn touched_period(date: NaiveDate, grace_days: u32) -> Period {
    Period::of_date(date.checked_sub_days(Days::new(u64::from(grace_days))).unwrap_or(date))
}

/// The smaller of two optional periods.
pub fn earlier(current: Option<Period>, candidate: Period) -> Option<Period> {
    Some(current.map_or(candidate, |c| c.min(candidate)))
}

/// A hash of a batch's instructions that does not depend on their order and is built one
/// instruction at a time: the sum, modulo 2²⁵⁶, of the SHA-256 of each instruction's line.
/// Referencias are unique in a batch, so no line repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContentHash {
    /// Little-endian 64-bit limbs.
    limbs: [u64; 4],
}

impl ContentHash {
    pub fn add(&mut self, instruction: &Instruction) {
        let line = format!(
            "{}|{}|{}|{}|{}",
            instruction.periodo,
            instruction.dni,
            instruction.cuenta,
            to_cents(instruction.monto),
            instruction.referencia
        );
        let digest = Sha256::digest(line.as_bytes());
        let mut carry = false;
        for (limb, bytes) in self.limbs.iter_mut().zip(digest.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            let (sum, overflow_a) = limb.overflowing_add(u64::from_le_bytes(word));
            let (sum, overflow_b) = sum.overflowing_add(u64::from(carry));
            *limb = sum;
            carry = overflow_a || overflow_b;
        }
    }

    pub fn hex(&self) -> String {
        self.limbs.iter().map(|l| format!("{l:016x}")).rev().collect()
    }
}

/// A statement of the file that overlaps a stored one of the same account (either backend).
/// What a statement file's statements span: the least and greatest first day, the last day
/// covered, the least and greatest account (compared byte by byte, as both databases compare
/// them). Kept per file in `file_spans`, by which the overlap check finds the stored files a new
/// one can overlap: a statement lies inside its file's bounds.
#[derive(Debug, Default)]
pub struct StatementBounds {
    pub first_days: Option<(NaiveDate, NaiveDate)>,
    pub last_day: Option<NaiveDate>,
    pub accounts: Option<(String, String)>,
}

impl StatementBounds {
    pub fn widen(&mut self, account: &str, from: NaiveDate, to: NaiveDate) {
        self.first_days = Some(
            self.first_days.map_or((from, from), |(least, greatest)| (least.min(from), greatest.max(from))),
        );
        self.last_day = self.last_day.max(Some(to));
        // The texts are rewritten in place: no allocation per statement.
        match &mut self.accounts {
            None => self.accounts = Some((account.to_owned(), account.to_owned())),
            Some((least, greatest)) => {
                if account < least.as_str() {
                    account.clone_into(least);
                } else if account > greatest.as_str() {
                    account.clone_into(greatest);
                }
            }
        }
    }

    /// The first day of the earliest statement, the last day of the latest, the least and the
    /// greatest account; `None` for a file without statements.
    pub fn meeting(&self) -> Option<(NaiveDate, NaiveDate, &str, &str)> {
        let ((from_min, _), to_max, (account_min, account_max)) =
            (self.first_days?, self.last_day?, self.accounts.as_ref()?);
        Some((from_min, to_max, account_min, account_max))
    }
}

pub fn overlap_problem(
    account: &str,
    from: &dyn Display,
    to: &dyn Display,
    stored: (&dyn Display, &dyn Display),
    file: &str,
) -> Problem {
    Problem::in_file(
        "account",
        format!(
            "statement of account {account} from {from} to {to} overlaps the stored statement from {} to {} (file {file})",
            stored.0, stored.1
        ),
    )
}

/// An instruction whose `referencia` another file's lote already uses (`lote`: which one, when
/// the database could tell).
pub fn reused_referencia_problem(instruction: &Instruction, lote: Option<&str>) -> Problem {
    Problem::in_file(
        "referencia",
        match lote {
            Some(lote) => format!(
                "referencia {} of lote {} is already used by lote {lote}",
                instruction.referencia, instruction.lote
            ),
            None => "a referencia is already used by a stored instruction".to_owned(),
        },
    )
}

/// The content hash a new lote's row holds until the end of its file, when its instructions
/// hash is known (the file's transaction hides it meanwhile).
pub const PENDING_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a file's writer knows of one `lote` while the file streams.
#[derive(Debug)]
pub struct LoteState {
    /// The content hash stored for this lote by an earlier file; `None`: the lote is new and
    /// this file's instructions of it are being inserted.
    pub stored_hash: Option<String>,
    pub hash: ContentHash,
    pub earliest: Option<Period>,
}

/// The lotes of a payments file in order of first appearance.
#[derive(Debug, Default)]
pub struct Lotes {
    pub states: HashMap<String, LoteState>,
    pub order: Vec<String>,
}

impl Lotes {
    /// After the last instruction: conflicts with stored lotes, whether anything new was
    /// stored, and the earliest period touched by what was.
    pub fn settle(&self) -> (Vec<Problem>, bool, Option<Period>) {
        let mut problems = Vec::new();
        let mut stored_any = false;
        let mut earliest = None;
        for lote in &self.order {
            let state = &self.states[lote];
            match &state.stored_hash {
                None => {
                    stored_any = true;
                    if let Some(p) = state.earliest {
                        earliest = earlier(earliest, p);
                    }
                }
                Some(stored) if *stored == state.hash.hex() => {}
                Some(_) => problems.push(Problem::in_file(
                    "lote",
                    format!("lote {lote} was already received with other content (conflict)"),
                )),
            }
        }
        (problems, stored_any, earliest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_bounds_hold_each_of_its_statements() {
        let day = |d| NaiveDate::from_ymd_opt(2012, 7, d).unwrap();
        let mut bounds = StatementBounds::default();
        assert_eq!(bounds.meeting(), None);
        bounds.widen("0181", day(10), day(12));
        bounds.widen("0180", day(3), day(4));
        bounds.widen("0182", day(11), day(11));
        bounds.widen("01811", day(20), day(31));
        assert_eq!(bounds.meeting(), Some((day(3), day(31), "0180", "0182")));
        assert_eq!(bounds.first_days, Some((day(3), day(20))));
    }
    use crate::domain::{Cci, Dni};
    use rust_decimal::Decimal;

    fn instruction(referencia: &str, monto: i64) -> Instruction {
        Instruction {
            lote: "L1".into(),
            periodo: Period::parse("2012-07").unwrap(),
            dni: Dni::parse("12345678").unwrap(),
            cuenta: Cci::parse("01800000400588058608").unwrap(),
            monto: Decimal::new(monto, 2),
            referencia: referencia.into(),
        }
    }

    fn roster_row(n: usize) -> Record {
        let bytes = format!(
            "periodo,dni,nombres,apellido_paterno,apellido_materno,ubigeo,departamento,provincia,distrito,grupo,estado,cuenta,monto,agencia,distancia_km\n\
             2012-07,{:08},A,B,C,050101,D,P,X,PILOTO,ACTIVO,01800000400588058608,100.00,,\n",
            n
        );
        match crate::formats::parse_any(bytes.as_bytes(), &Default::default()).content {
            crate::formats::Content::Roster(mut r) => Record::RosterRow(r.rows.remove(0)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_parser_ahead_of_the_store_waits_with_a_bounded_number_of_records_in_flight() {
        let (mut sender, mut stream) = file_stream();
        let row = roster_row(1);
        let total = 100 * RECORDS_PER_MESSAGE;
        let parser = std::thread::spawn(move || {
            sender.begin(&Format::RosterCsv);
            for _ in 0..total {
                sender.put(row.clone());
            }
            sender.end(Outcome { format: Format::RosterCsv, problems: Vec::new() });
        });
        // Wait (without timing anything) until the channel is full, then check it stays so:
        // the parser is blocked, not buffering the file.
        for _ in 0..3000 {
            if stream.rx.len() == MESSAGES_IN_FLIGHT {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert_eq!(stream.rx.len(), MESSAGES_IN_FLIGHT);
        assert!(!parser.is_finished());
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (mut records, mut ended) = (0, false);
        runtime.block_on(async {
            assert!(matches!(stream.next().await, Some(Message::Start(Format::RosterCsv))));
            while let Some(message) = stream.next().await {
                match message {
                    Message::Records(chunk) => records += chunk.len(),
                    Message::End(outcome) => ended = outcome.is_valid(),
                    Message::Start(_) => panic!("a second start"),
                }
            }
        });
        parser.join().unwrap();
        assert_eq!((records, ended), (total, true));
    }

    #[test]
    fn a_store_that_stops_listening_lets_the_parser_finish() {
        let (mut sender, stream) = file_stream();
        drop(stream);
        sender.begin(&Format::RosterCsv);
        for n in 0..10 * RECORDS_PER_MESSAGE {
            sender.put(roster_row(n % 3));
        }
        sender.end(Outcome { format: Format::RosterCsv, problems: Vec::new() });
    }

    #[test]
    fn content_hash_ignores_order_and_sees_any_change() {
        let (a, b, c) = (instruction("R1", 10000), instruction("R2", 10000), instruction("R2", 10001));
        let mut forward = ContentHash::default();
        forward.add(&a);
        forward.add(&b);
        let mut backward = ContentHash::default();
        backward.add(&b);
        backward.add(&a);
        assert_eq!(forward.hex(), backward.hex());
        assert_eq!(forward.hex().len(), 64);
        let mut changed = ContentHash::default();
        changed.add(&a);
        changed.add(&c);
        assert_ne!(forward.hex(), changed.hex());
        assert_ne!(ContentHash::default().hex(), forward.hex());
    }

    #[test]
    fn a_lote_resent_with_other_content_is_a_conflict_and_the_same_content_is_not() {
        let mut hash = ContentHash::default();
        hash.add(&instruction("R1", 10000));
        let mut lotes = Lotes::default();
        for (lote, stored) in [("SAME", Some(hash.hex())), ("OTHER", Some("00".into())), ("NEW", None)] {
            lotes.order.push(lote.into());
            lotes.states.insert(
                lote.into(),
                LoteState {
                    stored_hash: stored,
                    hash: hash.clone(),
                    earliest: Period::parse("2012-07").ok(),
                },
            );
        }
        let (problems, stored_any, earliest) = lotes.settle();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].reason.contains("lote OTHER"), "{problems:?}");
        assert!(stored_any);
        assert_eq!(earliest, Period::parse("2012-07").ok());
    }
}
