//! What every fuzz target checks besides "no panic": a file a parser accepts (no problem
//! reported) states something consistent — every statement balances over its own coverage,
//! every instruction carries a valid referencia and a positive amount, a roster has rows.

use alcancia::formats::{check_referencia, Content, ParsedFile};
use rust_decimal::Decimal;

/// Panics (a finding for the fuzzer) when an accepted file is inconsistent.
pub fn accepted_is_consistent(parsed: &ParsedFile) {
    if !parsed.is_valid() {
        return;
    }
    match &parsed.content {
        Content::Statements(statements) => {
            assert!(!statements.is_empty(), "accepted a statement file without statements");
            for s in statements {
                let booked: Decimal = s.entries.iter().map(|e| e.amount).sum();
                assert_eq!(s.opening + booked, s.closing, "an accepted statement does not balance");
                assert!(s.from <= s.to, "an accepted statement ends before it starts");
            }
        }
        Content::Payments(batches) => {
            assert!(
                batches.iter().any(|b| !b.instructions.is_empty()),
                "accepted a batch file without instructions"
            );
            for i in batches.iter().flat_map(|b| &b.instructions) {
                assert!(check_referencia(&i.referencia).is_ok(), "accepted bad referencia");
                assert!(i.monto > Decimal::ZERO, "accepted a non-positive monto");
            }
        }
        Content::Roster(roster) => assert!(!roster.rows.is_empty(), "accepted an empty roster"),
        Content::Nothing => panic!("a file with nothing in it was accepted"),
    }
}
