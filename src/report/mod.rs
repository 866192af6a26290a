//! Reports: the JSON contract ([`types`]), writing it to disk without ever leaving a half file,
//! reading it back, the HTML rendering, the differences between two runs, and merging shards.

pub(crate) mod diff;
pub(crate) mod history;
pub(crate) mod load;
pub(crate) mod lock;
pub(crate) mod merge;
pub mod render;
mod write;

pub(crate) use write::{
    EVIDENCE_PREFIX, Publish, clean_leftovers, run_id, write_atomically, write_run,
};
