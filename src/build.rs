//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!` embeds the files of
//! `src/store/migrations/` at compile time, and cargo does not otherwise watch that folder.
fn main() {
    println!("cargo:rerun-if-changed=src/store/migrations");
}
