//! The audit: what was observed compared with what the charter declares, under the consent
//! rules of the target's jurisdiction.

pub(crate) mod catalog;
mod consent;
pub(crate) mod rules;
