//! One runner per command.

pub(super) mod audit;
pub(super) mod charter;
pub(super) mod diff;
pub(super) mod merge;
pub(super) mod render;

use super::exit::EXIT_USAGE;
use super::output::say;

/// Builds an async runtime, or says why it could not and gives the exit code.
pub(crate) fn runtime(mut builder: tokio::runtime::Builder) -> Result<tokio::runtime::Runtime, u8> {
    builder.enable_all().build().map_err(|error| {
        say!("error: cannot start the async runtime: {error}");
        EXIT_USAGE
    })
}
