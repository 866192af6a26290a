//! Consent phases: a target with a consent plan is audited in several fresh browser contexts, so
//! that what a site stores before any choice, after a refusal and after an acceptance (and,
//! when asked, under Global Privacy Control) can be told apart.
//!
//! The driver makes one choice in one tab: through autoconsent's rules when the package is
//! installed and the plan is `auto`, else through the tool's own rules (`consent.js`: the
//! Opendatasoft preferences modal, buttons named like "Tout refuser"), or the user's steps.

use std::time::{Duration, Instant};

use super::autoconsent::{self, Message};
use super::frames::{self, Worlds};
use super::tab::Tab;
use crate::config::{ClickStep, ConsentPlan};
use crate::types::Phase;

/// The tool's own rules, run in an isolated world of each frame.
pub(super) const RULES_JS: &str = include_str!("consent.js");

/// How the names autoconsent gives a banner its heuristics found (rather than a rule) begin:
/// `HEURISTIC`, `HEURISTIC-REJECT`…
const HEURISTIC: &str = "HEURISTIC";

fn heuristic(cmp: &str) -> bool {
    cmp.starts_with(HEURISTIC)
}
/// Between two looks for a banner.
const POLL: Duration = Duration::from_millis(250);
/// How long autoconsent has the banner to itself before the tool's own rules try too.
const AUTOCONSENT_FIRST: Duration = Duration::from_millis(1500);
/// Longer when it has detected a consent manager's code whose banner has not shown yet.
const AUTOCONSENT_DETECTED: Duration = Duration::from_secs(4);
/// How long a settings layer may take to show its refusal button.
const LAYER_WAIT: Duration = Duration::from_secs(2);
/// How long a rule's choice and self-test may take once the banner is found.
const CHOICE_WAIT: Duration = Duration::from_secs(10);

/// The phases to audit: `none` alone without a plan, then `reject` and `accept`, then `gpc`
/// when asked for.
pub(crate) fn phases(plan: Option<&ConsentPlan>, gpc: bool) -> Vec<Phase> {
    let mut phases = vec![Phase::None];
    if plan.is_some() {
        phases.extend([Phase::Reject, Phase::Accept]);
    }
    if gpc {
        phases.push(Phase::Gpc);
    }
    phases
}

/// The choice a phase makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    /// Refuse every cookie that needs consent.
    Reject,
    /// Accept every cookie.
    Accept,
}

impl Choice {
    /// The choice of a consent phase; None for phases that make none.
    pub(crate) fn of(phase: Phase) -> Option<Choice> {
        match phase {
            Phase::Reject => Some(Choice::Reject),
            Phase::Accept => Some(Choice::Accept),
            Phase::None | Phase::Gpc => None,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Choice::Reject => "reject",
            Choice::Accept => "accept",
        }
    }
}

/// How the driver made (or failed to make) a choice in one tab.
#[derive(Debug, Default)]
pub(crate) struct Drive {
    /// The consent manager recognised.
    pub cmp: Option<String>,
    /// How the choice was made (`autoconsent`, `rule:opendatasoft`, `text`, `steps`).
    pub method: Option<String>,
    /// What was clicked, in order.
    pub steps: Vec<String>,
    /// The rule's own evidence that the choice took: its self-test, or the banner closing.
    pub took_effect: bool,
    /// Why no choice was made.
    pub error: Option<String>,
    /// The banner as found, before the first click (JPEG).
    pub banner: Option<Vec<u8>>,
}

/// Makes `choice` on the page loaded in `tab`, by `plan`, waiting at most `wait` for the banner;
/// `autoconsent` says whether the tab runs autoconsent's content script.
pub(super) async fn drive(
    tab: &mut Tab,
    plan: &ConsentPlan,
    choice: Choice,
    autoconsent: bool,
    worlds: &mut Worlds,
    wait: Duration,
) -> Drive {
    match plan {
        ConsentPlan::Steps { accept, reject } => {
            let steps = match choice {
                Choice::Accept => accept,
                Choice::Reject => reject,
            };
            click_steps(tab, worlds, steps, wait).await
        }
        ConsentPlan::Opendatasoft => own_rules(tab, worlds, choice, wait, false).await,
        ConsentPlan::Auto => {
            let started = Instant::now();
            if autoconsent {
                let found = with_autoconsent(tab, worlds, choice, wait).await;
                if found.method.is_some() || found.error.is_some() {
                    return found;
                }
                let left = wait.saturating_sub(started.elapsed());
                let mut own = own_rules(tab, worlds, choice, left, true).await;
                own.cmp = own.cmp.or(found.cmp);
                return own;
            }
            own_rules(tab, worlds, choice, wait, true).await
        }
    }
}

/// The user's steps, each clicked once it is visible and enabled.
async fn click_steps(
    tab: &mut Tab,
    worlds: &mut Worlds,
    steps: &[ClickStep],
    wait: Duration,
) -> Drive {
    let mut drive = Drive {
        method: Some("steps".into()),
        ..Drive::default()
    };
    let mut last_frame = None;
    for (index, step) in steps.iter().enumerate() {
        let step_json = match step {
            ClickStep::Css(css) => serde_json::json!({ "css": css }),
            ClickStep::Text(text) => serde_json::json!({ "text": text }),
        };
        let deadline = Instant::now() + wait;
        let mut why = String::from("none found");
        loop {
            if index == 0 {
                let probe = format!("__cookieAuditConsent.canClick({step_json}) || null");
                shoot_banner(tab, worlds, &mut drive, &probe).await;
            }
            let expression = format!(
                "(() => {{ const r = __cookieAuditConsent.clickStep({step_json}); \
                 return r.clicked ? r : null; }})()"
            );
            if let Some((frame, answer)) = worlds.first_answer(tab.page(), &expression).await {
                if let Some(clicked) = answer.get("clicked").and_then(|c| c.as_str()) {
                    drive.steps.push(clicked.to_string());
                }
                last_frame = Some(frame);
                break;
            }
            let explain = format!("__cookieAuditConsent.explain({step_json})");
            if let Some((_, answer)) = worlds.first_answer(tab.page(), &explain).await
                && let Some(text) = answer.as_str()
            {
                why = text.to_string();
            }
            if Instant::now() >= deadline {
                drive.error = Some(format!(
                    "step {} of {} ({}) not clickable within {} s: {why}",
                    index + 1,
                    steps.len(),
                    describe(step),
                    wait.as_secs()
                ));
                return drive;
            }
            tab.pump(POLL).await;
        }
        // Let the next layer of the banner render.
        tab.pump(POLL).await;
    }
    drive.took_effect = banner_closed(tab, worlds, last_frame.as_deref()).await;
    drive
}

/// A step as a message names it.
/// Asks the frames whether a banner shows.
const BANNER_SHOWING: &str = "__cookieAuditConsent.bannerShowing() || null";

/// Takes the banner's screenshot, once, as soon as some frame answers `probe`.
async fn shoot_banner(tab: &mut Tab, worlds: &mut Worlds, drive: &mut Drive, probe: &str) {
    if drive.banner.is_none() && worlds.first_answer(tab.page(), probe).await.is_some() {
        drive.banner = frames::screenshot(tab.page()).await;
    }
}

fn describe(step: &ClickStep) -> String {
    match step {
        ClickStep::Css(css) => format!("`{css}`"),
        ClickStep::Text(text) => format!("text {text:?}"),
    }
}

async fn banner_closed(tab: &mut Tab, worlds: &mut Worlds, frame: Option<&str>) -> bool {
    let Some(frame) = frame else {
        return false;
    };
    // A frame that went away with its banner closed it too.
    worlds
        .in_frame(tab.page(), frame, "__cookieAuditConsent.closed()")
        .await
        .is_none_or(|closed| closed.as_bool() == Some(true))
}

/// The tool's own rules: the Opendatasoft modal, then (when `text` holds) buttons named like
/// "Tout refuser" / "Tout accepter".
async fn own_rules(
    tab: &mut Tab,
    worlds: &mut Worlds,
    choice: Choice,
    wait: Duration,
    text: bool,
) -> Drive {
    let deadline = Instant::now() + wait;
    let mut drive = Drive::default();
    let action = serde_json::to_string(choice.word()).unwrap_or_default();
    loop {
        let ods = worlds
            .first_answer(tab.page(), "__cookieAuditConsent.odsPresent() || null")
            .await
            .is_some();
        if ods {
            drive.cmp = Some("opendatasoft".into());
        }
        let mut attempts: Vec<(&str, String)> = Vec::new();
        if ods {
            attempts.push((
                "rule:opendatasoft",
                format!("__cookieAuditConsent.odsRule({action})"),
            ));
        }
        for (method, expression) in attempts {
            shoot_banner(tab, worlds, &mut drive, BANNER_SHOWING).await;
            let Some((frame, answer)) = worlds.first_answer(tab.page(), &expression).await else {
                continue;
            };
            drive.method = Some(method.into());
            drive.steps = answer
                .get("steps")
                .and_then(|s| s.as_array())
                .map(|steps| {
                    steps
                        .iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(why) = answer.get("why").and_then(|w| w.as_str()) {
                drive.error = Some(format!("{method}: {why}"));
                return drive;
            }
            tab.pump(POLL).await;
            drive.took_effect = banner_closed(tab, worlds, Some(&frame)).await;
            return drive;
        }
        if text && let Some(found) = text_rule(tab, worlds, choice, &mut drive).await {
            return found;
        }
        if Instant::now() >= deadline {
            drive.error = Some(format!(
                "no consent banner found within {} s (normal on a site with nothing that \
                 needs consent)",
                wait.as_secs()
            ));
            return drive;
        }
        tab.pump(POLL).await;
    }
}

/// Buttons named like "Tout refuser" / "Tout accepter"; a refusal behind a settings layer is
/// "Paramétrer" → "Tout refuser", and a layer that then asks to save gets "Enregistrer". Each
/// press is its own call: a press may close the frame it happened in.
async fn text_rule(
    tab: &mut Tab,
    worlds: &mut Worlds,
    choice: Choice,
    drive: &mut Drive,
) -> Option<Drive> {
    let press = |kind: &str| format!("__cookieAuditConsent.pressNamed({kind:?})");
    let kind = choice.word();
    shoot_banner(tab, worlds, drive, BANNER_SHOWING).await;
    let mut steps = Vec::new();
    let mut pressed = worlds.first_answer(tab.page(), &press(kind)).await;
    if pressed.is_none() && choice == Choice::Reject {
        let (_, settings) = worlds.first_answer(tab.page(), &press("settings")).await?;
        steps.extend(settings.as_str().map(str::to_string));
        let deadline = Instant::now() + LAYER_WAIT;
        while pressed.is_none() && Instant::now() < deadline {
            tab.pump(POLL).await;
            pressed = worlds.first_answer(tab.page(), &press(kind)).await;
        }
        if pressed.is_none() {
            return Some(Drive {
                method: Some("text".into()),
                steps,
                error: Some("text: a settings layer opened without a refusal button".into()),
                ..std::mem::take(drive)
            });
        }
    }
    let (mut frame, label) = pressed?;
    steps.extend(label.as_str().map(str::to_string));
    tab.pump(POLL).await;
    let mut took_effect = banner_closed(tab, worlds, Some(&frame)).await;
    // A layer still open asks to confirm the choice.
    if !took_effect
        && let Some((save_frame, save)) = worlds.first_answer(tab.page(), &press("save")).await
    {
        steps.extend(save.as_str().map(str::to_string));
        frame = save_frame;
        tab.pump(POLL).await;
        took_effect = banner_closed(tab, worlds, Some(&frame)).await;
    }
    Some(Drive {
        method: Some("text".into()),
        steps,
        took_effect,
        ..std::mem::take(drive)
    })
}

/// autoconsent drives the banner: its `eval` requests run
/// in the frame's main world, the choice asked for once its banner shows (after the
/// screenshot), then its self-test. Returns with no method when it found no banner in time.
async fn with_autoconsent(
    tab: &mut Tab,
    worlds: &mut Worlds,
    choice: Choice,
    wait: Duration,
) -> Drive {
    let started = Instant::now();
    let mut drive = Drive::default();
    let mut asked = false;
    let mut self_test_asked = false;
    let mut result: Option<bool> = None;
    loop {
        for (context, payload) in tab.take_consent_messages() {
            let Some(message) = Message::parse(&payload) else {
                continue;
            };
            tracing::debug!(?message, context, "autoconsent");
            match message {
                // Its settings came with the script; a second init would start it twice.
                Message::Init => {}
                Message::Eval { id, code } => {
                    let main = tab.main_world_of(context);
                    let value = frames::evaluate(tab.page(), main, &code).await;
                    tracing::debug!(?main, ?value, "autoconsent eval");
                    let value = value.unwrap_or(serde_json::Value::Bool(false));
                    send(tab, context, &autoconsent::eval_response(&id, &value)).await;
                }
                Message::Detected { cmp } => {
                    if !heuristic(&cmp) {
                        drive.cmp.get_or_insert(cmp);
                    }
                }
                Message::PopupFound { cmp } => {
                    // Its heuristics only refuse; the tool's own rules accept.
                    if asked || (heuristic(&cmp) && choice == Choice::Accept) {
                        continue;
                    }
                    // A banner found by its heuristics names no consent manager.
                    let by_heuristics = heuristic(&cmp);
                    // The Opendatasoft modal has a rule of the tool's own, a better witness.
                    if by_heuristics
                        && worlds
                            .first_answer(tab.page(), "__cookieAuditConsent.odsPresent() || null")
                            .await
                            .is_some()
                    {
                        return Drive::default();
                    }
                    drive.cmp = (!by_heuristics).then_some(cmp);
                    drive.banner = frames::screenshot(tab.page()).await;
                    let ask = match choice {
                        Choice::Reject => r#"{"type":"optOut"}"#,
                        Choice::Accept => r#"{"type":"optIn"}"#,
                    };
                    send(tab, context, ask).await;
                    asked = true;
                    drive.method = Some(
                        if by_heuristics {
                            "autoconsent-heuristic"
                        } else {
                            "autoconsent"
                        }
                        .into(),
                    );
                }
                Message::Result {
                    cmp,
                    result: ok,
                    self_test,
                } => {
                    if !cmp.is_empty() && !heuristic(&cmp) {
                        drive.cmp = Some(cmp);
                    }
                    result = Some(ok);
                    if ok && self_test && !self_test_asked {
                        send(tab, context, r#"{"type":"selfTest"}"#).await;
                        self_test_asked = true;
                    } else {
                        return finish(drive, ok, None);
                    }
                }
                Message::SelfTest { result: passed } => {
                    return finish(drive, result.unwrap_or(false), Some(passed));
                }
                // The tool's own rules get their turn.
                Message::Error if asked && result.is_none() => return Drive::default(),
                Message::Error | Message::Other => {}
            }
        }
        let elapsed = started.elapsed();
        let patience = match drive.cmp {
            Some(_) => AUTOCONSENT_DETECTED,
            None => AUTOCONSENT_FIRST,
        };
        if !asked && elapsed >= patience.min(wait) {
            // No banner autoconsent knows: the tool's own rules take over.
            return drive;
        }
        if elapsed >= wait.max(CHOICE_WAIT) {
            return match result {
                Some(_) => Drive {
                    error: Some("autoconsent's self-test gave no answer in time".into()),
                    ..drive
                },
                // A rule that never finished: the tool's own rules get their turn.
                None => Drive {
                    cmp: drive.cmp,
                    ..Drive::default()
                },
            };
        }
        tab.pump(Duration::from_millis(100)).await;
    }
}

fn finish(mut drive: Drive, result: bool, self_test: Option<bool>) -> Drive {
    drive.took_effect = result && self_test.unwrap_or(true);
    if !result {
        drive.error = Some("autoconsent's rule could not make the choice".into());
    } else if self_test == Some(false) {
        drive.error = Some("autoconsent's self-test says the choice did not take".into());
    }
    drive
}

async fn send(tab: &Tab, context: i64, message: &str) {
    if let Err(error) =
        frames::evaluate(tab.page(), Some(context), &autoconsent::deliver(message)).await
    {
        tracing::debug!("autoconsent message not delivered: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_plan_and_gpc() {
        assert_eq!(phases(None, false), vec![Phase::None]);
        assert_eq!(phases(None, true), vec![Phase::None, Phase::Gpc]);
        assert_eq!(
            phases(Some(&ConsentPlan::Auto), true),
            vec![Phase::None, Phase::Reject, Phase::Accept, Phase::Gpc]
        );
        assert_eq!(Choice::of(Phase::Reject), Some(Choice::Reject));
        assert_eq!(Choice::of(Phase::Gpc), None);
    }
}
