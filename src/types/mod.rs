//! The ground floor: the types of `report.json`, schema version 1, and the settings reports
//! repeat. `docs/report-schema.md` is the contract these types implement.
//!
//! Field names here are what scripts depend on. Fields may be added; none may be renamed or
//! removed without raising [`SCHEMA_VERSION`]. Times are RFC 3339 UTC strings, durations whole
//! seconds. The types are split by subject; every one is re-exported here.

mod charter;
mod consent;
mod diff;
mod finding;
mod observed;
mod report;
mod settings;

pub use charter::*;
pub use consent::*;
pub use diff::*;
pub use finding::*;
pub use observed::*;
pub use report::*;
pub use settings::*;
