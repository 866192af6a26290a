//! Reports end to end on reports produced by `audit`: HTML beside JSON, `diff` between runs,
//! `--against-latest`, `render`, `merge` of shards, and bad input.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use serde_json::Value;

/// A portal that sets `a`, and after `changed` is set, `a` with a longer life and `b` too.
fn portal(
    changed: Arc<AtomicBool>,
) -> impl Fn(&str, &str, &axum::http::HeaderMap) -> axum::response::Response + Send + Sync {
    move |host, path, _| match (host, path) {
        (_, "/robots.txt") => html(404, &[], ""),
        ("www.one.test", "/") if changed.load(Ordering::SeqCst) => html(
            200,
            &[
                ("set-cookie", b"a=1; Path=/; Max-Age=7200"),
                ("set-cookie", b"b=2; Path=/"),
            ],
            "<p>one</p>",
        ),
        ("www.one.test", "/") => html(
            200,
            &[("set-cookie", b"a=1; Path=/; Max-Age=60")],
            "<p>one</p>",
        ),
        ("www.two.test", "/") => html(200, &[("set-cookie", b"two=1; Path=/")], "<p>two</p>"),
        _ => html(404, &[], ""),
    }
}

struct Site {
    server: Server,
    changed: Arc<AtomicBool>,
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Site {
        let changed = Arc::new(AtomicBool::new(false));
        let server = Server::start(portal(changed.clone()));
        let dir = site_dir(&format!(
            "[defaults]\ndelay_ms = 0\nmax_pages = 2\n\n[[target]]\nname = \"one\"\nurl = \"http://www.one.test:{p}/\"\n\n\
             [[target]]\nname = \"two\"\nurl = \"http://www.two.test:{p}/\"\n",
            p = server.port
        ));
        Site {
            server,
            changed,
            dir,
        }
    }

    fn audit(&self, extra: &[&str]) -> Run {
        let mut argv = self
            .server
            .argv(&["audit"], &["www.one.test", "www.two.test"]);
        argv.extend(args(extra));
        let run = cookie_audit(self.dir.path(), &argv);
        assert!(
            run.code == 0 || run.code == 1,
            "{}\n{}",
            run.stdout,
            run.stderr
        );
        run
    }

    fn path(&self, relative: &str) -> String {
        self.dir.path().join(relative).to_str().unwrap().to_string()
    }

    fn run(&self, argv: &[&str]) -> Run {
        cookie_audit(self.dir.path(), &args(argv))
    }
}

fn run_dir(dir: &Path) -> std::path::PathBuf {
    let report = latest_report(dir);
    dir.join("reports")
        .join(report["run"]["id"].as_str().unwrap())
}

#[test]
fn audit_writes_html_beside_json_and_refreshes_latest() {
    let site = Site::new();
    let run = site.audit(&[]);
    let folder = run_dir(site.dir.path());
    let html = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert_eq!(
        html,
        std::fs::read_to_string(site.dir.path().join("reports/latest.html")).unwrap()
    );
    assert!(html.contains("id=\"target-one\"") && html.contains("id=\"target-two\""));
    assert!(
        !html.contains("src=\"http"),
        "self-contained: nothing fetched when opened"
    );
    assert!(run.stdout.contains("report.html"), "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("audited  one:") && l.contains("worst:")),
        "{}",
        run.stdout
    );
}

#[test]
fn diff_between_two_runs_and_against_latest() {
    let site = Site::new();
    site.audit(&[]);
    let first = run_dir(site.dir.path()).join("report.json");
    site.changed.store(true, Ordering::SeqCst);
    let second_run = site.audit(&["--against-latest"]);
    let second = run_dir(site.dir.path()).join("report.json");
    assert_ne!(first, second);

    // The new report carries the changes since the previous one, and so does its HTML.
    let report = latest_report(site.dir.path());
    let changes = &report["changes"];
    assert_eq!(changes["changed"], true, "{changes:#}");
    let one = &changes["targets"][0];
    assert_eq!(one["name"], "one");
    assert_eq!(one["cookies_appeared"][0]["name"], "b");
    assert_eq!(one["cookies_changed"][0]["name"], "a");
    assert!(
        second_run.stdout.contains("changes since run"),
        "{}",
        second_run.stdout
    );
    let html = std::fs::read_to_string(site.dir.path().join("reports/latest.html")).unwrap();
    assert!(
        html.contains("Changes since run"),
        "the HTML shows the changes"
    );

    // The diff command, as text, as JSON, and for cron.
    let (old, new) = (first.to_str().unwrap(), second.to_str().unwrap());
    let text = site.run(&["diff", old, new]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains("+ cookie b"), "{}", text.stdout);
    assert!(text.stdout.contains("~ cookie a"), "{}", text.stdout);
    assert!(text.stdout.contains("lifetime_seconds"), "{}", text.stdout);
    let json = site.run(&["diff", old, new, "--json"]);
    let parsed: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["targets"][0]["cookies_appeared"][0]["name"], "b");
    assert_eq!(site.run(&["diff", old, new, "--fail-on-change"]).code, 1);
    let same = site.run(&["diff", old, old, "--fail-on-change"]);
    assert_eq!(same.code, 0);
    assert!(same.stdout.contains("no changes"), "{}", same.stdout);
}

#[test]
fn render_rebuilds_the_same_html_and_never_writes_a_half_file() {
    let site = Site::new();
    site.audit(&[]);
    let folder = run_dir(site.dir.path());
    let json = folder.join("report.json");
    let out = site.path("again.html");
    let run = site.run(&["render", json.to_str().unwrap(), "-o", &out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(folder.join("report.html")).unwrap()
    );

    // Without -o, beside the JSON.
    std::fs::remove_file(folder.join("report.html")).unwrap();
    assert_eq!(site.run(&["render", json.to_str().unwrap()]).code, 0);
    assert!(folder.join("report.html").exists());

    // Bad input: a clear error, exit 2, and no output file at all.
    let bad = |content: &[u8], expect: &str| {
        let input = site.path("bad.json");
        std::fs::write(&input, content).unwrap();
        let target = site.path("bad.html");
        let run = site.run(&["render", &input, "-o", &target]);
        assert_eq!(run.code, 2, "{expect}: {}", run.stderr);
        assert!(
            run.stderr.to_lowercase().contains(expect),
            "{expect}: {}",
            run.stderr
        );
        assert!(!Path::new(&target).exists(), "no half file");
    };
    let whole = std::fs::read(&json).unwrap();
    bad(&whole[..whole.len() / 2], "truncated");
    bad(b"[1, 2, 3]", "not a cookie-audit report");
    bad(br#"{"schema_version": 2, "targets": []}"#, "schema_version");
    let missing = site.run(&["render", &site.path("nope.json")]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.json"), "{}", missing.stderr);
}

#[test]
fn shards_merge_into_one_report_and_conflicts_are_refused() {
    let site = Site::new();
    site.audit(&["--shard", "0/2"]);
    let shard0 = run_dir(site.dir.path()).join("report.json");
    site.audit(&["--shard", "1/2"]);
    let shard1 = run_dir(site.dir.path()).join("report.json");
    let merged = site.path("merged.json");
    let run = site.run(&[
        "merge",
        shard0.to_str().unwrap(),
        shard1.to_str().unwrap(),
        "-o",
        &merged,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    let names: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["one", "two"]);
    assert_eq!(report["totals"]["targets"], 2);
    assert_eq!(report["totals"]["audited"], 2);

    // The same shard twice (here with different contents) cannot be joined.
    let mut altered: Value =
        serde_json::from_str(&std::fs::read_to_string(&shard0).unwrap()).unwrap();
    altered["targets"][0]["observed"] = Value::Array(Vec::new());
    let altered_path = site.path("altered.json");
    std::fs::write(&altered_path, serde_json::to_vec(&altered).unwrap()).unwrap();
    let conflict = site.run(&[
        "merge",
        shard0.to_str().unwrap(),
        &altered_path,
        "-o",
        &site.path("x.json"),
    ]);
    assert_eq!(conflict.code, 2);
    assert!(
        conflict.stderr.contains("altered.json"),
        "{}",
        conflict.stderr
    );
    assert!(!Path::new(&site.path("x.json")).exists());
}

/// `render --text`: the summary `audit` printed, after the run's totals, for a mail; a cookie
/// seen in several consent phases counts once; `-o` writes it to a file instead.
#[test]
fn render_text_prints_the_summary_the_audit_printed() {
    let site = Site::new();
    let audit = site.audit(&[]);
    let json = run_dir(site.dir.path()).join("report.json");
    let json = json.to_str().unwrap();
    let text = site.run(&["render", "--text", json]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert!(
        lines[0].starts_with("run ") && lines[0].contains("(http engine)"),
        "{}",
        text.stdout
    );
    assert!(
        lines[1].starts_with("2 targets: 2 audited, 0 failed; findings "),
        "{}",
        text.stdout
    );
    let per_target = |stdout: &str| -> Vec<String> {
        stdout
            .lines()
            .filter(|l| l.starts_with("audited  ") || l.starts_with("failed   "))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(per_target(&text.stdout), per_target(&audit.stdout));
    assert_eq!(per_target(&text.stdout).len(), 2);
    assert!(!Path::new(&json.replace(".json", ".txt")).exists());

    // Consent phases: `one`'s cookie also seen after acceptance, and a third-party one twice.
    let mut report: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let observed = report["targets"][0]["observed"].as_array_mut().unwrap();
    let mut accepted = observed[0].clone();
    accepted["phase"] = "accept".into();
    let mut third = observed[0].clone();
    third["name"] = "_ga".into();
    third["party"] = "third".into();
    let mut third_again = third.clone();
    third_again["phase"] = "accept".into();
    observed.extend([accepted, third, third_again]);
    let phased = site.path("phased.json");
    std::fs::write(&phased, serde_json::to_vec(&report).unwrap()).unwrap();
    let out = site.path("summary.txt");
    let written = site.run(&["render", "--text", &phased, "-o", &out]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert_eq!(written.stdout.trim(), out);
    let summary = std::fs::read_to_string(&out).unwrap();
    assert!(
        summary.contains("audited  one: 1 pages, 2 cookies (1 third-party)"),
        "{summary}"
    );
}

fn merge_of(site: &Site, inputs: &[&Path], extra: &[&str]) -> (Run, String) {
    let out = site.path("merged.json");
    let _ = std::fs::remove_file(&out);
    let mut argv = vec!["merge".to_string()];
    argv.extend(inputs.iter().map(|p| p.to_str().unwrap().to_string()));
    argv.extend(args(&["-o", &out]));
    argv.extend(args(extra));
    (cookie_audit(site.dir.path(), &argv), out)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Each shard records its shard, its run's batch and config hash, and its targets' places in
/// targets.toml; `merge` puts targets back in that order whatever the order of its inputs, and
/// refuses shards of different runs, a shard twice, and missing shards unless allowed.
#[test]
fn merge_checks_that_shards_make_one_run() {
    let site = Site::new();
    let shard = |k: &str, extra: &[&str]| {
        let mut argv = vec!["--shard", k];
        argv.extend(extra);
        site.audit(&argv);
        run_dir(site.dir.path()).join("report.json")
    };
    let zero = shard("0/2", &[]);
    let one = shard("1/2", &[]);
    let (first, second) = (read_json(&zero), read_json(&one));
    assert_eq!(
        second["run"]["shard"],
        serde_json::json!({"index": 1, "count": 2})
    );
    assert_eq!(second["targets"][0]["name"], "two");
    assert_eq!(second["targets"][0]["index"], 1);
    let batch = first["run"]["batch"].as_str().unwrap();
    assert!(batch.starts_with("cfg-"), "{batch}");
    assert_eq!(
        second["run"]["batch"], batch,
        "derived alike by both shards"
    );
    assert_eq!(second["run"]["config_hash"], first["run"]["config_hash"]);

    // Inputs in any order: targets in the order of targets.toml.
    let (run, out) = merge_of(&site, &[&one, &zero], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let merged = read_json(Path::new(&out));
    let names: Vec<&str> = merged["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["one", "two"]);
    assert_eq!(
        merged["run"]["merged"],
        serde_json::json!({"count": 2, "shards": [0, 1], "missing": []})
    );
    assert_eq!(merged["run"]["batch"], batch);
    assert!(merged["run"].get("shard").is_none());

    // The same shard twice.
    let (run, out) = merge_of(&site, &[&zero, &one, &zero], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("shard 0/2 is given twice"),
        "{}",
        run.stderr
    );
    assert!(!Path::new(&out).exists());

    // A shard missing: named, refused, then joined when allowed and said in the report.
    let (run, out) = merge_of(&site, &[&one], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("error: shard 0/2 missing"),
        "{}",
        run.stderr
    );
    assert!(!Path::new(&out).exists());
    let (run, out) = merge_of(&site, &[&one], &["--allow-missing"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: shard 0/2 missing"),
        "{}",
        run.stderr
    );
    let partial = read_json(Path::new(&out));
    assert_eq!(partial["run"]["merged"]["missing"], serde_json::json!([0]));
    assert_eq!(partial["run"]["partial"], false, "no shard was interrupted");
    assert_eq!(partial["totals"]["targets"], 1);

    // Another run: other options derive another batch, and --batch names runs apart.
    let other = shard("0/2", &["--lifetime-limit-days", "30"]);
    let (run, _) = merge_of(&site, &[&other, &one], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let other_name = other.to_str().unwrap();
    assert!(
        run.stderr.contains("of different runs") && run.stderr.contains(other_name),
        "{}",
        run.stderr
    );
    let monday = shard("0/2", &["--batch", "monday"]);
    let tuesday = shard("1/2", &["--batch", "tuesday"]);
    let (run, _) = merge_of(&site, &[&monday, &tuesday], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is of run batch \"tuesday\"")
            && run.stderr.contains(tuesday.to_str().unwrap())
            && run.stderr.contains(monday.to_str().unwrap()),
        "{}",
        run.stderr
    );
}
