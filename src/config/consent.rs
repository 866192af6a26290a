//! Reading `consent`: `"auto"`, a preset's name, a table of the banner's steps, or `false`.

use toml::de::{DeTable, DeValue};

use super::error::{ConfigError, closest};
use super::section::{Section, unknown_key};
use super::source::{Source, Value, in_file_order, key_name};
use super::types::{ClickStep, ConsentPlan};
use super::values::type_error;

/// The longest accepted consent selector or button text, in bytes; real ones are far shorter,
/// so anything longer is a pasting accident.
pub(super) const MAX_SELECTOR_BYTES: usize = 1_000;

/// The most steps one choice may take: a banner that needs more is a maze, not a banner.
pub(super) const MAX_STEPS: usize = 8;

pub(super) const CONSENT_KEYS: &[&str] = &["accept", "reject"];
const CONSENT_PRESETS: &[&str] = &["auto", "opendatasoft"];

const CONSENT_TABLE_EXAMPLE: &str =
    "consent = { accept = \"#cookie-banner .accept\", reject = \"#cookie-banner .reject\" }";

/// Every way of saying how to drive a banner, for help texts that cannot tell which one the
/// user was after.
fn consent_forms() -> String {
    format!(
        "write consent = \"auto\" to let the tool find the banner, \
         consent = \"opendatasoft\" for the Opendatasoft banner, \
         or the buttons' CSS selectors, e.g. {CONSENT_TABLE_EXAMPLE}"
    )
}

/// Reads `consent`; `None` means no consent phases, which `false` spells out
/// so a target can switch off a consent set in `[defaults]`.
pub(super) fn consent(
    src: &Source<'_>,
    value: &Value<'_>,
) -> Result<Option<ConsentPlan>, ConfigError> {
    match value.get_ref() {
        DeValue::Boolean(false) => Ok(None),
        DeValue::Boolean(true) => Err(src
            .error_at(
                value.span(),
                "`consent = true` does not say how to find the banner",
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
            "\"auto\", a preset name, a table of CSS selectors or `false`",
            &consent_forms(),
        )),
    }
}

fn consent_preset(
    src: &Source<'_>,
    value: &Value<'_>,
    written: &str,
) -> Result<ConsentPlan, ConfigError> {
    match written {
        "auto" => return Ok(ConsentPlan::Auto),
        "opendatasoft" => return Ok(ConsentPlan::Opendatasoft),
        _ => {}
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
) -> Result<ConsentPlan, ConfigError> {
    let mut accept = None;
    let mut reject = None;
    for (key, steps) in in_file_order(table) {
        match key_name(key) {
            "accept" => accept = Some(click_steps(src, "accept", steps)?),
            "reject" => reject = Some(click_steps(src, "reject", steps)?),
            _ => return Err(unknown_key(src, key, Section::Consent, CONSENT_KEYS, None)),
        }
    }
    let missing = |key: &str, example: &str, button: &str| {
        src.error_at(value.span(), format!("`consent` has no `{key}`"))
            .with_help(format!(
                "add {key} = {example}, the CSS selector of the button that {button}"
            ))
    };
    Ok(ConsentPlan::Steps {
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

/// A choice's steps: one selector, or a list of selectors and `{ text = "…" }` tables.
fn click_steps(
    src: &Source<'_>,
    key: &str,
    value: &Value<'_>,
) -> Result<Vec<ClickStep>, ConfigError> {
    let DeValue::Array(items) = value.get_ref() else {
        return click_step(src, key, value).map(|step| vec![step]);
    };
    let example =
        format!("{key} = [\"#cookie-settings\", {{ text = \"Tout refuser\" }}, \"#cookie-save\"]");
    if items.is_empty() {
        return Err(src
            .error_at(value.span(), format!("`consent.{key}` has no steps"))
            .with_help(format!("list what to click, in order, e.g. {example}")));
    }
    if items.len() > MAX_STEPS {
        return Err(src
            .error_at(
                value.span(),
                format!(
                    "`consent.{key}` has {} steps; at most {MAX_STEPS} are allowed",
                    items.len()
                ),
            )
            .with_help(format!("e.g. {example}")));
    }
    items
        .iter()
        .map(|item| click_step(src, key, item))
        .collect()
}

/// One step: a CSS selector, or `{ text = "Tout refuser" }`.
fn click_step(src: &Source<'_>, key: &str, value: &Value<'_>) -> Result<ClickStep, ConfigError> {
    match value.get_ref() {
        DeValue::String(_) => css_selector(src, key, value).map(ClickStep::Css),
        DeValue::Table(table) => {
            let mut text = None;
            for (field, written) in in_file_order(table) {
                match key_name(field) {
                    "text" => text = Some(button_text(src, key, written)?),
                    _ => {
                        return Err(src
                            .error_at(
                                field.span(),
                                format!(
                                    "unknown key `{}` in a step of `consent.{key}`",
                                    key_name(field)
                                ),
                            )
                            .with_help(
                                "a step is a CSS selector or { text = \"Tout refuser\" }, \
                                 the text of the button to click",
                            ));
                    }
                }
            }
            text.map(ClickStep::Text).ok_or_else(|| {
                src.error_at(
                    value.span(),
                    format!("a step of `consent.{key}` has no `text`"),
                )
                .with_help("write { text = \"Tout refuser\" }, the text of the button to click")
            })
        }
        _ => Err(type_error(
            src,
            &format!("`consent.{key}`"),
            value,
            "a CSS selector, or a list of steps",
            &format!(
                "e.g. {key} = \"#cookie-banner .{key}\", or \
                 {key} = [\"#cookie-settings\", {{ text = \"Tout refuser\" }}]"
            ),
        )),
    }
}

/// A button's text as a step names it.
fn button_text(src: &Source<'_>, key: &str, value: &Value<'_>) -> Result<String, ConfigError> {
    let help = "write { text = \"Tout refuser\" }, the text of the button to click";
    let Some(written) = value.get_ref().as_str() else {
        return Err(type_error(
            src,
            &format!("the `text` of a step of `consent.{key}`"),
            value,
            "a string",
            help,
        ));
    };
    if written.trim().is_empty() || written.len() > MAX_SELECTOR_BYTES {
        return Err(src
            .error_at(
                value.span(),
                format!(
                    "the `text` of a step of `consent.{key}` must be 1 to \
                     {MAX_SELECTOR_BYTES} bytes long"
                ),
            )
            .with_help(help));
    }
    Ok(written.trim().to_owned())
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
