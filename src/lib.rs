//! alcancia: the nightly batch processor of a conditional-cash-transfer savings programme.
//!
//! The pipeline, one module per step: [`fetch`] → [`formats`] → [`store`] → [`reconcile`] →
//! [`savings`] → [`raffle`] → [`indicators`] → [`report`], orchestrated by [`job`].
//! Decisions are pure functions over [`domain`] values; only [`store`] knows SQL.
#![forbid(unsafe_code)]

pub mod bench;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod fetch;
pub mod fixtures;
pub mod formats;
pub mod indicators;
pub mod inspect;
pub mod job;
pub mod notify;
pub mod progress;
pub mod raffle;
pub mod reconcile;
pub mod records;
pub mod report;
pub mod savings;
pub mod scratch;
pub mod settings;
pub mod store;
pub mod telemetry;
