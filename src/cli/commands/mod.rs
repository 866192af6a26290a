//! One runner per command.

pub(super) mod audit;
pub(super) mod charter;
pub(super) mod diff;
pub(super) mod merge;
pub(super) mod render;

use super::exit::Failure;

/// Builds an async runtime, or says why it could not.
pub(crate) fn runtime(
    mut builder: tokio::runtime::Builder,
) -> Result<tokio::runtime::Runtime, Failure> {
    builder
        .enable_all()
        .build()
        .map_err(|error| Failure::usage(format!("cannot start the async runtime: {error}")))
}
