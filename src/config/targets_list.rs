//! `--targets-list`: a plain list of start URLs, one target each.

use std::collections::HashMap;
use std::path::Path;

use url::Url;

use crate::types::Jurisdiction;

use super::error::ConfigError;
use super::source::Source;
use super::types::{CrawlSettings, Target};

/// A plain list of start URLs, one per line (blank lines and `#` comments skipped), each a
/// target with `defaults`, named after its host (and path, when two share a host).
///
/// # Errors
///
/// A line that is not an absolute http(s) URL, or a URL listed twice, with its line.
pub(crate) fn parse_targets_list(
    text: &str,
    path: &Path,
    defaults: &CrawlSettings,
) -> Result<Vec<Target>, ConfigError> {
    let src = Source::new(text, path, false);
    let mut targets: Vec<Target> = Vec::new();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let written = line.trim();
        if written.is_empty() || written.starts_with('#') {
            continue;
        }
        let span = start + (line.len() - line.trim_start().len())..start + line.trim_end().len();
        let url = Url::parse(written)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                src.error_at(
                    span.clone(),
                    format!("{written:?} is not an absolute http(s) URL"),
                )
                .with_help("write one start URL per line, e.g. https://opendata.example.org/")
            })?;
        if let Some(first) = first_line_of.get(url.as_str()) {
            return Err(src
                .error_at(span, format!("{url} is listed twice"))
                .with_help(format!(
                    "it is already on line {first}; keep one of the two"
                )));
        }
        first_line_of.insert(url.to_string(), index + 1);
        let host = url.host_str().unwrap_or_default().to_string();
        let name = if targets.iter().any(|t| t.name == host) {
            format!("{host}{}", url.path().trim_end_matches('/'))
        } else {
            host
        };
        targets.push(Target {
            name,
            url,
            charter: None,
            start: Vec::new(),
            jurisdiction: Jurisdiction::default(),
            settings: defaults.clone(),
        });
    }
    if targets.is_empty() {
        return Err(src
            .error_at(0..0, "no URL in the list")
            .with_help("write one start URL per line, e.g. https://opendata.example.org/"));
    }
    Ok(targets)
}
