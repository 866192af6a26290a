//! Writing a run's report under `reports/<run-id>/` and pointing `reports/latest` at it.
//!
//! What a reader (a person, `--against-latest`, a script) sees changes in single atomic steps:
//! a run's folder is written whole under a hidden name and renamed into place, so it is either
//! absent or complete; `latest` is a symbolic link to the newest complete run, switched by one
//! rename, with `latest.json` and `latest.html` links through it, so the two always belong to
//! the same run. A crash at any point leaves the previous state intact, and the leftovers of a
//! crash (hidden staging folders, temporary files) are removed at the next run
//! ([`clean_leftovers`]). Files and folders get the permissions the umask allows, as any file a
//! program writes: a cron job's auditors' group can read them.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
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
    /// `reports/latest.json` and `reports/latest.html`, when this run became `latest`.
    pub latest: Option<(PathBuf, PathBuf)>,
}

/// Whether a run becomes `latest`: only a complete one does, so `--against-latest` always
/// compares with the last run that really looked at every portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Publish {
    /// Written under its run id and made `latest`.
    AsLatest,
    /// Written under its run id only: an interrupted run, or one where no target was audited.
    RunOnly,
}

/// The link to the newest complete run's folder.
pub(crate) const LATEST: &str = "latest";

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

/// Writes `report` to `<out>/<run id>/report.json` and `report.html`, then, when `publish`
/// says so, points `<out>/latest` (and `latest.json`, `latest.html`) at that folder.
///
/// When a folder of the same run id exists already (two runs in one second), a suffix is added
/// and the report's `run.id` (and `changes.new_run`) is updated to match, so the id always
/// names the folder. Both files are rendered straight to disk (a report of many pages is never
/// held in memory twice) in a hidden staging folder, which is renamed into place only when
/// both are whole: a failure leaves neither a run folder nor a changed `latest`.
///
/// `evidence`, a folder of consent screenshots written during the run (inside `out`, so on the
/// same file system), becomes the run folder's `screenshots/` before the HTML embeds them.
pub(crate) fn write_run(
    out: &Path,
    report: &mut Report,
    evidence: Option<&Path>,
    publish: Publish,
) -> Result<ReportPaths, WriteError> {
    std::fs::create_dir_all(out).map_err(|source| WriteError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    let asked = report.run.id.clone();
    let run_dir = reserve_run_dir(out, &mut report.run.id)?;
    if let Some(changes) = &mut report.changes
        && changes.new_run == asked
    {
        changes.new_run = report.run.id.clone();
    }
    let report: &Report = report;
    let written = stage_run(out, report, evidence).and_then(|staging| {
        // Renaming a folder onto the empty one reserved for it replaces it in one step.
        std::fs::rename(staging.path(), &run_dir).map_err(|source| WriteError::Write {
            path: run_dir.clone(),
            source,
        })?;
        let _ = staging.keep();
        sync_dir(out)
    });
    if let Err(error) = written {
        // An empty run folder would pass for a run; the error says what happened.
        let _ = std::fs::remove_dir_all(&run_dir);
        return Err(error);
    }
    let latest = match publish {
        Publish::AsLatest => Some(point_latest(out, &report.run.id)?),
        Publish::RunOnly => None,
    };
    Ok(ReportPaths {
        report_json: run_dir.join("report.json"),
        report_html: run_dir.join("report.html"),
        latest,
    })
}

/// The run's folder, whole, under a hidden name in `out` (removed if dropped).
fn stage_run(
    out: &Path,
    report: &Report,
    evidence: Option<&Path>,
) -> Result<tempfile::TempDir, WriteError> {
    let staging = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .permissions(std::fs::Permissions::from_mode(0o777))
        .tempdir_in(out)
        .map_err(|source| WriteError::CreateDir {
            path: out.to_path_buf(),
            source,
        })?;
    keep_evidence(evidence, staging.path())?;
    let json = staging.path().join("report.json");
    write_new(&json, |w| Ok(serde_json::to_writer_pretty(w, report)?))?;
    let html = staging.path().join("report.html");
    // Earlier runs are read from `out`, which holds every run folder.
    let history = super::history::History::load(out, report);
    write_new(&html, |w| {
        Ok(super::render::html::render_to(
            report,
            Some(staging.path()),
            &history,
            w,
        )?)
    })?;
    sync_dir(staging.path())?;
    Ok(staging)
}

/// Points `<out>/latest` at the run folder `id`, and `latest.json`, `latest.html` through it.
fn point_latest(out: &Path, id: &str) -> Result<(PathBuf, PathBuf), WriteError> {
    replace_link(&out.join(LATEST), Path::new(id))?;
    let json = out.join("latest.json");
    let html = out.join("latest.html");
    replace_link(&json, &Path::new(LATEST).join("report.json"))?;
    replace_link(&html, &Path::new(LATEST).join("report.html"))?;
    sync_dir(out)?;
    Ok((json, html))
}

/// Makes `link` a symbolic link to `target` in one step (a new link renamed over it), unless
/// it already is one. What it replaces may be a file of an older version's layout.
fn replace_link(link: &Path, target: &Path) -> Result<(), WriteError> {
    if std::fs::read_link(link).is_ok_and(|current| current == target) {
        return Ok(());
    }
    let wrap = |source| WriteError::Write {
        path: link.to_path_buf(),
        source,
    };
    let dir = link.parent().unwrap_or_else(|| Path::new("."));
    let name = link.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(
        "{TEMP_PREFIX}{name}-{}{TEMP_SUFFIX}",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&temp);
    std::os::unix::fs::symlink(target, &temp).map_err(wrap)?;
    std::fs::rename(&temp, link).map_err(|source| {
        let _ = std::fs::remove_file(&temp);
        wrap(source)
    })
}

/// Flushes a folder's entries (new names, renames) to disk.
fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| WriteError::Write {
            path: dir.to_path_buf(),
            source,
        })
}

/// The hidden staging folders of runs being written.
const STAGING_PREFIX: &str = ".run-";
/// Temporary files and links, renamed into place when whole.
const TEMP_PREFIX: &str = ".cookie-audit-";
const TEMP_SUFFIX: &str = ".tmp";
/// The screenshots folder of a run in progress (created by the command, see `evidence`).
pub(crate) const EVIDENCE_PREFIX: &str = ".evidence-";

/// Removes what interrupted runs left in `out`: staging folders, screenshot folders,
/// temporary files, and run folders holding nothing but temporary files (a crash of an older
/// version, or an id reserved and never filled). Only called with `out` locked, so nothing of
/// a running run is touched. Returns what was removed.
pub(crate) fn clean_leftovers(out: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let gone = if kind.is_dir()
            && (name.starts_with(STAGING_PREFIX) || name.starts_with(EVIDENCE_PREFIX))
        {
            std::fs::remove_dir_all(&path).is_ok()
        } else if !kind.is_dir() && name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
            std::fs::remove_file(&path).is_ok()
        } else if kind.is_dir() && !name.starts_with('.') && only_temporaries(&path) {
            std::fs::remove_dir_all(&path).is_ok()
        } else {
            false
        };
        if gone {
            removed.push(path);
        }
    }
    removed
}

/// Whether a folder holds nothing but temporary files (or nothing at all).
fn only_temporaries(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().all(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            e.file_type().is_ok_and(|t| t.is_file())
                && name.starts_with(TEMP_PREFIX)
                && name.ends_with(TEMP_SUFFIX)
        })
    })
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

/// Reserves `<out>/<id>` by creating it empty, with a suffix when taken.
fn reserve_run_dir(out: &Path, id: &mut String) -> Result<PathBuf, WriteError> {
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

/// Creates `path` (which must not exist) and fills it through a buffer, then syncs it. A
/// failed write is reported as one, with `path`, whatever the serialiser made of it.
fn write_new(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    let wrap = |source| WriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(wrap)?;
    fill_synced(&file, path, fill)
}

/// Fills `file` through a buffer that keeps the first I/O error, flushes and syncs it.
fn fill_synced(
    file: &std::fs::File,
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    let wrap = |source| WriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut out = FirstError {
        inner: std::io::BufWriter::with_capacity(64 * 1024, file),
        error: None,
    };
    let filled = fill(&mut out).and_then(|()| out.flush().map_err(wrap));
    if let Some(source) = out.error.take() {
        return Err(wrap(source));
    }
    filled?;
    drop(out);
    file.sync_all().map_err(wrap)
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

/// A temporary file beside `path` (removed if dropped), filled by `fill`, flushed and synced.
fn stage_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), WriteError>,
) -> Result<tempfile::NamedTempFile, WriteError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        // tempfile's default is 0600; a report is as readable as the umask lets any file be.
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(|source| WriteError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    fill_synced(temp.as_file(), path, fill)?;
    Ok(temp)
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

    fn report(id: &str) -> Report {
        serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "tool": {"name": "cookie-audit", "version": "0.1.0"},
            "run": {"id": id, "started_at": "2026-11-24T11:35:50Z",
                    "finished_at": "2026-11-24T11:37:50Z", "engine": "http", "partial": false},
            "targets": [],
            "totals": {"targets": 0, "audited": 0, "failed": 0,
                       "findings": {"high": 0, "medium": 0, "low": 0, "info": 0}},
            "changes": {"old_run": "20261123T000000Z", "new_run": id, "changed": false,
                        "targets": []},
        }))
        .expect("a valid report")
    }

    fn run_id_in(path: &Path) -> String {
        let text = std::fs::read_to_string(path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["run"]["id"].as_str().unwrap().to_string()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn latest_moves_only_with_a_complete_run_and_its_two_files_name_the_same_run() {
        let out = tempfile::tempdir().unwrap();
        let first = write_run(
            out.path(),
            &mut report("20261124T090000Z"),
            None,
            Publish::AsLatest,
        )
        .unwrap();
        assert_eq!(
            first.latest,
            Some((
                out.path().join("latest.json"),
                out.path().join("latest.html")
            ))
        );
        let partial = write_run(
            out.path(),
            &mut report("20261124T100000Z"),
            None,
            Publish::RunOnly,
        )
        .unwrap();
        assert_eq!(partial.latest, None);
        assert_eq!(run_id_in(&partial.report_json), "20261124T100000Z");
        assert_eq!(
            run_id_in(&out.path().join("latest.json")),
            "20261124T090000Z"
        );
        write_run(
            out.path(),
            &mut report("20261124T110000Z"),
            None,
            Publish::AsLatest,
        )
        .unwrap();
        assert_eq!(
            run_id_in(&out.path().join("latest.json")),
            "20261124T110000Z"
        );
        let html = std::fs::read_to_string(out.path().join("latest.html")).unwrap();
        assert!(html.contains("20261124T110000Z"));
        assert_eq!(
            std::fs::read_link(out.path().join(LATEST)).unwrap(),
            Path::new("20261124T110000Z")
        );
        assert_eq!(
            names(out.path()),
            [
                "20261124T090000Z",
                "20261124T100000Z",
                "20261124T110000Z",
                "latest",
                "latest.html",
                "latest.json"
            ],
            "no staging folder or temporary file left"
        );
    }

    #[test]
    fn latest_files_of_an_older_layout_are_replaced_by_links() {
        let out = tempfile::tempdir().unwrap();
        std::fs::write(out.path().join("latest.json"), "{}").unwrap();
        std::fs::write(out.path().join("latest.html"), "old").unwrap();
        write_run(
            out.path(),
            &mut report("20261124T090000Z"),
            None,
            Publish::AsLatest,
        )
        .unwrap();
        assert_eq!(
            run_id_in(&out.path().join("latest.json")),
            "20261124T090000Z"
        );
        assert!(
            std::fs::symlink_metadata(out.path().join("latest.html"))
                .unwrap()
                .is_symlink()
        );
    }

    #[test]
    fn a_suffixed_run_id_is_the_one_its_changes_name() {
        let out = tempfile::tempdir().unwrap();
        write_run(
            out.path(),
            &mut report("20261124T090000Z"),
            None,
            Publish::AsLatest,
        )
        .unwrap();
        let mut second = report("20261124T090000Z");
        let paths = write_run(out.path(), &mut second, None, Publish::AsLatest).unwrap();
        assert_eq!(second.run.id, "20261124T090000Z-1");
        assert_eq!(
            second.changes.as_ref().unwrap().new_run,
            "20261124T090000Z-1"
        );
        let text = std::fs::read_to_string(paths.report_json).unwrap();
        assert!(
            text.contains(r#""new_run": "20261124T090000Z-1""#),
            "{text}"
        );
    }

    #[test]
    fn leftovers_of_interrupted_runs_are_removed_and_runs_kept() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        write_run(
            out,
            &mut report("20261124T090000Z"),
            None,
            Publish::AsLatest,
        )
        .unwrap();
        // What crashes of this version and older ones leave behind.
        std::fs::create_dir(out.join(".run-abc")).unwrap();
        std::fs::write(out.join(".run-abc/report.json"), "{").unwrap();
        std::fs::create_dir(out.join(".evidence-xyz")).unwrap();
        std::fs::write(out.join(".cookie-audit-1234.tmp"), "half").unwrap();
        std::fs::create_dir(out.join("20261124T100000Z")).unwrap();
        std::fs::write(out.join("20261124T100000Z/.cookie-audit-9.tmp"), "half").unwrap();
        std::fs::create_dir(out.join("20261124T110000Z")).unwrap();
        std::fs::create_dir(out.join("notes")).unwrap();
        std::fs::write(out.join("notes/mine.txt"), "not ours").unwrap();
        let removed = clean_leftovers(out);
        assert_eq!(removed.len(), 5, "{removed:?}");
        assert_eq!(
            names(out),
            [
                "20261124T090000Z",
                "latest",
                "latest.html",
                "latest.json",
                "notes"
            ]
        );
        assert_eq!(run_id_in(&out.join("latest.json")), "20261124T090000Z");
    }

    #[test]
    fn reports_are_as_readable_as_the_umask_allows() {
        // tempfile alone makes 0600 files and 0700 folders; the umask here is whatever the
        // test runner has, so the check is that nothing is narrower than it allows.
        let out = tempfile::tempdir().unwrap();
        let paths = write_run(
            out.path(),
            &mut report("20261124T090000Z"),
            None,
            Publish::AsLatest,
        )
        .unwrap();
        // SAFETY: reading the umask needs setting it; it is set back at once.
        let umask = unsafe {
            let mask = libc::umask(0o022);
            libc::umask(mask);
            mask
        };
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&paths.report_json), 0o666 & !umask);
        assert_eq!(mode(paths.report_json.parent().unwrap()), 0o777 & !umask);
        let merged = out.path().join("merged.json");
        write_atomically(&merged, b"{}").unwrap();
        assert_eq!(mode(&merged), 0o666 & !umask);
    }

    #[test]
    fn a_second_run_in_the_same_second_gets_its_own_folder() {
        let out = tempfile::tempdir().unwrap();
        let mut first = "20261124T090503Z".to_string();
        let mut second = first.clone();
        let a = reserve_run_dir(out.path(), &mut first).unwrap();
        let b = reserve_run_dir(out.path(), &mut second).unwrap();
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
