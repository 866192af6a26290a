//! Writing a run's report under `reports/<run-id>/` and refreshing `reports/latest.json`.
//!
//! Every file is written to a temporary file in its final folder, flushed, then renamed over
//! its destination: a crash, a full disk or a second reader never sees half a report, and the
//! previous `latest.json` stays intact until the new one is whole.

use std::io::Write;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::types::Report;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    /// A folder could not be created.
    #[error("cannot create the report folder {path}: {source}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file could not be written or renamed into place.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The destination file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The report could not be serialised.
    #[error("cannot serialise the report: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The HTML report could not be rendered.
    #[error("cannot render the HTML report: {0}")]
    Html(#[from] super::render::html::HtmlError),
}

/// Where a run's files were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportPaths {
    /// `reports/<run-id>/report.json`.
    pub report_json: PathBuf,
    /// `reports/<run-id>/report.html`.
    pub report_html: PathBuf,
    /// `reports/latest.json`.
    pub latest_json: PathBuf,
    /// `reports/latest.html`.
    pub latest_html: PathBuf,
}

/// A run identifier from its start time: sortable, and safe as a folder name on every system.
pub(crate) fn run_id(started_at: OffsetDateTime) -> String {
    let t = started_at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Writes `report` to `<out>/<run id>/report.json` and `report.html`, then refreshes
/// `<out>/latest.json` and `<out>/latest.html`.
///
/// When a folder of the same run id exists already (two runs in one second), a suffix is added
/// and the report's `run.id` is updated to match, so the id always names the folder. Both files
/// are rendered straight into temporary files (a report of many pages is never held in memory
/// twice) and renamed only when both are whole, so a failure leaves `latest.*` as it was.
///
/// `evidence`, a folder of consent screenshots written during the run (inside `out`, so on the
/// same file system), becomes the run folder's `screenshots/` before the HTML embeds them.
pub(crate) fn write_run(
    out: &Path,
    report: &mut Report,
    evidence: Option<&Path>,
) -> Result<ReportPaths, WriteError> {
    std::fs::create_dir_all(out).map_err(|source| WriteError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    let run_dir = create_run_dir(out, &mut report.run.id)?;
    let paths = ReportPaths {
        report_json: run_dir.join("report.json"),
        report_html: run_dir.join("report.html"),
        latest_json: out.join("latest.json"),
        latest_html: out.join("latest.html"),
    };
    let report: &Report = report;
    let written = keep_evidence(evidence, &run_dir).and_then(|()| {
        stage_with(&paths.report_json, |w| {
            Ok(serde_json::to_writer_pretty(w, report)?)
        })
        .and_then(|json| {
            let html = stage_with(&paths.report_html, |w| {
                // Earlier runs are read from `out`, which holds every run folder.
                let history = super::history::History::load(out, report);
                Ok(super::render::html::render_to(
                    report,
                    Some(&run_dir),
                    &history,
                    w,
                )?)
            })?;
            persist(json, &paths.report_json)?;
            persist(html, &paths.report_html)
        })
    });
    if let Err(error) = written {
        // A run folder without its report would pass for a run; the error says what happened.
        let _ = std::fs::remove_dir_all(&run_dir);
        return Err(error);
    }
    // Both `latest` files are staged whole before either replaces its predecessor, so a full
    // disk leaves the previous pair as it was rather than a new JSON beside an old HTML.
    let latest_json = stage_copy(&paths.report_json, &paths.latest_json)?;
    let latest_html = stage_copy(&paths.report_html, &paths.latest_html)?;
    persist(latest_json, &paths.latest_json)?;
    persist(latest_html, &paths.latest_html)?;
    Ok(paths)
}

/// Moves the run's screenshots, if it took any, to `<run dir>/screenshots`.
fn keep_evidence(evidence: Option<&Path>, run_dir: &Path) -> Result<(), WriteError> {
    let Some(evidence) = evidence else {
        return Ok(());
    };
    let has_files = std::fs::read_dir(evidence).is_ok_and(|mut entries| entries.next().is_some());
    if !has_files {
        return Ok(());
    }
    let target = run_dir.join("screenshots");
    std::fs::rename(evidence, &target).map_err(|source| WriteError::CreateDir {
        path: target,
        source,
    })
}

fn create_run_dir(out: &Path, id: &mut String) -> Result<PathBuf, WriteError> {
    let base = id.clone();
    for attempt in 0u32..1000 {
        let candidate = if attempt == 0 {
            base.clone()
        } else {
            format!("{base}-{attempt}")
        };
        let dir = out.join(&candidate);
        // create_dir (not create_dir_all) fails on an existing folder, so two runs never share one.
        match std::fs::create_dir(&dir) {
            Ok(()) => {
                *id = candidate;
                return Ok(dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(WriteError::CreateDir { path: dir, source }),
        }
    }
    Err(WriteError::CreateDir {
        path: out.join(base),
        source: std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "a thousand runs already use this second's run id",
        ),
    })
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let temp = stage_with(path, |w| {
        w.write_all(bytes).map_err(|source| WriteError::Write {
            path: path.to_path_buf(),
            source,
        })
    })?;
    persist(temp, path)
}

/// A temporary file beside `path` (removed if dropped), filled by `fill` through a buffer,
/// then flushed and synced. A failed write is reported as one, with `path`, whatever the
/// serialiser made of it.
fn stage_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), WriteError>,
) -> Result<tempfile::NamedTempFile, WriteError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let wrap = |source| WriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    let temp = tempfile::Builder::new()
        .prefix(".cookie-audit-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(wrap)?;
    let mut out = FirstError {
        inner: std::io::BufWriter::with_capacity(64 * 1024, temp.as_file()),
        error: None,
    };
    let filled = fill(&mut out).and_then(|()| out.flush().map_err(wrap));
    if let Some(source) = out.error.take() {
        return Err(wrap(source));
    }
    filled?;
    drop(out);
    temp.as_file().sync_all().map_err(wrap)?;
    Ok(temp)
}

/// A copy of `from` staged beside `to`.
fn stage_copy(from: &Path, to: &Path) -> Result<tempfile::NamedTempFile, WriteError> {
    let mut source = std::fs::File::open(from).map_err(|source| WriteError::Write {
        path: from.to_path_buf(),
        source,
    })?;
    // A failed write is kept by `stage_with`; what is left is a failed read of `from`.
    stage_with(to, |w| match std::io::copy(&mut source, w) {
        Ok(_) => Ok(()),
        Err(source) => Err(WriteError::Write {
            path: from.to_path_buf(),
            source,
        }),
    })
}

/// A writer that keeps the first I/O error it met: serialisers and templates wrap the errors
/// of their writer in their own, and a full disk must still be reported as one.
struct FirstError<W> {
    inner: W,
    error: Option<std::io::Error>,
}

impl<W: Write> FirstError<W> {
    fn keep<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(error) = &result
            && self.error.is_none()
        {
            self.error = Some(std::io::Error::new(error.kind(), error.to_string()));
        }
        result
    }
}

impl<W: Write> Write for FirstError<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.inner.write(buf);
        self.keep(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.inner.flush();
        self.keep(result)
    }
}

fn persist(temp: tempfile::NamedTempFile, path: &Path) -> Result<(), WriteError> {
    temp.persist(path).map_err(|e| WriteError::Write {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn run_ids_sort_by_time_and_are_folder_safe() {
        let id = run_id(datetime!(2026-11-24 09:05:03 UTC));
        assert_eq!(id, "20261124T090503Z");
        assert!(run_id(datetime!(2026-11-24 10:00:00 UTC)) > id);
    }

    #[test]
    fn a_second_run_in_the_same_second_gets_its_own_folder() {
        let out = tempfile::tempdir().unwrap();
        let mut first = "20261124T090503Z".to_string();
        let mut second = first.clone();
        let a = create_run_dir(out.path(), &mut first).unwrap();
        let b = create_run_dir(out.path(), &mut second).unwrap();
        assert_ne!(a, b);
        assert_eq!(second, "20261124T090503Z-1");
    }

    #[test]
    fn atomic_write_replaces_whole_files_and_leaves_no_temporaries() {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("latest.json");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("latest.json")]);
    }
}
