//! Writes payment batches as pain.001.001.03 (for the fixtures generator and round-trip tests):
//! one `PmtInf` per batch, control totals computed, debtor "PROGRAMA JUNTOS". Whatever it
//! writes, [`super::parse`] reads back to the same batches. The pieces are public too, so that a
//! caller may stream a batch too large to hold and write the totals it counted (the fixtures).

use crate::domain::money::format_amount;
use crate::formats::{Batch, Instruction};
use chrono::{NaiveDate, NaiveDateTime};
use quick_xml::escape::escape;
use rust_decimal::Decimal;
use std::io::{self, Write};

const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03";

/// Writes a whole pain.001.001.03 document; `ReqdExctnDt` of each `PmtInf` is the first day of
/// its first instruction's `periodo` (a batch without instructions gets `created`'s date).
pub fn write_pain001(
    out: &mut impl Write,
    message_id: &str,
    created: NaiveDateTime,
    currency: &str,
    batches: &[Batch],
) -> io::Result<()> {
    let all = batches.iter().flat_map(|b| &b.instructions);
    let (count, sum) = totals(all);
    write_group_header(out, message_id, created, count, sum)?;
    for batch in batches {
        let (count, sum) = totals(batch.instructions.iter());
        let date = batch.instructions.first().map_or(created.date(), |i| i.periodo.first_day());
        write_payment_info_start(out, &batch.lote, date, count, sum)?;
        for instruction in &batch.instructions {
            write_transaction(out, currency, instruction)?;
        }
        out.write_all(PAYMENT_INFO_END)?;
    }
    out.write_all(DOCUMENT_END)
}

/// Closes a `PmtInf` opened by [`write_payment_info_start`].
pub const PAYMENT_INFO_END: &[u8] = b"    </PmtInf>\n";
/// Closes the document opened by [`write_group_header`].
pub const DOCUMENT_END: &[u8] = b"  </CstmrCdtTrfInitn>\n</Document>\n";

fn totals<'a>(instructions: impl Iterator<Item = &'a Instruction>) -> (usize, Decimal) {
    instructions.fold((0, Decimal::ZERO), |(n, s), i| (n + 1, s + i.monto))
}

/// Writes the XML declaration, opens the document and writes the group header with the file's
/// control totals (for a caller that streams the pieces itself).
pub fn write_group_header(
    out: &mut impl Write,
    message_id: &str,
    created: NaiveDateTime,
    count: usize,
    sum: Decimal,
) -> io::Result<()> {
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"{NAMESPACE}\">\n  <CstmrCdtTrfInitn>\n    \
         <GrpHdr>\n      <MsgId>{}</MsgId>\n      <CreDtTm>{}</CreDtTm>\n      <NbOfTxs>{count}</NbOfTxs>\n      \
         <CtrlSum>{}</CtrlSum>\n      <InitgPty>\n        <Nm>PROGRAMA JUNTOS</Nm>\n      </InitgPty>\n    </GrpHdr>\n",
        escape(message_id),
        created.format("%Y-%m-%dT%H:%M:%S"),
        format_amount(sum)
    )
}

/// Opens the `PmtInf` of batch `lote` (requested execution `date`) with its control totals.
pub fn write_payment_info_start(
    out: &mut impl Write,
    lote: &str,
    date: NaiveDate,
    count: usize,
    sum: Decimal,
) -> io::Result<()> {
    write!(
        out,
        "    <PmtInf>\n      <PmtInfId>{}</PmtInfId>\n      <PmtMtd>TRF</PmtMtd>\n      <NbOfTxs>{count}</NbOfTxs>\n      \
         <CtrlSum>{}</CtrlSum>\n      <ReqdExctnDt>{date}</ReqdExctnDt>\n      <Dbtr>\n        \
         <Nm>PROGRAMA JUNTOS</Nm>\n      </Dbtr>\n      <DbtrAcct>\n        <Id>\n          <Othr>\n            \
         <Id>PROGRAMA-JUNTOS</Id>\n          </Othr>\n        </Id>\n      </DbtrAcct>\n      <DbtrAgt>\n        \
         <FinInstnId>\n          <Nm>BANCO DE LA NACION</Nm>\n        </FinInstnId>\n      </DbtrAgt>\n",
        escape(lote),
        format_amount(sum)
    )
}

/// Writes one `CdtTrfTxInf`.
pub fn write_transaction(out: &mut impl Write, currency: &str, i: &Instruction) -> io::Result<()> {
    write!(
        out,
        "      <CdtTrfTxInf>\n        <PmtId>\n          <EndToEndId>{}</EndToEndId>\n        </PmtId>\n        \
         <Amt>\n          <InstdAmt Ccy=\"{}\">{}</InstdAmt>\n        </Amt>\n        <Cdtr>\n          <Id>\n            \
         <PrvtId>\n              <Othr>\n                <Id>{}</Id>\n                <SchmeNm>\n                  \
         <Cd>NIDN</Cd>\n                </SchmeNm>\n              </Othr>\n            </PrvtId>\n          </Id>\n        \
         </Cdtr>\n        <CdtrAcct>\n          <Id>\n            <Othr>\n              <Id>{}</Id>\n            \
         </Othr>\n          </Id>\n        </CdtrAcct>\n      </CdtTrfTxInf>\n",
        escape(&i.referencia),
        escape(currency),
        format_amount(i.monto),
        i.dni.as_str(),
        i.cuenta.as_str()
    )
}
