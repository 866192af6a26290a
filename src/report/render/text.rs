//! Reports as text for a terminal: the run's summary, a charter's table, and the diff between
//! two runs that `cookie-audit diff` prints.

use std::fmt::Write;

use serde_json::Value;

use crate::site::Party;
use crate::types::{
    Charter, CharterStatus, CookieChange, CookieKey, FindingKey, Phase, Report, ReportDiff,
    Severity, TargetDiff, TargetStatus,
};

/// The diff for people: a short text, one block per changed target; "no changes" when none.
///
/// Every line ends with a newline. Strings that came from the web (cookie names, domains,
/// messages quoting them) are stripped of control characters, so printing the text cannot drive
/// the terminal.
pub(crate) fn render_text(diff: &ReportDiff) -> String {
    if diff.targets.is_empty() {
        return "no changes\n".to_string();
    }
    let mut lines = Vec::new();
    for target in &diff.targets {
        render_target(target, &mut lines);
    }
    lines.into_iter().map(|line| line + "\n").collect()
}

fn render_target(target: &TargetDiff, lines: &mut Vec<String>) {
    let name = clean(&target.name);
    lines.push(match (&target.status, target.added, target.removed) {
        (_, true, _) => format!("{name} (added)"),
        (_, _, true) => format!("{name} (removed)"),
        (Some([old, new]), _, _) => match &target.error {
            Some(why) => format!("{name} ({} → {}): {}", clean(old), clean(new), clean(why)),
            None => format!("{name} ({} → {})", clean(old), clean(new)),
        },
        (None, _, _) => name,
    });
    if let Some([old, new]) = &target.charter_status {
        lines.push(format!("  charter {} → {}", clean(old), clean(new)));
    }
    for key in &target.cookies_appeared {
        lines.push(format!("  + cookie {}", describe_cookie(key)));
    }
    for key in &target.cookies_vanished {
        lines.push(format!("  - cookie {}", describe_cookie(key)));
    }
    for change in &target.cookies_changed {
        lines.push(describe_change(change));
    }
    for name in &target.declarations_added {
        lines.push(format!("  + declared {}", clean(name)));
    }
    for name in &target.declarations_removed {
        lines.push(format!("  - declared {}", clean(name)));
    }
    for finding in &target.findings_opened {
        let message = clean(&finding.message);
        lines.push(format!(
            "  + finding {}: {message}",
            describe_finding(finding)
        ));
    }
    for finding in &target.findings_closed {
        lines.push(format!("  - finding {}", describe_finding(finding)));
    }
}

fn describe_cookie(key: &CookieKey) -> String {
    let party = match key.party {
        Party::First => "first-party",
        Party::Third => "third-party",
    };
    format!(
        "{} ({} {}) {party}",
        clean(&key.name),
        clean(&key.domain),
        clean(&key.path)
    )
}

fn describe_change(change: &CookieChange) -> String {
    let fields: Vec<String> = change
        .changes
        .iter()
        .map(|field| {
            format!(
                "{} {} → {}",
                clean(&field.field),
                describe_value(&field.old),
                describe_value(&field.new)
            )
        })
        .collect();
    let key = &change.key;
    format!(
        "  ~ cookie {} ({} {}): {}",
        clean(&key.name),
        clean(&key.domain),
        clean(&key.path),
        fields.join("; ")
    )
}

/// Strings quoted so that `null` and a reason reading "null" stay apart.
fn describe_value(value: &Value) -> String {
    match value {
        Value::String(text) => format!("\"{}\"", clean(text)),
        other => clean(&other.to_string()),
    }
}

fn describe_finding(finding: &FindingKey) -> String {
    let severity = match finding.severity {
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    };
    match &finding.cookie {
        Some(cookie) => format!(
            "{severity} {} {}",
            clean(finding.kind.as_str()),
            clean(cookie)
        ),
        None => format!("{severity} {}", clean(finding.kind.as_str())),
    }
}

/// `text` safe to print on one terminal line: line breaks and tabs become spaces, other
/// control characters (ESC and CSI start escape sequences) and bidirectional overrides (which
/// make a terminal show text in another order than it is) are dropped.
fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() || is_bidi_control(c) => None,
            c => Some(c),
        })
        .collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The consent phases in a few words for the target's line: the manager found, and every
/// choice that could not be made (a cron job's reader must see it there).
fn consent_summary(consent: Option<&crate::types::ConsentReport>) -> String {
    let Some(consent) = consent else {
        return String::new();
    };
    let mut parts = Vec::new();
    if let Some(cmp) = &consent.cmp {
        parts.push(printable(cmp));
    }
    for outcome in &consent.phases {
        let chooses = matches!(outcome.phase, Phase::Reject | Phase::Accept);
        let failed_gpc = outcome.phase == Phase::Gpc && outcome.pages == 0;
        if (chooses && !outcome.clicked) || failed_gpc {
            parts.push(format!(
                "{} not tested ({})",
                enum_word(&outcome.phase),
                printable(outcome.error.as_deref().unwrap_or("no reason given"))
            ));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; consent: {}", parts.join(", "))
    }
}

/// The run's summary for stdout: one line per target, then what changed. Cookies are counted
/// once each however many consent phases saw them.
pub(crate) fn run_summary(report: &Report) -> String {
    // Writing to a String cannot fail: the `fmt::Result`s below are always `Ok`.
    let mut out = String::new();
    for target in &report.targets {
        match target.status {
            TargetStatus::Audited => {
                let cookies = target.distinct_cookies();
                let mut counts = crate::types::SeverityCounts::default();
                for finding in &target.findings {
                    counts.add(finding.severity);
                }
                // Findings are sorted worst first.
                let worst = target
                    .findings
                    .first()
                    .map(|f| {
                        format!(
                            "; worst: {} {} {}",
                            enum_word(&f.severity),
                            f.kind,
                            printable(f.cookie.as_deref().unwrap_or(""))
                        )
                    })
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "audited  {}: {} pages, {} cookies ({} third-party), charter {}; \
                     findings {} high, {} medium, {} low, {} info{}{}",
                    printable(&target.name),
                    target.crawl.pages.len(),
                    cookies.cookies,
                    cookies.third_party,
                    charter_word(&target.charter),
                    counts.high,
                    counts.medium,
                    counts.low,
                    counts.info,
                    worst.trim_end(),
                    consent_summary(target.consent.as_ref())
                );
            }
            TargetStatus::Failed => {
                let _ = writeln!(
                    out,
                    "failed   {}: {}",
                    printable(&target.name),
                    printable(target.error.as_deref().unwrap_or("unknown error"))
                );
            }
        }
    }
    out.push_str(&engine_note(report));
    if let Some(changes) = &report.changes {
        let changed = changes.targets.len();
        if changes.changed {
            let _ = writeln!(
                out,
                "changes since run {}: {changed} target(s) changed (details in the report; \
                 `cookie-audit diff` prints them)",
                printable(&changes.old_run)
            );
        } else {
            let _ = writeln!(out, "no changes since run {}", printable(&changes.old_run));
        }
    }
    out
}

/// What the engine of the audited targets could not see, once for the run: a cookie missing
/// from the report may still be set. Names the declared cookies left unverified per target.
fn engine_note(report: &Report) -> String {
    let limited: Vec<_> = report
        .targets
        .iter()
        .filter(|t| t.status == TargetStatus::Audited)
        .filter_map(|t| t.engine_limits.as_ref().map(|limits| (t, limits)))
        .collect();
    let Some((first, limits)) = limited.first() else {
        return String::new();
    };
    let mut out = format!(
        "note: {} target(s) crawled with the {} engine, which cannot see {}",
        limited.len(),
        printable(first.engine.as_str()),
        limits
            .unobservable
            .iter()
            .map(|s| printable(s))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let unverified: Vec<String> = limited
        .iter()
        .filter(|(_, l)| !l.declared_by_script.is_empty())
        .map(|(t, l)| {
            let names: Vec<String> = l.declared_by_script.iter().map(|n| printable(n)).collect();
            format!("{}: {}", printable(&t.name), names.join(", "))
        })
        .collect();
    if !unverified.is_empty() {
        let _ = write!(
            out,
            "; declared cookies set by scripts, not verified: {}",
            unverified.join("; ")
        );
    }
    let _ = writeln!(out, "; to see them run with {}", printable(&limits.instead));
    out
}

/// A report as text for a mail (`render --text`): what the run was, its totals, then the
/// line per target that `audit` printed ([`run_summary`]).
pub(crate) fn report_text(report: &Report) -> String {
    let run = &report.run;
    let totals = &report.totals;
    let findings = &totals.findings;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "run {} ({} engine), {} to {}",
        printable(&run.id),
        enum_word(&run.engine),
        printable(&run.started_at),
        printable(&run.finished_at)
    );
    let batch = run.sharding.batch.as_deref().map(printable);
    let of_batch = batch.map_or(String::new(), |b| format!(" of batch {b}"));
    if let Some(shard) = &run.sharding.shard {
        let _ = writeln!(out, "shard {}/{}{of_batch}", shard.index, shard.count);
    }
    if let Some(merged) = &run.sharding.merged {
        let shards: Vec<String> = merged
            .shards
            .iter()
            .map(|i| format!("{i}/{}", merged.count))
            .collect();
        let _ = write!(out, "merged from shards {}{of_batch}", shards.join(", "));
        if !merged.missing.is_empty() {
            let missing = crate::report::merge::shard_list(&merged.missing, merged.count);
            let _ = write!(
                out,
                "; {missing} missing: their targets are not in this report"
            );
        }
        let _ = writeln!(out);
    }
    if run.partial {
        let why = run
            .interrupted_by
            .as_deref()
            .map_or(String::new(), |signal| {
                format!(": interrupted by {}", printable(signal))
            });
        let _ = writeln!(out, "partial{why}; the report holds what was done");
    }
    let _ = writeln!(
        out,
        "{} targets: {} audited, {} failed; findings {} high, {} medium, {} low, {} info",
        totals.targets,
        totals.audited,
        totals.failed,
        findings.high,
        findings.medium,
        findings.low,
        findings.info
    );
    let _ = writeln!(out);
    out.push_str(&run_summary(report));
    out
}

/// The charter's status for the summary line; with the reason when the audit itself did not
/// read it, so nobody takes it for the portal's fault.
fn charter_word(charter: &Charter) -> String {
    let word = enum_word(&charter.status);
    match (charter.status, charter.error.as_deref()) {
        (CharterStatus::NotRead, Some(why)) => format!("{word} ({})", printable(why)),
        _ => word,
    }
}

/// A readable charter as a table for stdout (nothing when none was read).
pub(crate) fn charter_table(charter: &Charter) -> String {
    let mut out = String::new();
    if charter.status != CharterStatus::Parsed {
        return out;
    }
    let _ = writeln!(
        out,
        "source: {}",
        printable(charter.source.as_deref().unwrap_or("-"))
    );
    if let Some(portal) = &charter.portal_url {
        let _ = writeln!(out, "portal: {}", printable(portal));
    }
    let _ = writeln!(out, "{} cookie(s) declared\n", charter.declared.len());
    let rows: Vec<[String; 6]> = charter
        .declared
        .iter()
        .map(|d| {
            [
                printable(&d.name),
                enum_word(&d.match_kind),
                enum_word(&d.category),
                printable(d.duration.as_deref().unwrap_or("-")),
                printable(&d.provider),
                shorten(&printable(&d.purpose), 60),
            ]
        })
        .collect();
    let header = [
        "NAME", "MATCH", "CATEGORY", "DURATION", "PROVIDER", "PURPOSE",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count()).min(40);
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{:width$}", shorten(cell, width)))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}

/// The JSON word of a serialisable enum, e.g. `necessary`.
pub(crate) fn enum_word(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Text from the web made safe for a terminal: control characters (escape sequences) replaced.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod diff_tests {
    use serde_json::json;

    use super::*;
    use crate::report::diff::diff;
    use crate::report::load::fixtures::{cookie, failed_target, finding, report, target};

    #[test]
    fn identical_reports_have_no_changes() {
        let t = target(
            "p.be",
            vec![cookie("c", "p.be", 10)],
            &["c"],
            vec![finding("undeclared", "high", Some("c"), "m")],
        );
        let result = diff(
            &report("r1", vec![t.clone(), failed_target("down.be", "refused")]),
            &report("r2", vec![t, failed_target("down.be", "refused")]),
        );
        assert!(!result.changed);
        assert!(result.targets.is_empty(), "{result:?}");
        assert_eq!(
            (result.old_run.as_str(), result.new_run.as_str()),
            ("r1", "r2")
        );
        assert_eq!(render_text(&result), "no changes\n");
    }

    #[test]
    fn render_text_lists_each_change_of_a_target() {
        let mut insecure = cookie("csrftoken", "p.be", 63_072_000);
        insecure["secure"] = json!(false);
        let mut third = cookie("_ga", "p.be", 10);
        third["party"] = json!("third");
        let old = target(
            "p.be",
            vec![
                cookie("csrftoken", "p.be", 31_449_600),
                cookie("old", "p.be", 1),
            ],
            &["sessionid"],
            vec![finding(
                "insecure_attributes",
                "low",
                Some("sessionid"),
                "x",
            )],
        );
        let new = target(
            "p.be",
            vec![third, insecure],
            &["_pk_id.*"],
            vec![finding(
                "set_without_consent",
                "high",
                Some("_ga"),
                "Ask first.",
            )],
        );
        let old = report("a", vec![old, target("down.be", vec![], &[], vec![])]);
        let new = report("b", vec![failed_target("down.be", "refused"), new]);
        let text = render_text(&diff(&old, &new));
        assert_eq!(
            text,
            "down.be (audited → failed): refused\n\
             p.be\n  \
             + cookie _ga (p.be /) third-party\n  \
             - cookie old (p.be /) first-party\n  \
             ~ cookie csrftoken (p.be /): secure true → false; lifetime_seconds 31449600 → 63072000\n  \
             + declared _pk_id.*\n  \
             - declared sessionid\n  \
             + finding high set_without_consent _ga: Ask first.\n  \
             - finding low insecure_attributes sessionid\n"
        );
    }

    #[test]
    fn render_text_strips_control_characters_from_web_strings() {
        let mut blocked = cookie("c", "p.be", 10);
        blocked["blocked"] = json!("bad\u{1b}]0;title\u{7}");
        let old = target("p.be", vec![cookie("c", "p.be", 10)], &[], vec![]);
        let new = target(
            "p.be",
            vec![blocked, cookie("evil\u{1b}[2J", "p.be\u{9b}31m", 1)],
            &[],
            vec![finding(
                "undeclared",
                "high",
                Some("x\u{202e}"),
                "line\nbreak\u{0}",
            )],
        );
        let text = render_text(&diff(&report("a", vec![old]), &report("b", vec![new])));
        let forbidden = |c: char| (c.is_control() && c != '\n') || is_bidi_control(c);
        assert!(!text.chars().any(forbidden), "{text:?}");
        assert!(text.contains("+ cookie evil[2J (p.be31m /)"), "{text}");
        assert!(text.contains("blocked null → \"bad]0;title\""), "{text}");
        assert!(text.contains(": line break\n"), "{text}");
        assert_eq!(
            text.lines().count(),
            4,
            "a newline in a message must not add a line: {text}"
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::report::load::fixtures::{cookie, report, target};

    #[test]
    fn the_text_of_a_merged_report_names_its_missing_shards() {
        let mut merged = report("r", vec![target("p.be", vec![], &[], vec![])]);
        merged.run.sharding = crate::types::RunSharding {
            batch: Some("night".into()),
            config_hash: None,
            shard: None,
            merged: Some(crate::types::MergedShards {
                count: 4,
                shards: vec![0, 1, 3],
                missing: vec![2],
            }),
        };
        let text = report_text(&merged);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "merged from shards 0/4, 1/4, 3/4 of batch night; shard 2/4 missing: their targets \
             are not in this report"
        );
        assert!(lines[2].starts_with("1 targets: 1 audited"), "{text}");
    }

    #[test]
    fn the_summary_counts_a_cookie_seen_in_several_phases_once() {
        let in_phase = |name: &str, phase: &str, party: &str| {
            let mut c = cookie(name, "p.be", 10);
            c["phase"] = json!(phase);
            c["party"] = json!(party);
            c
        };
        let observed = vec![
            in_phase("sessionid", "none", "first"),
            in_phase("sessionid", "reject", "first"),
            in_phase("sessionid", "accept", "first"),
            in_phase("_ga", "accept", "third"),
            in_phase("_ga", "gpc", "third"),
            in_phase("_gid", "accept", "first"),
        ];
        let text = run_summary(&report("r", vec![target("p.be", observed, &[], vec![])]));
        assert!(
            text.contains(": 0 pages, 3 cookies (1 third-party), charter parsed"),
            "{text}"
        );
    }

    #[test]
    fn web_text_cannot_drive_the_terminal() {
        assert_eq!(printable("a\x1b[31mred\x07\nb"), "a [31mred  b");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
