//! The run-wide settings of `[defaults]`: the politeness every target shares. They are not
//! crawl settings of one target, since one budget per address is only a budget when all the
//! targets on that address count against it; a `[[target]]` that sets one is refused.

use toml::de::DeValue;

use crate::types::{MAX_REQUESTS_PER_SECOND_PER_IP, Politeness};

use super::error::ConfigError;
use super::section::Section;
use super::source::{Key, Source, Value, key_name};
use super::values::{keyword, type_error};

/// The run-wide keys, in the order messages list them.
pub(super) const RUN_KEYS: &[&str] = &["politeness_key", "max_requests_per_second_per_ip"];

/// Applies one run-wide key of `[defaults]`; `false` when `key` is not one.
pub(super) fn apply_run_setting(
    src: &Source<'_>,
    politeness: &mut Politeness,
    key: &str,
    value: &Value<'_>,
) -> Result<bool, ConfigError> {
    match key {
        "politeness_key" => politeness.key = keyword(src, key, value)?,
        "max_requests_per_second_per_ip" => {
            politeness.max_requests_per_second_per_ip = rate(src, key, value)?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The error for a run-wide key in a `[[target]]`: one target cannot have a budget of its own
/// on an address other targets share.
pub(super) fn not_per_target(src: &Source<'_>, key: &Key<'_>, section: Section<'_>) -> ConfigError {
    let name = key_name(key);
    src.error_at(
        key.span(),
        format!("`{name}` in {section} applies to the whole run, not to one target"),
    )
    .with_help(format!(
        "move it to [defaults]: every target's requests to one address (or host, or domain) \
         share one budget; a target's own pace is delay_ms and concurrency (allowed run-wide \
         keys: {})",
        RUN_KEYS.join(", ")
    ))
}

/// Requests per second: a number above 0, whole or decimal (`0.5` is one request every 2 s).
pub(super) fn rate(src: &Source<'_>, key: &str, value: &Value<'_>) -> Result<f64, ConfigError> {
    let example = format!("{key} = 10");
    let (written, text) = match value.get_ref() {
        DeValue::Integer(integer) => (
            i128::from_str_radix(integer.as_str(), integer.radix())
                .ok()
                .map(|n| n as f64),
            integer.as_str().to_owned(),
        ),
        DeValue::Float(float) => (
            float.as_str().replace('_', "").parse::<f64>().ok(),
            float.as_str().to_owned(),
        ),
        _ => {
            return Err(type_error(
                src,
                &format!("`{key}`"),
                value,
                "a number of requests per second",
                &format!("write it without quotes, e.g. {example} or {key} = 0.5"),
            ));
        }
    };
    match written {
        Some(rate) if rate.is_finite() && rate > 0.0 && rate <= MAX_REQUESTS_PER_SECOND_PER_IP => {
            Ok(rate)
        }
        _ => Err(src
            .error_at(
                value.span(),
                format!(
                    "`{key}` must be above 0 and at most {MAX_REQUESTS_PER_SECOND_PER_IP}, \
                     found {text}"
                ),
            )
            .with_help(format!(
                "e.g. {example}; 0.5 is one request every 2 s to one address"
            ))),
    }
}
