//! A portal's consent phases as the page shows them: the consent manager found, how each choice
//! was made and whether it took, what the consent manager recorded, and the screenshots taken
//! as evidence, embedded so that the report stays one file.

use std::path::{Component, Path};

use serde::Serialize;

use super::script::base64;

use crate::types::{ConsentReport, Phase, ScreenshotMoment};

/// A screenshot file larger than this is not embedded (the tool writes at most 250 KB).
const MAX_EMBEDDED_BYTES: u64 = 512 * 1024;

#[derive(Serialize)]
pub(super) struct ConsentView<'a> {
    /// The consent manager found, if any.
    cmp: Option<&'a str>,
    phases: Vec<PhaseView<'a>>,
    /// The phases whose choice was not made, in words: those phases were not crawled, so the
    /// report says nothing about what those choices do.
    pub(super) not_clicked: Vec<&'static str>,
}

/// One consent phase as the report shows it: what was done, whether it worked, what it cost.
#[derive(Serialize)]
struct PhaseView<'a> {
    /// `none`, `reject`, `accept`, `gpc`: the word the JSON and the cookie table's phase use.
    key: &'static str,
    /// The phase in words, as the cookie table says it.
    label: &'static str,
    /// True for the phases that make a choice.
    chooses: bool,
    /// How the choice was to be made: the configured steps, or the mode.
    action: Option<&'a str>,
    method: Option<&'a str>,
    steps: &'a [String],
    clicked: bool,
    pages: u32,
    error: Option<&'a str>,
    /// What the consent manager's cookie recorded, "matomo:false, ga:false".
    recorded: Option<String>,
    recorded_in: Option<&'a str>,
    screenshots: Vec<ShotView<'a>>,
}

#[derive(Serialize)]
struct ShotView<'a> {
    caption: &'static str,
    file: &'a str,
    /// `data:image/jpeg;base64,…`, or none when the file cannot be had.
    src: Option<String>,
}

impl<'a> ConsentView<'a> {
    /// The view of `consent`; screenshots are read from `assets`, the folder of report.json.
    pub(super) fn of(consent: &'a ConsentReport, assets: Option<&Path>) -> ConsentView<'a> {
        let phases: Vec<PhaseView<'a>> = consent
            .phases
            .iter()
            .map(|outcome| {
                let (key, label, action) = match outcome.phase {
                    // The same words as the cookie table's phase column.
                    Phase::None => ("none", "before consent", None),
                    Phase::Reject => ("reject", "after refusal", Some(consent.reject.as_str())),
                    Phase::Accept => ("accept", "after consent", Some(consent.accept.as_str())),
                    Phase::Gpc => ("gpc", "with Global Privacy Control", None),
                };
                PhaseView {
                    key,
                    label,
                    chooses: action.is_some(),
                    action,
                    method: outcome.method.as_deref(),
                    steps: &outcome.steps,
                    clicked: outcome.clicked,
                    pages: outcome.pages,
                    error: outcome.error.as_deref(),
                    recorded: outcome.choice.as_ref().map(|c| c.summary()),
                    recorded_in: outcome.choice.as_ref().map(|c| c.cookie.as_str()),
                    screenshots: outcome
                        .screenshots
                        .iter()
                        .map(|shot| ShotView {
                            caption: match shot.moment {
                                ScreenshotMoment::Banner => "the banner as found",
                                ScreenshotMoment::AfterChoice => "after the choice",
                            },
                            file: &shot.file,
                            src: assets.and_then(|dir| embedded(dir, &shot.file)),
                        })
                        .collect(),
                }
            })
            .collect();
        let not_clicked = phases
            .iter()
            .filter(|p| p.chooses && !p.clicked)
            .map(|p| p.label)
            .collect();
        ConsentView {
            cmp: consent.cmp.as_deref(),
            phases,
            not_clicked,
        }
    }
}

/// The JPEG `file` (relative to `dir`, never outside it) as a data URI.
fn embedded(dir: &Path, file: &str) -> Option<String> {
    let relative = Path::new(file);
    // The name comes from a report file, which anyone may have edited.
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let path = dir.join(relative);
    let size = std::fs::metadata(&path).ok()?.len();
    if size > MAX_EMBEDDED_BYTES {
        return None;
    }
    let bytes = std::fs::read(&path).ok()?;
    // Only a JPEG is embedded as one.
    if !bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        return None;
    }
    Some(format!("data:image/jpeg;base64,{}", base64(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_jpeg_files_inside_the_report_folder_are_embedded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("screenshots")).unwrap();
        std::fs::write(dir.path().join("screenshots/a.jpg"), b"\xff\xd8\xffdata").unwrap();
        std::fs::write(dir.path().join("screenshots/b.jpg"), b"<svg>").unwrap();
        std::fs::write(dir.path().join("secret.jpg"), b"\xff\xd8\xffsecret").unwrap();
        let uri = embedded(dir.path(), "screenshots/a.jpg").unwrap();
        assert_eq!(
            uri,
            format!("data:image/jpeg;base64,{}", base64(b"\xff\xd8\xffdata"))
        );
        assert_eq!(embedded(dir.path(), "screenshots/b.jpg"), None);
        assert_eq!(embedded(dir.path(), "screenshots/../secret.jpg"), None);
        let absolute = dir.path().join("secret.jpg").display().to_string();
        assert_eq!(embedded(dir.path(), &absolute), None);
        assert_eq!(embedded(dir.path(), "screenshots/missing.jpg"), None);
    }
}
