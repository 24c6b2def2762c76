//! `alcancia inspect FILE`: what a file states and every problem, as JSON, without storing.

use crate::domain::money::format_amount;
use crate::formats::{encoding, Content, ParsedFile};
use serde_json::{json, Value};

/// The JSON summary of a parsed file. Amounts are decimal strings.
pub fn summary(name: &str, bytes: &[u8], parsed: &ParsedFile) -> Value {
    let mut out = json!({
        "file": name,
        "kind": parsed.content.kind(),
        "format": parsed.format.name(),
        "encoding": if encoding::is_windows_1252(bytes) { "windows-1252" } else { "utf-8" },
    });
    match &parsed.content {
        Content::Roster(r) => {
            let active = r.rows.iter().filter(|m| m.estado == crate::domain::Estado::Activo).count();
            out["roster"] = json!({
                "period": r.period.to_string(),
                "rows": r.rows.len(),
                "active": active,
                "monto_sum": format_amount(r.rows.iter().map(|m| m.monto).sum()),
            });
        }
        Content::Payments(batches) => {
            out["batches"] = batches
                .iter()
                .map(|b| {
                    let mut periods: Vec<String> =
                        b.instructions.iter().map(|i| i.periodo.to_string()).collect();
                    periods.dedup();
                    json!({
                        "lote": b.lote,
                        "period": periods.join(","),
                        "count": b.instructions.len(),
                        "sum": format_amount(b.instructions.iter().map(|i| i.monto).sum()),
                    })
                })
                .collect();
        }
        Content::Statements(statements) => {
            out["statements"] = statements
                .iter()
                .map(|s| {
                    json!({
                        "account": s.account,
                        "from": s.from.to_string(),
                        "to": s.to.to_string(),
                        "opening": format_amount(s.opening),
                        "closing": format_amount(s.closing),
                        "entries": s.entries.len(),
                        "credits": format_amount(s.credits()),
                        "debits": format_amount(s.debits()),
                    })
                })
                .collect();
        }
        Content::Nothing => {}
    }
    out["errors"] = parsed
        .problems
        .iter()
        .map(|p| json!({"location": p.location.to_string(), "field": p.field, "reason": p.reason}))
        .collect();
    out
}
