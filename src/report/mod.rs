//! Reports: the JSON contract ([`types`]), writing it to disk without ever leaving a half file,
//! reading it back, the HTML rendering, the differences between two runs, and merging shards.

pub mod diff;
pub mod load;
pub mod lock;
pub mod merge;
pub mod render;
mod write;

pub use write::{ReportPaths, WriteError, run_id, write_atomically, write_run};
