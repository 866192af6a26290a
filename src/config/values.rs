//! Readers of one value each: numbers within a range, keywords, strings, URLs, the charter and
//! the user agent, each rejecting what it cannot use with a located error.

use std::fmt;
use std::io;
use std::path::Path;

use toml::Spanned;
use toml::de::DeValue;
use url::Url;

use crate::types::{Engine, Jurisdiction, PolitenessKey};

use super::error::{ConfigError, closest};
use super::source::{Source, Value};
use super::types::{CharterSource, DEFAULT_USER_AGENT};

/// The accepted range of a numeric setting, and a sensible value to show in
/// help texts.
pub(super) struct NumberRule<T> {
    pub(super) min: T,
    pub(super) max: T,
    pub(super) example: T,
}

pub(super) fn number<T>(
    src: &Source<'_>,
    key: &str,
    value: &Value<'_>,
    rule: NumberRule<T>,
) -> Result<T, ConfigError>
where
    T: Copy + PartialOrd + fmt::Display + TryFrom<i128>,
{
    let example = format!("{key} = {}", rule.example);
    let error = |message: String| {
        src.error_at(value.span(), message)
            .with_help(format!("e.g. {example}"))
    };
    let DeValue::Integer(integer) = value.get_ref() else {
        return Err(type_error(
            src,
            &format!("`{key}`"),
            value,
            "a whole number",
            &format!("write it without quotes or decimals, e.g. {example}"),
        ));
    };
    let Ok(written) = i128::from_str_radix(integer.as_str(), integer.radix()) else {
        return Err(error(format!("`{key}` = {integer} is far too large")));
    };
    if written < 0 {
        return Err(error(format!(
            "`{key}` must not be negative, found {written}"
        )));
    }
    let in_range = T::try_from(written).ok().filter(|n| *n <= rule.max);
    let Some(n) = in_range else {
        return Err(error(format!(
            "`{key}` must be at most {}, found {written}",
            rule.max
        )));
    };
    if n < rule.min {
        return Err(error(format!(
            "`{key}` must be at least {}, found {n}",
            rule.min
        )));
    }
    Ok(n)
}

/// Words with a fixed set of spellings in `targets.toml`.
pub(super) trait Keyword: Copy + 'static {
    const ALL: &'static [Self];
    fn spelling(self) -> &'static str;
}

impl Keyword for Engine {
    const ALL: &'static [Self] = &[Self::Http, Self::Browser];
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

impl Keyword for PolitenessKey {
    const ALL: &'static [Self] = &[Self::Ip, Self::Host, Self::Domain];
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

impl Keyword for Jurisdiction {
    const ALL: &'static [Self] = &[Self::Eu, Self::Be, Self::Fr];
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

pub(super) fn keyword<T: Keyword>(
    src: &Source<'_>,
    key: &str,
    value: &Value<'_>,
) -> Result<T, ConfigError> {
    let allowed: Vec<&str> = T::ALL.iter().map(|word| word.spelling()).collect();
    let example = format!(
        "{key} = \"{}\"",
        allowed.first().copied().unwrap_or_default()
    );
    let written = string(src, key, value, &example)?;
    if let Some(word) = T::ALL.iter().find(|word| word.spelling() == written) {
        return Ok(*word);
    }
    let hint = closest(written, &allowed)
        .map(|suggestion| format!("did you mean \"{suggestion}\"? "))
        .unwrap_or_default();
    Err(src
        .error_at(value.span(), format!("unknown {key} {written:?}"))
        .with_help(format!("{hint}allowed values: {}", allowed.join(", "))))
}

pub(super) fn type_error(
    src: &Source<'_>,
    subject: &str,
    value: &Value<'_>,
    expected: &str,
    help: &str,
) -> ConfigError {
    let found = describe(value.get_ref());
    src.error_at(
        value.span(),
        format!("{subject} must be {expected}, found {found}"),
    )
    .with_help(help)
}

/// Names a value the way the user wrote it, so type errors show what is there.
fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(text) => format!("the string {text:?}"),
        DeValue::Integer(integer) => format!("the number {integer}"),
        DeValue::Float(float) => format!("the decimal number {}", float.as_str()),
        DeValue::Boolean(flag) => format!("`{flag}`"),
        DeValue::Datetime(datetime) => format!("the date {datetime}"),
        DeValue::Array(_) => "a list".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}

pub(super) fn string<'v>(
    src: &Source<'_>,
    key: &str,
    value: &'v Value<'_>,
    example: &str,
) -> Result<&'v str, ConfigError> {
    value.get_ref().as_str().ok_or_else(|| {
        type_error(
            src,
            &format!("`{key}`"),
            value,
            "a string",
            &format!("put the value in quotes, e.g. {example}"),
        )
    })
}

/// `true` or `false`.
pub(super) fn boolean(src: &Source<'_>, key: &str, value: &Value<'_>) -> Result<bool, ConfigError> {
    value.get_ref().as_bool().ok_or_else(|| {
        type_error(
            src,
            &format!("`{key}`"),
            value,
            "`true` or `false`",
            &format!("write {key} = true or {key} = false, without quotes"),
        )
    })
}

fn has_control_chars(text: &str) -> bool {
    text.chars().any(char::is_control)
}

pub(super) fn target_name(
    src: &Source<'_>,
    value: &Value<'_>,
) -> Result<Spanned<String>, ConfigError> {
    const EXAMPLE: &str = "name = \"example.org\"";
    let name = string(src, "name", value, EXAMPLE)?;
    if name.trim().is_empty() {
        return Err(src
            .error_at(value.span(), "`name` must not be empty")
            .with_help(format!(
                "give the target a short unique label, e.g. {EXAMPLE}"
            )));
    }
    if has_control_chars(name) {
        return Err(src
            .error_at(
                value.span(),
                format!("`name` must not contain control characters, found {name:?}"),
            )
            .with_help(format!("use printable characters only, e.g. {EXAMPLE}")));
    }
    Ok(Spanned::new(value.span(), name.to_owned()))
}

fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

pub(super) fn site_url(src: &Source<'_>, value: &Value<'_>) -> Result<Url, ConfigError> {
    const EXAMPLE: &str = "url = \"https://example.org/\"";
    let written = string(src, "url", value, EXAMPLE)?;
    let problem = match Url::parse(written) {
        Ok(url) if is_http(&url) => return Ok(url),
        Ok(url) => format!("it uses the `{}` scheme", url.scheme()),
        Err(err) => err.to_string(),
    };
    Err(src
        .error_at(
            value.span(),
            format!("`url` must be an absolute http(s) URL, found {written:?} ({problem})"),
        )
        .with_help(format!("write the full address, e.g. {EXAMPLE}")))
}

pub(super) fn start_pages(
    src: &Source<'_>,
    base: &Url,
    value: &Value<'_>,
) -> Result<Vec<Url>, ConfigError> {
    let DeValue::Array(entries) = value.get_ref() else {
        return Err(type_error(
            src,
            "`start`",
            value,
            "a list of strings",
            "write a list, even for one page, e.g. start = [\"/explore/\"]",
        ));
    };
    entries
        .iter()
        .map(|entry| start_page(src, base, entry))
        .collect()
}

fn start_page(src: &Source<'_>, base: &Url, entry: &Value<'_>) -> Result<Url, ConfigError> {
    const HELP: &str = "give a path on the site or a full http(s) URL, \
                        e.g. start = [\"/explore/\", \"https://example.org/news/\"]";
    let Some(written) = entry.get_ref().as_str() else {
        return Err(type_error(
            src,
            "each `start` entry",
            entry,
            "a string",
            HELP,
        ));
    };
    if written.trim().is_empty() {
        return Err(src
            .error_at(entry.span(), "`start` entries must not be empty")
            .with_help(HELP));
    }
    let problem = match base.join(written) {
        Ok(url) if is_http(&url) => return Ok(url),
        Ok(url) => format!("it resolves to a `{}` URL", url.scheme()),
        Err(err) => err.to_string(),
    };
    Err(src
        .error_at(
            entry.span(),
            format!("`start` entry {written:?} is not a usable http(s) page ({problem})"),
        )
        .with_help(HELP))
}

pub(super) fn charter(src: &Source<'_>, value: &Value<'_>) -> Result<CharterSource, ConfigError> {
    const EXAMPLE: &str = "charter = \"https://example.org/cookies/\"";
    let written = string(src, "charter", value, EXAMPLE)?;
    if written.trim().is_empty() {
        return Err(src
            .error_at(value.span(), "`charter` must not be empty")
            .with_help(format!(
                "give the charter's URL or a file path, e.g. {EXAMPLE}, or remove the key"
            )));
    }
    match Url::parse(written) {
        Ok(url) if is_http(&url) => Ok(CharterSource::Url(url)),
        _ => {
            let path = src.base_dir().join(written);
            if src.check_files {
                charter_file_exists(src, value, &path)?;
            }
            Ok(CharterSource::File(path))
        }
    }
}

/// A mistyped charter path would otherwise be found out only after the whole crawl, as a
/// `charter_missing` finding that blames the portal for the tool's configuration.
fn charter_file_exists(
    src: &Source<'_>,
    value: &Value<'_>,
    path: &Path,
) -> Result<(), ConfigError> {
    let problem = match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => "is a folder, not a file".to_owned(),
        Ok(_) => return Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => "does not exist".to_owned(),
        Err(err) => format!("cannot be read: {err}"),
    };
    let base = src.base_dir();
    let folder = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let hint = similar_file_name(path)
        .map(|name| format!("did you mean `{name}`? "))
        .unwrap_or_default();
    Err(src
        .error_at(
            value.span(),
            format!("`charter` file {} {problem}", path.display()),
        )
        .with_help(format!(
            "{hint}a charter path is read relative to {} (the folder of the targets file); \
             fix the path, or give the charter's http(s) URL",
            folder.display()
        )))
}

/// The name of a file beside `path` that is spelt almost like it, for a typo's fix.
fn similar_file_name(path: &Path) -> Option<String> {
    // A folder of thousands of files is not worth a slower start for a hint.
    const MAX_ENTRIES: usize = 1000;
    let written = path.file_name()?.to_str()?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let names: Vec<String> = std::fs::read_dir(folder)
        .ok()?
        .take(MAX_ENTRIES)
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
    closest(written, &candidates).map(str::to_owned)
}

pub(super) fn user_agent(src: &Source<'_>, value: &Value<'_>) -> Result<String, ConfigError> {
    const EXAMPLE: &str = "user_agent = \"my-audit/1.0 (+https://example.org/contact)\"";
    let written = string(src, "user_agent", value, EXAMPLE)?;
    if written.trim().is_empty() {
        return Err(src
            .error_at(value.span(), "`user_agent` must not be empty")
            .with_help(format!(
                "remove the key to send the default \"{DEFAULT_USER_AGENT}\", or e.g. {EXAMPLE}"
            )));
    }
    if has_control_chars(written) {
        return Err(src
            .error_at(
                value.span(),
                format!("`user_agent` must not contain control characters, found {written:?}"),
            )
            .with_help("keep it on one line, without tabs or other control characters"));
    }
    Ok(written.to_owned())
}
