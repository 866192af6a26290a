//! Reading `consent`: a preset's name, a table of the banner buttons' CSS selectors, or `false`.

use toml::de::{DeTable, DeValue};

use super::error::{ConfigError, closest};
use super::section::{Section, unknown_key};
use super::source::{Source, Value, in_file_order, key_name};
use super::types::ConsentSelectors;
use super::values::type_error;

/// The longest accepted consent selector, in bytes; real ones are far shorter,
/// so anything longer is a pasting accident.
pub(super) const MAX_SELECTOR_BYTES: usize = 1_000;

pub(super) const CONSENT_KEYS: &[&str] = &["accept", "reject"];
const CONSENT_PRESETS: &[&str] = &["opendatasoft"];

const CONSENT_TABLE_EXAMPLE: &str =
    "consent = { accept = \"#cookie-banner .accept\", reject = \"#cookie-banner .reject\" }";

/// Both ways of naming a banner's buttons, for help texts that cannot tell
/// which one the user was after.
fn consent_forms() -> String {
    format!(
        "write consent = \"opendatasoft\" for the Opendatasoft banner, \
         or the buttons' CSS selectors, e.g. {CONSENT_TABLE_EXAMPLE}"
    )
}

/// Reads `consent`; `None` means no consent phases, which `false` spells out
/// so a target can switch off a consent set in `[defaults]`.
pub(super) fn consent(
    src: &Source<'_>,
    value: &Value<'_>,
) -> Result<Option<ConsentSelectors>, ConfigError> {
    match value.get_ref() {
        DeValue::Boolean(false) => Ok(None),
        DeValue::Boolean(true) => Err(src
            .error_at(
                value.span(),
                "`consent = true` does not say which buttons to click",
            )
            .with_help(format!(
                "{}; consent = false audits without consent phases",
                consent_forms()
            ))),
        DeValue::String(preset) => consent_preset(src, value, preset).map(Some),
        DeValue::Table(table) => consent_table(src, value, table).map(Some),
        _ => Err(type_error(
            src,
            "`consent`",
            value,
            "a preset name, a table of CSS selectors or `false`",
            &consent_forms(),
        )),
    }
}

fn consent_preset(
    src: &Source<'_>,
    value: &Value<'_>,
    written: &str,
) -> Result<ConsentSelectors, ConfigError> {
    if written == "opendatasoft" {
        return Ok(ConsentSelectors::opendatasoft());
    }
    let hint = closest(written, CONSENT_PRESETS)
        .map(|suggestion| format!("did you mean \"{suggestion}\"? "))
        .unwrap_or_default();
    let presets: Vec<String> = CONSENT_PRESETS
        .iter()
        .map(|preset| format!("\"{preset}\""))
        .collect();
    Err(src
        .error_at(value.span(), format!("unknown consent preset {written:?}"))
        .with_help(format!(
            "{hint}known presets: {}; or give the buttons' CSS selectors, \
             e.g. {CONSENT_TABLE_EXAMPLE}",
            presets.join(", ")
        )))
}

fn consent_table(
    src: &Source<'_>,
    value: &Value<'_>,
    table: &DeTable<'_>,
) -> Result<ConsentSelectors, ConfigError> {
    let mut accept = None;
    let mut reject = None;
    for (key, selector) in in_file_order(table) {
        match key_name(key) {
            "accept" => accept = Some(css_selector(src, "accept", selector)?),
            "reject" => reject = Some(css_selector(src, "reject", selector)?),
            _ => return Err(unknown_key(src, key, Section::Consent, CONSENT_KEYS, None)),
        }
    }
    let missing = |key: &str, example: &str, button: &str| {
        src.error_at(value.span(), format!("`consent` has no `{key}`"))
            .with_help(format!(
                "add {key} = {example}, the CSS selector of the button that {button}"
            ))
    };
    Ok(ConsentSelectors {
        accept: accept.ok_or_else(|| {
            missing(
                "accept",
                "\"#cookie-banner .accept\"",
                "accepts every cookie",
            )
        })?,
        reject: reject.ok_or_else(|| {
            missing(
                "reject",
                "\"#cookie-banner .reject\"",
                "refuses every cookie that needs consent",
            )
        })?,
    })
}

/// Checks a selector now, because a broken one would otherwise only show up
/// as a banner the browser never clicks, deep into the audit.
fn css_selector(src: &Source<'_>, key: &str, value: &Value<'_>) -> Result<String, ConfigError> {
    let subject = format!("`consent.{key}`");
    let example = format!("{key} = \"#cookie-banner .{key}\"");
    let written = value.get_ref().as_str().ok_or_else(|| {
        type_error(
            src,
            &subject,
            value,
            "a string",
            &format!("put the CSS selector in quotes, e.g. {example}"),
        )
    })?;
    let problem = if written.trim().is_empty() {
        format!("{subject} must not be empty")
    } else if written.len() > MAX_SELECTOR_BYTES {
        format!(
            "{subject} must be at most {MAX_SELECTOR_BYTES} bytes long, found {}",
            written.len()
        )
    } else if scraper::Selector::parse(written).is_err() {
        format!("{subject} is not a CSS selector: `{written}`")
    } else {
        return Ok(written.to_owned());
    };
    Err(src
        .error_at(value.span(), problem)
        .with_help(format!("e.g. {example}")))
}
