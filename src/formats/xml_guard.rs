//! (to be written) Refuses hostile XML before any parsing.
