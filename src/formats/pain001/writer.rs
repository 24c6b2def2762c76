//! Writes payment batches as pain.001.001.03 (for the fixtures generator and round-trip tests):
//! one `PmtInf` per batch, control totals computed, debtor "PROGRAMA JUNTOS". Whatever it
//! writes, [`super::parse`] reads back to the same batches.

use crate::domain::money::format_amount;
use crate::formats::{Batch, Instruction};
use chrono::NaiveDateTime;
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
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"{NAMESPACE}\">\n  <CstmrCdtTrfInitn>\n    \
         <GrpHdr>\n      <MsgId>{}</MsgId>\n      <CreDtTm>{}</CreDtTm>\n      <NbOfTxs>{count}</NbOfTxs>\n      \
         <CtrlSum>{}</CtrlSum>\n      <InitgPty>\n        <Nm>PROGRAMA JUNTOS</Nm>\n      </InitgPty>\n    </GrpHdr>\n",
        escape(message_id),
        created.format("%Y-%m-%dT%H:%M:%S"),
        format_amount(sum)
    )?;
    for batch in batches {
        payment_info(out, created, currency, batch)?;
    }
    out.write_all(b"  </CstmrCdtTrfInitn>\n</Document>\n")
}

fn totals<'a>(instructions: impl Iterator<Item = &'a Instruction>) -> (usize, Decimal) {
    instructions.fold((0, Decimal::ZERO), |(n, s), i| (n + 1, s + i.monto))
}

fn payment_info(
    out: &mut impl Write,
    created: NaiveDateTime,
    currency: &str,
    batch: &Batch,
) -> io::Result<()> {
    let (count, sum) = totals(batch.instructions.iter());
    let date = batch.instructions.first().map_or(created.date(), |i| i.periodo.first_day());
    write!(
        out,
        "    <PmtInf>\n      <PmtInfId>{}</PmtInfId>\n      <PmtMtd>TRF</PmtMtd>\n      <NbOfTxs>{count}</NbOfTxs>\n      \
         <CtrlSum>{}</CtrlSum>\n      <ReqdExctnDt>{date}</ReqdExctnDt>\n      <Dbtr>\n        \
         <Nm>PROGRAMA JUNTOS</Nm>\n      </Dbtr>\n      <DbtrAcct>\n        <Id>\n          <Othr>\n            \
         <Id>PROGRAMA-JUNTOS</Id>\n          </Othr>\n        </Id>\n      </DbtrAcct>\n      <DbtrAgt>\n        \
         <FinInstnId>\n          <Nm>BANCO DE LA NACION</Nm>\n        </FinInstnId>\n      </DbtrAgt>\n",
        escape(&batch.lote),
        format_amount(sum)
    )?;
    for instruction in &batch.instructions {
        transaction(out, currency, instruction)?;
    }
    out.write_all(b"    </PmtInf>\n")
}

fn transaction(out: &mut impl Write, currency: &str, i: &Instruction) -> io::Result<()> {
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
