//! cookie-audit: audits the cookies websites really set against the cookie charters they publish.
//!
//! Data flows one way through the modules:
//! [`config`] (targets) → [`crawl`] (pages, `Set-Cookie` headers) → [`observe`] (observed
//! cookies) → [`report`] (the JSON contract of `DESIGN.md`). The binary in `main.rs` is a thin
//! shell around [`cli`].

pub mod audit;
pub mod browser;
pub mod charter;
pub mod cli;
pub mod config;
pub mod cookie;
pub mod crawl;
pub mod duration;
pub mod observe;
pub mod pipeline;
pub mod redact;
pub mod report;
pub mod site;
pub mod text;
pub mod types;
