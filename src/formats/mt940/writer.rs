//! Writes statements as MT940 text, one message per statement, CRLF line ends, each message
//! closed by a `-` line. The inverse of the parser for what it accepts:
//! - `:60F:` is dated the day *before* `from`, so the parser's coverage (the day after the
//!   opening date through the closing date) gives back `from..=to`;
//! - `:61:` value date = the entry's `value_date` (else its booking date), entry date = the
//!   booking date as MMDD, so the two may be at most about six months apart;
//! - marks `C`/`D`, or `RD`/`RC` for reversals (`RC` for a negative reversal), types `NINT`,
//!   `NCHG` or `NTRF`, customer reference = the referencia (at most 16 characters) or `NONREF`;
//! - `:86:` holds the description when it is not blank, one line per `\n`.
//!
//! Dates must lie in 1980–2079 (two-digit years). What cannot be written back faithfully is an
//! `InvalidInput` error rather than a file that would read differently.

use crate::domain::money::format_amount;
use crate::formats::{Entry, EntryKind, Statement};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::io::{self, Write};

/// Streams statements to `out` as MT940.
pub struct Mt940Writer<W: Write> {
    out: W,
    currency: String,
    written: u64,
}

impl<W: Write> Mt940Writer<W> {
    /// A writer stating every balance in `currency` (e.g. `PEN`).
    pub fn new(out: W, currency: &str) -> Self {
        Self { out, currency: currency.to_owned(), written: 0 }
    }

    /// Writes one statement as one message.
    pub fn statement(&mut self, st: &Statement) -> io::Result<()> {
        let opening_date = st.from.pred_opt().ok_or_else(|| invalid("no day before the statement"))?;
        check_text(&st.account, "account")?;
        self.written += 1;
        self.line(&format!(":20:ALC{:010}", self.written))?;
        self.line(&format!(":25:{}", st.account.trim()))?;
        self.line(&format!(":28C:{}/1", self.written))?;
        self.line(&format!(":60F:{}", self.balance(opening_date, st.opening)?))?;
        for entry in &st.entries {
            self.entry(entry)?;
        }
        self.line(&format!(":62F:{}", self.balance(st.to, st.closing)?))?;
        self.line("-")
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    fn line(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())?;
        self.out.write_all(b"\r\n")
    }

    fn balance(&self, date: NaiveDate, amount: Decimal) -> io::Result<String> {
        let mark = if amount.is_sign_negative() && !amount.is_zero() { 'D' } else { 'C' };
        Ok(format!("{mark}{}{}{}", yymmdd(date)?, self.currency, mt940_amount(amount)))
    }

    fn entry(&mut self, entry: &Entry) -> io::Result<()> {
        let value_date = entry.value_date.unwrap_or(entry.booking_date);
        let negative = entry.amount.is_sign_negative() && !entry.amount.is_zero();
        let mark = match (entry.reversal, negative) {
            (false, false) => "C",
            (false, true) => "D",
            (true, true) => "RC",
            (true, false) => "RD",
        };
        let kind = match entry.kind {
            EntryKind::Interest => "NINT",
            EntryKind::Charge => "NCHG",
            EntryKind::Ordinary => "NTRF",
        };
        let reference = entry.referencia.as_deref().unwrap_or("NONREF");
        check_text(reference, "referencia")?;
        if reference.contains("//") {
            return Err(invalid("a referencia may not contain //"));
        }
        // SWIFT's customer reference is 16x: a longer one is not a standard file any more.
        if reference.chars().count() > 16 {
            return Err(invalid("an MT940 customer reference is at most 16 characters"));
        }
        let booking = entry.booking_date.format("%m%d");
        let amount = mt940_amount(entry.amount);
        self.line(&format!(":61:{}{booking}{mark}{amount}{kind}{reference}", yymmdd(value_date)?))?;
        self.description(&entry.description)
    }

    fn description(&mut self, text: &str) -> io::Result<()> {
        if text.trim().is_empty() {
            return Ok(());
        }
        for (index, line) in text.split('\n').enumerate() {
            let line = line.trim_end();
            let unreadable =
                line.is_empty() || line.starts_with([':', '{']) || line == "-" || line.starts_with("-}");
            if unreadable && index > 0 {
                return Err(invalid("a description line may not be blank or look like a tag or separator"));
            }
            let prefix = if index == 0 { ":86:" } else { "" };
            self.line(&format!("{prefix}{line}"))?;
        }
        Ok(())
    }
}

fn invalid(reason: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, reason.to_owned())
}

fn check_text(text: &str, what: &str) -> io::Result<()> {
    if text.trim().is_empty() || text.contains(['\n', '\r']) {
        return Err(invalid(&format!("{what} must be one non-blank line")));
    }
    Ok(())
}

fn yymmdd(date: NaiveDate) -> io::Result<String> {
    use chrono::Datelike;
    if !(1980..=2079).contains(&date.year()) {
        return Err(invalid("MT940 dates must lie in 1980–2079"));
    }
    Ok(date.format("%y%m%d").to_string())
}

/// Unsigned, comma decimal: `-12.5` → `12,50`.
fn mt940_amount(amount: Decimal) -> String {
    format_amount(amount.abs()).replace('.', ",")
}
