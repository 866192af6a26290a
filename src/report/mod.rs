//! Reports: the JSON contract ([`types`]) and writing it to disk without ever leaving a half file.

pub mod types;
mod write;

pub use write::{ReportPaths, WriteError, run_id, write_run};
