//! Reading a `report.json` back: for `diff`, `render`, `merge` and `audit --baseline`.
//!
//! A report handed to these commands is often the wrong file: a copy cut short by a full disk,
//! an HTML page saved under the wrong name, a report of another version. Each of these gets its
//! own error that names the file and says what to do, instead of serde's field-level complaint.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{Error as _, IgnoredAny, MapAccess, Visitor};
use serde_json::error::Category;

use crate::types::{Report, SCHEMA_VERSION};

/// The largest report file read (a report of 441 portals is a few MB; anything far bigger is not
/// one).
pub(crate) const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Why a report could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}; check the path and that it is readable", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is larger than any report could be.
    #[error(
        "{} is at least {bytes} bytes, over the {limit}-byte limit for a report: \
         check that it is a report.json written by cookie-audit",
        .path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (from its metadata, or what reading it found when it grew meanwhile).
        bytes: u64,
        /// The limit it is over.
        limit: u64,
    },
    /// The file is not (whole) JSON.
    #[error(
        "{} is truncated or not JSON (line {line}, column {column}: {message}): \
         use a complete report.json written by cookie-audit audit or merge",
        .path.display()
    )]
    NotJson {
        /// The file.
        path: PathBuf,
        /// Where the JSON stops making sense (1-based).
        line: usize,
        /// The column on that line (1-based).
        column: usize,
        /// What the JSON parser found there.
        message: String,
    },
    /// Valid JSON, but not the shape of a report.
    #[error(
        "{} is JSON but not a cookie-audit report ({why}): \
         use the report.json written by cookie-audit audit or merge",
        .path.display()
    )]
    NotAReport {
        /// The file.
        path: PathBuf,
        /// What is missing or wrong, with its line and column.
        why: String,
    },
    /// A report of another schema version.
    #[error(
        "{} was written by {} cookie-audit (schema_version {found}); this one reads \
         schema_version {supported}: read it with the cookie-audit that wrote it, or audit again",
        .path.display(),
        age_of(*.found, *.supported)
    )]
    WrongSchema {
        /// The file.
        path: PathBuf,
        /// Its `schema_version`.
        found: u64,
        /// The version this build reads ([`SCHEMA_VERSION`]).
        supported: u32,
    },
}

fn age_of(found: u64, supported: u32) -> &'static str {
    if found > u64::from(supported) {
        "a newer"
    } else {
        "an older"
    }
}

/// Reads and checks a report written by `cookie-audit audit` (or merge).
pub(crate) fn load_report(path: &Path) -> Result<Report, LoadError> {
    load_report_within(path, MAX_REPORT_BYTES)
}

/// [`load_report`] with the size limit as a parameter, so tests need not write 256 MB.
fn load_report_within(path: &Path, limit: u64) -> Result<Report, LoadError> {
    let bytes = read_within(path, limit)?;
    parse_named(&bytes, path.to_path_buf())
}

fn read_within(path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_large = |bytes| LoadError::TooLarge {
        path: path.to_path_buf(),
        bytes,
        limit,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let announced = file.metadata().map_err(io)?.len();
    if announced > limit {
        return Err(too_large(announced));
    }
    // The metadata can lie (a pipe says 0, a file may grow while read): the cap is enforced
    // on what is actually read too.
    let mut bytes = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(too_large(read));
    }
    Ok(bytes)
}

fn parse_named(bytes: &[u8], path: PathBuf) -> Result<Report, LoadError> {
    // The version is checked before the typed parse: a report of another version would
    // otherwise fail on whichever field changed, and the user would chase the wrong problem.
    let probe: VersionProbe =
        serde_json::from_slice(bytes).map_err(|err| json_error(err, &path))?;
    match probe.schema_version {
        None => {
            return Err(LoadError::NotAReport {
                path,
                why: "it has no schema_version".to_string(),
            });
        }
        Some(found) if found != u64::from(SCHEMA_VERSION) => {
            return Err(LoadError::WrongSchema {
                path,
                found,
                supported: SCHEMA_VERSION,
            });
        }
        Some(_) => {}
    }
    serde_json::from_slice(bytes).map_err(|err| json_error(err, &path))
}

/// Sorts serde_json's errors into "not JSON at all" and "JSON of the wrong shape".
fn json_error(err: serde_json::Error, path: &Path) -> LoadError {
    let path = path.to_path_buf();
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => LoadError::NotJson {
            path,
            line: err.line(),
            column: err.column(),
            message: message_without_position(&err),
        },
        Category::Data => LoadError::NotAReport {
            path,
            why: err.to_string(),
        },
    }
}

/// serde_json's message without the " at line L column C" it appends, which `NotJson` says
/// in its own words.
fn message_without_position(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    match full.strip_suffix(&suffix) {
        Some(message) => message.to_string(),
        None => full,
    }
}

/// The top-level `schema_version` of a JSON object, every other member skipped unparsed.
///
/// Written by hand rather than derived: a derived struct also accepts a JSON array (as a tuple
/// of its fields), and an array is not a report.
struct VersionProbe {
    schema_version: Option<u64>,
}

impl<'de> Deserialize<'de> for VersionProbe {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(VersionProbeVisitor)
    }
}

struct VersionProbeVisitor;

impl<'de> Visitor<'de> for VersionProbeVisitor {
    type Value = VersionProbe;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object with a schema_version")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<VersionProbe, A::Error> {
        let mut schema_version = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "schema_version" {
                let value = map.next_value::<serde_json::Value>()?;
                let version = value.as_u64().ok_or_else(|| {
                    A::Error::custom(format_args!(
                        "schema_version is {value}, not a whole number"
                    ))
                })?;
                schema_version = Some(version);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(VersionProbe { schema_version })
    }
}

/// Reports built by hand for the tests of `load`, `diff` and `merge`.
#[cfg(test)]
pub(crate) mod fixtures {
    use serde_json::{Value, json};

    use crate::types::{Report, TargetReport, Totals};

    /// A report of run `id` holding `targets`, totals computed.
    pub(crate) fn report(id: &str, targets: Vec<TargetReport>) -> Report {
        let mut report: Report = serde_json::from_value(json!({
            "schema_version": 1,
            "tool": {"name": "cookie-audit", "version": "0.1.0"},
            "run": {"id": id, "started_at": "2026-01-01T10:00:00Z",
                    "finished_at": "2026-01-01T10:05:00Z", "engine": "http", "partial": false},
            "targets": [],
            "totals": {"targets": 0, "audited": 0, "failed": 0,
                       "findings": {"high": 0, "medium": 0, "low": 0, "info": 0}}
        }))
        .expect("fixture report");
        report.totals = Totals::of(&targets);
        report.targets = targets;
        report
    }

    /// An audited target with a parsed charter declaring `declared`.
    pub(crate) fn target(
        name: &str,
        observed: Vec<Value>,
        declared: &[&str],
        findings: Vec<Value>,
    ) -> TargetReport {
        let declared: Vec<Value> = declared.iter().map(|name| declaration(name)).collect();
        serde_json::from_value(json!({
            "name": name, "url": format!("https://{name}/"), "jurisdiction": "be",
            "engine": "http", "status": "audited", "error": null,
            "charter": {"source": format!("https://{name}/cookies"), "status": "parsed",
                        "error": null, "portal_url": null, "declared": declared},
            "crawl": {"pages": [], "requests": 3, "duration_ms": 1200, "subresources": 0},
            "observed": observed, "storage": [], "malformed_set_cookies": [],
            "findings": findings
        }))
        .expect("fixture target")
    }

    /// A target whose start page could not be fetched, as the pipeline writes it.
    pub(crate) fn failed_target(name: &str, error: &str) -> TargetReport {
        let mut target = target(name, Vec::new(), &[], Vec::new());
        target.status = crate::types::TargetStatus::Failed;
        target.error = Some(error.to_string());
        target.charter = crate::types::Charter::not_found("not looked for");
        target
    }

    fn declaration(name: &str) -> Value {
        json!({"name": name, "match": "exact", "provider": "", "service": "", "purpose": "",
               "category": "unknown", "duration": null, "duration_seconds": null})
    }

    /// A first-party persistent cookie on `domain` at `/`, lifetime `lifetime` seconds.
    pub(crate) fn cookie(name: &str, domain: &str, lifetime: i64) -> Value {
        json!({
            "name": name, "domain": domain, "host_only": true, "path": "/", "party": "first",
            "source": "http", "phase": "none", "secure": true, "http_only": true,
            "same_site": "Lax", "session": false, "lifetime_seconds": lifetime,
            "value_length": 16, "set_by": format!("https://{domain}/"),
            "first_seen_on": format!("https://{domain}/"), "seen_on_pages": 1,
            "declared_as": null, "blocked": null, "variants": []
        })
    }

    /// A finding of `kind` about `cookie`.
    pub(crate) fn finding(
        kind: &str,
        severity: &str,
        cookie: Option<&str>,
        message: &str,
    ) -> Value {
        json!({"kind": kind, "severity": severity, "cookie": cookie, "message": message,
               "evidence": {}})
    }
}

/// The same from bytes already read (`name` for messages).
#[cfg(test)]
fn parse_report(bytes: &[u8], name: &str) -> Result<Report, LoadError> {
    parse_named(bytes, PathBuf::from(name))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::fixtures::{cookie, finding, report, target};
    use super::*;

    fn sample() -> Report {
        report(
            "20260101T100000Z",
            vec![target(
                "opendata.example.be",
                vec![cookie("csrftoken", "opendata.example.be", 31_449_600)],
                &["csrftoken"],
                vec![finding("undeclared", "high", Some("_ga"), "declare _ga")],
            )],
        )
    }

    fn write_file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(bytes).expect("write temp file");
        file
    }

    #[test]
    fn a_written_report_loads_back_equal() {
        let original = sample();
        let file = write_file(&serde_json::to_vec_pretty(&original).expect("serialise"));
        let loaded = load_report(file.path()).expect("a valid report loads");
        assert_eq!(loaded, original);
    }

    #[test]
    fn a_report_cut_in_half_is_truncated_json() {
        let json = serde_json::to_vec_pretty(&sample()).expect("serialise");
        let file = write_file(&json[..json.len() / 2]);
        let err = load_report(file.path()).expect_err("half a report is not a report");
        assert!(
            matches!(err, LoadError::NotJson { line, .. } if line > 1),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("truncated"), "{message}");
        assert!(
            message.contains(&file.path().display().to_string()),
            "{message}"
        );
    }

    #[test]
    fn text_after_the_report_is_not_json() {
        let mut json = serde_json::to_vec(&sample()).expect("serialise");
        json.extend_from_slice(b" <html>");
        let err = parse_report(&json, "report.json").expect_err("trailing text");
        assert!(matches!(err, LoadError::NotJson { .. }), "{err:?}");
    }

    #[test]
    fn a_json_array_is_not_a_report() {
        let err = parse_report(b"[1, 2, 3]", "list.json").expect_err("an array");
        assert!(matches!(err, LoadError::NotAReport { .. }), "{err:?}");
        assert!(err.to_string().contains("list.json"), "{err}");
    }

    #[test]
    fn an_object_without_schema_version_is_not_a_report() {
        let err = parse_report(br#"{"targets": []}"#, "other.json").expect_err("no version");
        assert!(
            matches!(&err, LoadError::NotAReport { why, .. } if why.contains("schema_version")),
            "{err:?}"
        );
        let err = parse_report(br#"{"schema_version": "1"}"#, "s.json").expect_err("a string");
        assert!(
            matches!(&err, LoadError::NotAReport { why, .. } if why.contains("schema_version is \"1\"")),
            "{err:?}"
        );
    }

    #[test]
    fn a_missing_field_is_named_with_its_position() {
        let mut value = serde_json::to_value(sample()).expect("to value");
        value["targets"][0]
            .as_object_mut()
            .expect("target object")
            .remove("url");
        let bytes = serde_json::to_vec(&value).expect("serialise");
        let err = parse_report(&bytes, "r.json").expect_err("url missing");
        assert!(
            matches!(&err, LoadError::NotAReport { why, .. } if why.contains("`url`") && why.contains("line")),
            "{err:?}"
        );
    }

    #[test]
    fn another_schema_version_is_reported_before_its_fields() {
        // Deliberately lacking every other field: the version must be what is complained about.
        let err = parse_report(br#"{"schema_version": 2, "shape": "new"}"#, "new.json")
            .expect_err("version 2");
        assert!(
            matches!(
                err,
                LoadError::WrongSchema {
                    found: 2,
                    supported: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("newer"), "{message}");
        let older = parse_report(br#"{"schema_version": 0}"#, "old.json").expect_err("version 0");
        assert!(older.to_string().contains("older"), "{older}");
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("absent.json");
        let err = load_report(&path).expect_err("no such file");
        assert!(
            matches!(&err, LoadError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
            "{err:?}"
        );
        assert!(err.to_string().contains("absent.json"), "{err}");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_parsing() {
        let json = serde_json::to_vec(&sample()).expect("serialise");
        let file = write_file(&json);
        let limit = json.len() as u64 - 1;
        let err = load_report_within(file.path(), limit).expect_err("one byte too many");
        assert!(
            matches!(err, LoadError::TooLarge { bytes, limit: l, .. } if bytes == json.len() as u64 && l == limit),
            "{err:?}"
        );
        let exact = load_report_within(file.path(), json.len() as u64);
        assert!(
            exact.is_ok(),
            "a file of exactly the limit is read: {exact:?}"
        );
    }
}
