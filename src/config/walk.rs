//! The walk through the document: `[defaults]`, then each `[[target]]`, in file order.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;

use crate::types::{Jurisdiction, Politeness};

use super::consent::CONSENT_KEYS;
use super::error::ConfigError;
use super::run::{RUN_KEYS, apply_run_setting, not_per_target};
use super::section::{Section, unknown_key};
use super::settings::{SETTINGS_KEYS, apply_setting};
use super::source::{Key, Source, Value, in_file_order, key_name};
use super::types::{CharterSource, Config, CrawlSettings, Target};
use super::values::{charter, keyword, site_url, start_pages, target_name};

const TOP_LEVEL_KEYS: &[&str] = &["defaults", "target"];
const TARGET_ONLY_KEYS: &[&str] = &["name", "url", "charter", "start", "jurisdiction"];

/// Checks a `targets.toml` text, with `[[target]]` blocks required or not.
/// `check_files` says whether local `charter` files must exist (see [`Source::check_files`]).
pub(super) fn parse_document(
    text: &str,
    path: &Path,
    targets_required: bool,
    check_files: bool,
) -> Result<Config, ConfigError> {
    let src = Source::new(text, path, check_files);
    let document = DeTable::parse(text).map_err(|err| src.syntax_error(&err))?;
    let mut defaults = None;
    let mut targets = None;
    for (key, value) in in_file_order(document.get_ref()) {
        match key_name(key) {
            "defaults" => defaults = Some(parse_defaults(&src, value)?),
            "target" => targets = Some(value),
            _ => return Err(not_allowed(&src, key, Section::TopLevel)),
        }
    }
    let (defaults, politeness) = defaults.unwrap_or_default();
    let targets = if targets.is_none() && !targets_required {
        Vec::new()
    } else {
        parse_targets(&src, targets, &defaults)?
    };
    Ok(Config {
        defaults,
        politeness,
        targets,
    })
}

fn parse_defaults(
    src: &Source<'_>,
    value: &Value<'_>,
) -> Result<(CrawlSettings, Politeness), ConfigError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(src
            .error_at(value.span(), "`defaults` must be a table")
            .with_help("write a [defaults] section, e.g. [defaults] followed by max_pages = 30"));
    };
    let mut settings = CrawlSettings::default();
    let mut politeness = Politeness::default();
    for (key, value) in in_file_order(table) {
        let name = key_name(key);
        if !apply_setting(src, &mut settings, name, value)?
            && !apply_run_setting(src, &mut politeness, name, value)?
        {
            return Err(not_allowed(src, key, Section::Defaults));
        }
    }
    Ok((settings, politeness))
}

fn parse_targets(
    src: &Source<'_>,
    value: Option<&Value<'_>>,
    defaults: &CrawlSettings,
) -> Result<Vec<Target>, ConfigError> {
    let Some(value) = value else {
        return Err(no_targets(src, 0..0));
    };
    let DeValue::Array(blocks) = value.get_ref() else {
        return Err(src
            .error_at(value.span(), "`target` must be a list of [[target]] blocks")
            .with_help("write [[target]] with double brackets, one block per site"));
    };
    if blocks.is_empty() {
        return Err(no_targets(src, value.span()));
    }
    let mut first_line_of_name: HashMap<String, usize> = HashMap::new();
    let mut targets = Vec::with_capacity(blocks.len());
    for (position, block) in blocks.iter().enumerate() {
        let (target, name_span) = parse_target(src, position + 1, block, defaults)?;
        if let Some(first_line) = first_line_of_name.get(&target.name) {
            return Err(src
                .error_at(
                    name_span,
                    format!("duplicate target name {:?}", target.name),
                )
                .with_help(format!(
                    "a target with this name is already defined on line {first_line}; \
                     give each [[target]] a unique name"
                )));
        }
        first_line_of_name.insert(target.name.clone(), src.line_of(&name_span));
        targets.push(target);
    }
    Ok(targets)
}

fn no_targets(src: &Source<'_>, span: Range<usize>) -> ConfigError {
    src.error_at(span, "no [[target]] defined")
        .with_help("add at least one [[target]] with name and url")
}

/// The keys of a `[[target]]` block that are not crawl settings, collected
/// before the checks that need several of them at once.
#[derive(Default)]
struct TargetKeys<'t, 'i> {
    name: Option<Spanned<String>>,
    url: Option<Url>,
    charter: Option<CharterSource>,
    /// Kept raw because relative entries need `url`, which may come later.
    start: Option<&'t Value<'i>>,
    jurisdiction: Option<Jurisdiction>,
}

/// Checks one `[[target]]` block and also returns the span of its name, so
/// the caller can point at a duplicate.
fn parse_target(
    src: &Source<'_>,
    index: usize,
    block: &Value<'_>,
    defaults: &CrawlSettings,
) -> Result<(Target, Range<usize>), ConfigError> {
    let DeValue::Table(table) = block.get_ref() else {
        return Err(src
            .error_at(block.span(), format!("[[target]] #{index} must be a table"))
            .with_help("write each target as a [[target]] block with name and url"));
    };
    let section = Section::Target {
        index,
        name: table.get("name").and_then(|name| name.get_ref().as_str()),
    };
    let mut settings = defaults.clone();
    let mut keys = TargetKeys::default();
    for (key, value) in in_file_order(table) {
        match key_name(key) {
            "name" => keys.name = Some(target_name(src, value)?),
            "url" => keys.url = Some(site_url(src, value)?),
            "charter" => keys.charter = Some(charter(src, value)?),
            "start" => keys.start = Some(value),
            "jurisdiction" => keys.jurisdiction = Some(keyword(src, "jurisdiction", value)?),
            other if RUN_KEYS.contains(&other) => return Err(not_per_target(src, key, section)),
            other => {
                if !apply_setting(src, &mut settings, other, value)? {
                    return Err(not_allowed(src, key, section));
                }
            }
        }
    }
    let name = keys
        .name
        .ok_or_else(|| missing_key(src, block, section, "name", "\"example.org\""))?;
    let url = keys
        .url
        .ok_or_else(|| missing_key(src, block, section, "url", "\"https://example.org/\""))?;
    let start = match keys.start {
        Some(value) => start_pages(src, &url, value)?,
        None => Vec::new(),
    };
    let name_span = name.span();
    let target = Target {
        name: name.into_inner(),
        url,
        charter: keys.charter,
        start,
        jurisdiction: keys.jurisdiction.unwrap_or_default(),
        settings,
    };
    Ok((target, name_span))
}

fn missing_key(
    src: &Source<'_>,
    block: &Value<'_>,
    section: Section<'_>,
    key: &str,
    example: &str,
) -> ConfigError {
    src.error_at(block.span(), format!("{section} has no `{key}`"))
        .with_help(format!("add {key} = {example}"))
}

/// [`unknown_key`] with the keys `section` allows, crawl settings included.
fn not_allowed(src: &Source<'_>, key: &Key<'_>, section: Section<'_>) -> ConfigError {
    let home = home_of(section, key_name(key));
    unknown_key(src, key, section, &allowed_keys(section), home)
}

fn allowed_keys(section: Section<'_>) -> Vec<&'static str> {
    match section {
        Section::TopLevel => TOP_LEVEL_KEYS.to_vec(),
        Section::Defaults => [SETTINGS_KEYS, RUN_KEYS].concat(),
        Section::Target { .. } => [TARGET_ONLY_KEYS, SETTINGS_KEYS].concat(),
        Section::Consent => CONSENT_KEYS.to_vec(),
    }
}

/// Where a key that is valid elsewhere belongs, because "unknown key" is
/// misleading when the key is merely in the wrong section.
fn home_of(section: Section<'_>, key: &str) -> Option<&'static str> {
    let is_setting = SETTINGS_KEYS.contains(&key);
    let is_target_only = TARGET_ONLY_KEYS.contains(&key);
    match section {
        Section::TopLevel if is_setting => Some("[defaults] or a [[target]]"),
        Section::TopLevel if RUN_KEYS.contains(&key) => Some("[defaults]"),
        Section::TopLevel | Section::Defaults if is_target_only => Some("a [[target]]"),
        _ => None,
    }
}
