//! (to be written) Delimiter detection and header mapping shared by the CSV formats.
