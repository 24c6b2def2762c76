//! alcancia: the nightly batch processor of a conditional-cash-transfer savings programme.
//!
//! The pipeline, one module per step: [`fetch`] → [`formats`] → [`store`] → [`reconcile`] →
//! [`savings`] → [`raffle`] → [`indicators`] → [`report`], orchestrated by [`job`].
//! Decisions are pure functions over [`domain`] values; only [`store`] knows SQL.
#![forbid(unsafe_code)]

pub mod domain;
pub mod fixtures;
pub mod formats;
