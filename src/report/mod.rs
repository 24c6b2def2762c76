//! Outputs: the machine-readable CSVs of SPEC §4, written atomically (temp file + rename), and
//! the safe-cell rule that keeps spreadsheets from running text as formulas.
//!
//! Reports render numbers; they never compute business figures.

pub mod csv_out;
pub mod period_files;

pub use csv_out::{Cell, CsvTable};
