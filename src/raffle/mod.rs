//! The food-basket raffle (SPEC §3.3): a publicly verifiable draw after RFC 3797, two winners
//! and two alternates per pilot district, among the women who kept balances.
//!
//! [`rfc3797`] holds the selection; [`names`] the masked name published in the lists.

pub mod draw;
pub mod eligibility;
pub mod files;
pub mod names;
pub mod rfc3797;
pub mod verify;
