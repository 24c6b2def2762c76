//! The only place that reads the wall clock, so tests and outputs can be reasoned about.

/// Now, as RFC 3339 UTC with seconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Now, as RFC 3339 with a `+00:00` offset (`draw.json`'s `drawn_at`).
pub fn now_rfc3339_offset() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Now, as Unix seconds (for the metrics file).
pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}
