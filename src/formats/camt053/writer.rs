//! Writes statements as camt.053.001.02, one `Stmt` at a time (for the fixtures generator and
//! round-trip tests). Whatever it writes, [`super::parse`] reads back to the same values.

use crate::domain::money::format_amount;
use crate::formats::{Entry, EntryKind, Statement};
use chrono::NaiveDateTime;
use quick_xml::escape::escape;
use rust_decimal::Decimal;
use std::io::{self, Write};

const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02";

/// A streaming camt.053.001.02 writer: header on [`Camt053Writer::new`], one `Stmt` per
/// [`Camt053Writer::statement`], closing tags on [`Camt053Writer::finish`].
pub struct Camt053Writer<W: Write> {
    out: W,
    message_id: String,
    created: NaiveDateTime,
    currency: String,
    count: usize,
}

impl<W: Write> Camt053Writer<W> {
    /// Writes the XML declaration and the group header.
    pub fn new(mut out: W, message_id: &str, created: NaiveDateTime, currency: &str) -> io::Result<Self> {
        write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"{NAMESPACE}\">\n  <BkToCstmrStmt>\n    \
             <GrpHdr>\n      <MsgId>{}</MsgId>\n      <CreDtTm>{}</CreDtTm>\n    </GrpHdr>\n",
            escape(message_id),
            created.format("%Y-%m-%dT%H:%M:%S")
        )?;
        Ok(Self { out, message_id: message_id.to_owned(), created, currency: currency.to_owned(), count: 0 })
    }

    /// Writes one `Stmt`: `FrToDt` from..to, `OPBD` dated `from`, `CLBD` dated `to`, the entries
    /// as booked.
    pub fn statement(&mut self, st: &Statement) -> io::Result<()> {
        self.count += 1;
        let created = self.created.format("%Y-%m-%dT%H:%M:%S");
        write!(
            self.out,
            "    <Stmt>\n      <Id>{}-{}</Id>\n      <CreDtTm>{created}</CreDtTm>\n      <FrToDt>\n        \
             <FrDtTm>{}T00:00:00</FrDtTm>\n        <ToDtTm>{}T23:59:59</ToDtTm>\n      </FrToDt>\n      \
             <Acct>\n        <Id>\n          <Othr>\n            <Id>{}</Id>\n          </Othr>\n        \
             </Id>\n      </Acct>\n",
            escape(&self.message_id),
            self.count,
            st.from,
            st.to,
            escape(&st.account)
        )?;
        self.balance("OPBD", st.opening, st.from)?;
        self.balance("CLBD", st.closing, st.to)?;
        for entry in &st.entries {
            self.entry(entry)?;
        }
        self.out.write_all(b"    </Stmt>\n")
    }

    fn balance(&mut self, code: &str, amount: Decimal, date: chrono::NaiveDate) -> io::Result<()> {
        write!(
            self.out,
            "      <Bal>\n        <Tp>\n          <CdOrPrtry>\n            <Cd>{code}</Cd>\n          \
             </CdOrPrtry>\n        </Tp>\n        <Amt Ccy=\"{}\">{}</Amt>\n        <CdtDbtInd>{}</CdtDbtInd>\n        \
             <Dt>\n          <Dt>{date}</Dt>\n        </Dt>\n      </Bal>\n",
            escape(&self.currency),
            format_amount(amount.abs()),
            indicator(amount)
        )
    }

    fn entry(&mut self, e: &Entry) -> io::Result<()> {
        write!(
            self.out,
            "      <Ntry>\n        <Amt Ccy=\"{}\">{}</Amt>\n        <CdtDbtInd>{}</CdtDbtInd>\n",
            escape(&self.currency),
            format_amount(e.amount.abs()),
            indicator(e.amount)
        )?;
        if e.reversal {
            self.out.write_all(b"        <RvslInd>true</RvslInd>\n")?;
        }
        write!(
            self.out,
            "        <Sts>BOOK</Sts>\n        <BookgDt>\n          <Dt>{}</Dt>\n        </BookgDt>\n",
            e.booking_date
        )?;
        if let Some(value) = e.value_date {
            write!(self.out, "        <ValDt>\n          <Dt>{value}</Dt>\n        </ValDt>\n")?;
        }
        self.bank_code(e.kind)?;
        if let Some(referencia) = &e.referencia {
            write!(
                self.out,
                "        <NtryDtls>\n          <TxDtls>\n            <Refs>\n              \
                 <EndToEndId>{}</EndToEndId>\n            </Refs>\n          </TxDtls>\n        </NtryDtls>\n",
                escape(referencia)
            )?;
        }
        if !e.description.is_empty() {
            writeln!(self.out, "        <AddtlNtryInf>{}</AddtlNtryInf>", escape(&e.description))?;
        }
        self.out.write_all(b"      </Ntry>\n")
    }

    fn bank_code(&mut self, kind: EntryKind) -> io::Result<()> {
        let (family, sub) = match kind {
            EntryKind::Ordinary => ("RCDT", "OTHR"),
            EntryKind::Interest => ("ACMT", "INTR"),
            EntryKind::Charge => ("ACMT", "CHRG"),
        };
        write!(
            self.out,
            "        <BkTxCd>\n          <Domn>\n            <Cd>PMNT</Cd>\n            <Fmly>\n              \
             <Cd>{family}</Cd>\n              <SubFmlyCd>{sub}</SubFmlyCd>\n            </Fmly>\n          \
             </Domn>\n        </BkTxCd>\n"
        )
    }

    /// Closes the document and gives the output back.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"  </BkToCstmrStmt>\n</Document>\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn indicator(amount: Decimal) -> &'static str {
    if amount.is_sign_negative() {
        "DBIT"
    } else {
        "CRDT"
    }
}
