//! cookie-audit: audits the cookies websites really set against the cookie charters they publish.
//!
//! The crate is built in layers, data flowing one way; a module uses modules of its own layer or
//! of a lower one, never of a higher one (`scripts/check-layers` checks it):
//!
//! 1. the ground floor: [`types`] (the report contract of `docs/report-schema.md`), [`cookie`]
//!    (`Set-Cookie` lines and sightings), [`duration`], `text`, [`site`], [`redact`];
//! 2. `config`: `targets.toml`;
//! 3. `crawl` (pages, politeness, `Set-Cookie` headers) and [`charter`] (finding and reading
//!    the cookie charter);
//! 4. `browser` (the Chromium engine) and [`observe`] (sightings → observed cookies);
//! 5. `audit`: the findings;
//! 6. [`report`]: writing, reading, comparing, merging and rendering reports;
//! 7. `pipeline`: targets → crawl + charter → findings → the report;
//! 8. [`cli`]: the command line; the binary in `main.rs` only calls [`cli::main`].
//!
//! Only what the binary, the tests, the benchmarks and the fuzz targets use is public.

mod audit;
mod browser;
pub mod charter;
pub mod cli;
mod config;
pub mod cookie;
mod crawl;
pub mod duration;
pub mod observe;
mod pipeline;
pub mod redact;
pub mod report;
pub mod site;
mod text;
pub mod types;

pub use crawl::extract;
