//! The publicly verifiable draw of RFC 3797 (Eastlake, "Publicly Verifiable Nominations
//! Committee (NomCom) Random Selection"), as SPEC §3.3 uses it.
//!
//! Contract: pure functions, no I/O, no clock, no randomness of our own. Given the same public
//! sources and the same pool size, anyone gets the same selection, byte for byte the same as
//! the RFC's reference code (its section 6 example and later IETF draws are the tests):
//! 1. each source is a list of non-negative whole numbers, sorted ascending and written as
//!    decimal integers without leading zeros, each followed by `.`, the source closed by `/`
//!    ([`normalise_source`]); the key is the concatenation of the sources ([`build_key`]);
//!    a district appends its ubigeo as one more source, `050101/` ([`district_key`]);
//! 2. round `i` (0, 1, 2, …) hashes, with MD5, the two bytes of `i` (big-endian), the key, and
//!    the two bytes of `i` again; the digest, read as a 128-bit big-endian unsigned integer,
//!    is divided by the number of candidates still in the pool, and the remainder is the
//!    0-based position of the selected one among the remaining candidates in their original
//!    order; that candidate leaves the pool ([`rounds`], [`select`]).
//!
//! Decimal numbers (`3.5`) are refused: the reference code reads them only in a separate
//! `float` mode that does not sort them, and their `.` would be indistinguishable in the key
//! from the `.` that ends every integer (`3.5` against the two numbers `3 5`, written `3.5.`);
//! lottery draws and the other public sources we expect are whole numbers.

use md5::{Digest, Md5};

/// Reads one public random source (`"40 3 15,29 37"`) into its RFC 3797 key form
/// (`"3.15.29.37.40./"`).
///
/// Numbers are separated by blanks (any whitespace) or commas, in any number; each must be
/// ASCII digits only (any length: it is never converted to a machine integer). Leading zeros
/// are dropped (`08` → `8.`, `000` → `0.`), repeated numbers are kept (a lottery may repeat
/// one), and the numbers are sorted by value. Refused, with the reason: an empty source,
/// text, signs, and decimal numbers (see the module notes).
pub fn normalise_source(text: &str) -> Result<String, String> {
    let mut numbers = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|token| !token.is_empty())
        .map(canonical_integer)
        .collect::<Result<Vec<&str>, String>>()?;
    if numbers.is_empty() {
        return Err("a random source needs at least one number, got none".to_owned());
    }
    // Canonical digit strings compare by value as (length, text).
    numbers.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    let mut key: String = numbers.iter().flat_map(|n| [n, "."]).collect();
    key.push('/');
    Ok(key)
}

/// The digits of one whole number without leading zeros (`"0"` for zero), or why not.
fn canonical_integer(token: &str) -> Result<&str, String> {
    if !token.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refusal(token));
    }
    let trimmed = token.trim_start_matches('0');
    Ok(if trimmed.is_empty() { "0" } else { trimmed })
}

/// Says why a token is not a non-negative whole number, naming the usual mistakes.
fn refusal(token: &str) -> String {
    let shown = crate::domain::dni::shorten(token);
    let numeric = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let reason = if token.strip_prefix('-').is_some_and(numeric) {
        "negative numbers are not allowed"
    } else if token.contains('.') && numeric(token) {
        "decimal numbers are not allowed (their '.' would be ambiguous in the RFC 3797 key)"
    } else {
        "text sources are refused"
    };
    format!(
        "{shown:?} is not a whole number: {reason}; a source is a list of non-negative \
         whole numbers separated by blanks or commas"
    )
}

/// The RFC 3797 key: the normalised sources (as [`normalise_source`] returns them), in the
/// order given, concatenated.
pub fn build_key(sources: &[String]) -> String {
    sources.concat()
}

/// The key of one district: `key` followed by the district's ubigeo as one more source
/// (`"…/050101/"`). `ubigeo` is taken as given; callers pass a parsed
/// [`Ubigeo`](crate::domain::Ubigeo), which is always six digits with its leading zeros.
pub fn district_key(key: &str, ubigeo: &str) -> String {
    format!("{key}{ubigeo}/")
}

/// The MD5 digest of round `round`: MD5(2-byte `round`, `key`, 2-byte `round`), the counter
/// big-endian. As in the reference code the counter is two bytes; rounds past 65 535 (a pool
/// larger than the reference code accepts) reuse the low 16 bits.
pub fn round_digest(key: &str, round: usize) -> [u8; 16] {
    // The same two bytes the reference code writes: high byte, then low byte.
    let counter = [(round >> 8) as u8, round as u8];
    let mut md5 = Md5::new();
    md5.update(counter);
    md5.update(key.as_bytes());
    md5.update(counter);
    md5.finalize().into()
}

/// One round of the selection, with everything a verifier wants to see printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Round {
    /// The MD5 digest of this round ([`round_digest`]).
    pub digest: [u8; 16],
    /// How many candidates were still in the pool (the divisor).
    pub remaining: usize,
    /// The remainder: the 0-based position of the selected one among the remaining.
    pub position: usize,
    /// The selected candidate as a 0-based index into the original pool.
    pub index: usize,
}

impl Round {
    /// The digest in upper-case hex, as the RFC's example prints it.
    pub fn digest_hex(&self) -> String {
        hex::encode_upper(self.digest)
    }
}

/// The first `min(picks, pool_size)` rounds of the selection over a pool of `pool_size`
/// candidates (kept in their original order).
pub fn rounds(key: &str, pool_size: usize, picks: usize) -> Vec<Round> {
    let mut remaining: Vec<usize> = (0..pool_size).collect();
    let mut done = Vec::with_capacity(picks.min(pool_size));
    for round in 0..picks.min(pool_size) {
        let digest = round_digest(key, round);
        let left = remaining.len();
        let position = remainder(&digest, left);
        // `position < left` always holds (a remainder); the check only keeps `remove` total.
        if position < left {
            let index = remaining.remove(position);
            done.push(Round { digest, remaining: left, position, index });
        }
    }
    done
}

/// The digest as a 128-bit big-endian unsigned integer, modulo `divisor` (0 gives 0).
fn remainder(digest: &[u8; 16], divisor: usize) -> usize {
    let value = u128::from_be_bytes(*digest);
    // usize → u128 is lossless, and the remainder is below `divisor`, so it fits back.
    value.checked_rem(divisor as u128).map_or(0, |r| r as usize)
}

/// The selected candidates, as 0-based indices into the original pool, in selection order:
/// `min(picks, pool_size)` distinct indices below `pool_size`. Asking for more picks never
/// changes the earlier ones.
pub fn select(key: &str, pool_size: usize, picks: usize) -> Vec<usize> {
    rounds(key, pool_size, picks).into_iter().map(|r| r.index).collect()
}

/// The result of one district's draw: 0-based indices into the district's eligible list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DistrictDraw {
    /// The winners, in rank order.
    pub winners: Vec<usize>,
    /// The alternates, in rank order.
    pub alternates: Vec<usize>,
}

/// Draws one district: RFC 3797 selection with [`district_key`]`(key, ubigeo)` over the
/// district's `eligible` women (in eligible-list order) picks `winners` winners, then
/// `alternates` alternates. With fewer eligible women than places, all of them are drawn in
/// selection order, winners first.
pub fn draw_district(
    key: &str,
    ubigeo: &str,
    eligible: usize,
    winners: usize,
    alternates: usize,
) -> DistrictDraw {
    let order = select(&district_key(key, ubigeo), eligible, winners.saturating_add(alternates));
    let (won, alternate) = order.split_at(winners.min(order.len()));
    DistrictDraw { winners: won.to_vec(), alternates: alternate.to_vec() }
}

#[cfg(test)]
mod tests;
