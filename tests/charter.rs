//! Charter discovery and reading end to end: the five seeds, every way a charter is found, and
//! the `charter` command, against servers on 127.0.0.1.

mod common;

use axum::http::HeaderMap;
use common::*;
use serde_json::Value;

const SEEDS: [(&str, &str); 5] = [
    ("000_5064902187e21bd9.txt", "https://opendata.bruxelles.be"),
    ("001_cad2b1edd5d77c10.txt", "https://data.bep.be"),
    (
        "002_3b9924e3c15a634c.txt",
        "https://ares-digitalwallonia.opendatasoft.com",
    ),
    (
        "003_227d0ba1bdef09d5.txt",
        "https://opendata.brest-metropole.fr",
    ),
    ("004_0db7675d648b40dc.txt", "https://www.opendata56.fr"),
];

const SEED_COOKIES: [&str; 4] = [
    "sessionid",
    "django_language",
    "csrftoken",
    "cookies_preferences",
];

fn seeds_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds")
}

fn names(charter: &Value) -> Vec<&str> {
    charter["declared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect()
}

#[test]
fn all_five_seed_charters_read_through_the_charter_command() {
    let dir = seeds_dir();
    for (file, portal) in SEEDS {
        let path = dir.join(file);
        let run = cookie_audit(&dir, &args(&["charter", path.to_str().unwrap(), "--json"]));
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        let charter: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(charter["status"], "parsed", "{file}");
        assert_eq!(names(&charter), SEED_COOKIES, "{file}");
        assert_eq!(charter["portal_url"], portal, "{file}");
        for declared in charter["declared"].as_array().unwrap() {
            assert_eq!(declared["provider"], "Opendatasoft", "{file}");
            assert_eq!(declared["category"], "necessary", "{file}");
            assert_eq!(declared["match"], "exact", "{file}");
            assert!(!declared["purpose"].as_str().unwrap().is_empty(), "{file}");
        }
    }
}

#[test]
fn the_charter_command_prints_a_table_and_says_why_when_it_cannot() {
    let seed = seeds_dir().join(SEEDS[1].0);
    let run = cookie_audit(&seeds_dir(), &args(&["charter", seed.to_str().unwrap()]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("4 cookie(s) declared"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("NAME"), "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("csrftoken") && l.contains("necessary"))
    );

    let dir = tempfile::tempdir().unwrap();
    let missing = cookie_audit(dir.path(), &args(&["charter", "nope.md"]));
    assert_eq!(missing.code, 3);
    assert!(
        missing.stderr.contains("cannot read nope.md"),
        "{}",
        missing.stderr
    );

    std::fs::write(
        dir.path().join("prose.md"),
        "# Cookies\n\nWe use a few cookies.\n",
    )
    .unwrap();
    let prose = cookie_audit(dir.path(), &args(&["charter", "prose.md"]));
    assert_eq!(prose.code, 1);
    assert!(
        prose.stderr.contains("no table or list"),
        "{}",
        prose.stderr
    );

    std::fs::write(
        dir.path().join("image.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
    )
    .unwrap();
    let binary = cookie_audit(dir.path(), &args(&["charter", "image.png"]));
    assert_eq!(binary.code, 1);
    assert!(binary.stderr.contains("binary"), "{}", binary.stderr);
}

const HTML_CHARTER: &str = r#"<!doctype html><html><head><title>Charte</title></head><body>
<header><nav><a href="/">Accueil</a></nav></header>
<main><h1>Charte cookies</h1><p>A quoi servent les cookies sur la plateforme https://www.portal.test</p>
<h2>Cookies nécessaires</h2>
<table><tr><th>Nom du prestataire</th><th>Nom du cookie</th><th>Finalités</th><th>Durée</th></tr>
<tr><td>Portal</td><td>sessionid</td><td>Session</td><td>Session</td></tr>
<tr><td>Portal</td><td>csrftoken</td><td>Sécurité</td><td>1 an</td></tr></table>
<h2>Mesure d'audience</h2>
<table><tr><th>Nom du prestataire</th><th>Nom du cookie</th><th>Finalités</th><th>Durée</th></tr>
<tr><td>Matomo</td><td>_pk_id.*</td><td>Identifier le visiteur</td><td>13 mois</td></tr></table>
</main><footer>© Portal</footer></body></html>"#;

/// A portal whose charter is found as the test says, on the host names given to `--resolve`.
fn portal(
    kind: &'static str,
) -> impl Fn(&str, &str, &HeaderMap) -> axum::response::Response + Send + Sync {
    move |host, path, headers| {
        let port = request_port(headers);
        match (kind, host, path) {
            (_, "www.portal.test", "/robots.txt") => html(404, &[], ""),
            ("link", "www.portal.test", "/") => html(
                200,
                &[],
                format!(
                    r#"<a href="/explore/">Données</a> <a href="/">Accepter les cookies</a>
                    <a href="http://legal.other.test:{port}/charte">Charte cookies</a>"#
                ),
            ),
            ("link", "legal.other.test", "/robots.txt") => html(404, &[], ""),
            ("link", "legal.other.test", "/charte") => html(
                200,
                &[("set-cookie", b"legal_seen=1; Path=/")],
                HTML_CHARTER,
            ),
            ("platform", "www.portal.test", "/") => {
                html(200, &[], "<p>No link to the charter.</p>")
            }
            ("platform", "www.portal.test", "/terms/cookies-policy/") => {
                html(200, &[], HTML_CHARTER)
            }
            ("unparsed", "www.portal.test", "/") => {
                html(200, &[], r#"<a href="/cookies">Politique de cookies</a>"#)
            }
            ("unparsed", "www.portal.test", "/cookies") => html(
                200,
                &[],
                "<h1>Cookies</h1><p>We use cookies to improve the site.</p>",
            ),
            ("unreachable", "www.portal.test", "/") => {
                html(200, &[], r#"<a href="/gone">Charte cookies</a>"#)
            }
            // Links that mention cookies in passing only: a consent button and a URL.
            ("none", "www.portal.test", "/") => html(
                200,
                &[],
                r#"<p>Nothing about it.</p><a href="/">Accepter les cookies</a>
                <a href="/recipes/cookies">Recipes</a>"#,
            ),
            ("none", "www.portal.test", "/recipes/cookies") => {
                html(200, &[], "<p>Chocolate chip.</p>")
            }
            _ => html(404, &[], "not found"),
        }
    }
}

fn audit_portal(kind: &'static str, extra_target_toml: &str) -> (Value, tempfile::TempDir) {
    let server = Server::start(portal(kind));
    let (dir, run) = audit_site(
        &format!(
            "[defaults]\ndelay_ms = 0\ntimeout_secs = 5\nmax_pages = 5\n\n[[target]]\nname = \"portal\"\n\
             url = \"http://www.portal.test:{}/\"\n{extra_target_toml}\n",
            server.port
        ),
        &server.argv(&["audit"], &["www.portal.test", "legal.other.test"]),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = latest_report(dir.path());
    (report["targets"][0].clone(), dir)
}

#[test]
fn a_charter_linked_by_its_text_is_found_on_another_host_and_its_cookies_recorded() {
    let (target, _dir) = audit_portal("link", "");
    let charter = &target["charter"];
    assert_charter_status(charter, "parsed");
    assert!(
        charter["source"]
            .as_str()
            .unwrap()
            .starts_with("http://legal.other.test:")
    );
    assert!(charter["source"].as_str().unwrap().ends_with("/charte"));
    assert_eq!(names(charter), ["sessionid", "csrftoken", "_pk_id.*"]);
    assert_eq!(charter["portal_url"], "https://www.portal.test");
    let pk = &charter["declared"][2];
    assert_eq!(pk["match"], "prefix");
    assert_eq!(pk["category"], "statistics");
    assert_eq!(pk["duration"], "13 mois");
    assert_eq!(pk["duration_seconds"], 13 * 30 * 86_400);
    assert_eq!(
        charter["declared"][0]["duration_seconds"], 0,
        "Session is 0 seconds"
    );
    assert_eq!(charter["declared"][0]["category"], "necessary");
    // The charter page is a page of the visit: what it sets is observed too.
    let legal = target["observed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "legal_seen")
        .expect("the charter page's cookie");
    assert_eq!(legal["party"], "third");
    assert_eq!(legal["first_seen_on"], charter["source"]);
}

#[test]
fn without_a_link_the_platform_path_is_tried() {
    let (target, _dir) = audit_portal("platform", "");
    let charter = &target["charter"];
    assert_charter_status(charter, "parsed");
    assert!(
        charter["source"]
            .as_str()
            .unwrap()
            .ends_with("/terms/cookies-policy/")
    );
    assert_eq!(names(charter).len(), 3);
}

#[test]
fn a_configured_charter_file_is_read_relative_to_targets_toml() {
    let config_dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let seed = std::fs::read(seeds_dir().join(SEEDS[0].0)).unwrap();
    std::fs::write(config_dir.path().join("charte.txt"), seed).unwrap();
    let server = Server::start(portal("none"));
    let targets = write_targets(
        config_dir.path(),
        &format!(
            "[[target]]\nname = \"portal\"\nurl = \"http://www.portal.test:{}/\"\n\
             charter = \"charte.txt\"\ndelay_ms = 0\n",
            server.port
        ),
    );
    // Run from another folder: the path is relative to targets.toml, not to the working folder.
    let argv = server.argv(
        &["audit", "--targets", targets.to_str().unwrap()],
        &["www.portal.test"],
    );
    let run = cookie_audit(elsewhere.path(), &argv);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let charter = latest_report(elsewhere.path())["targets"][0]["charter"].clone();
    assert_charter_status(&charter, "parsed");
    assert_eq!(names(&charter), SEED_COOKIES);
    let expected = config_dir.path().join("charte.txt");
    assert_eq!(charter["source"], expected.to_str().unwrap());
}

#[test]
fn statuses_say_what_went_wrong() {
    let (unparsed, _a) = audit_portal("unparsed", "");
    assert_charter_status(&unparsed["charter"], "unparsed");
    assert!(
        unparsed["charter"]["source"]
            .as_str()
            .unwrap()
            .ends_with("/cookies")
    );
    assert!(
        unparsed["charter"]["error"]
            .as_str()
            .unwrap()
            .contains("no table or list")
    );

    let (unreachable, _b) = audit_portal("unreachable", "");
    assert_charter_status(&unreachable["charter"], "unreachable");
    assert!(
        unreachable["charter"]["error"]
            .as_str()
            .unwrap()
            .contains("404")
    );

    let (none, _c) = audit_portal("none", "");
    assert_charter_status(&none["charter"], "not_found");
    assert!(
        none["charter"]["error"]
            .as_str()
            .unwrap()
            .contains("/terms/cookies-policy/")
    );
    assert_eq!(none["charter"]["source"], Value::Null);

    let (configured, _d) = audit_portal("none", "charter = \"http://www.portal.test:1/nowhere\"");
    assert_charter_status(&configured["charter"], "unreachable");
}

#[test]
fn the_charter_command_fetches_a_url_through_resolve() {
    let server = Server::start(portal("platform"));
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "http://www.portal.test:{}/terms/cookies-policy/",
        server.port
    );
    let argv = server.argv(&["charter", &url, "--json"], &["www.portal.test"]);
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let charter: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(names(&charter), ["sessionid", "csrftoken", "_pk_id.*"]);
    assert_eq!(charter["source"], url);

    let gone = format!("http://www.portal.test:{}/gone", server.port);
    let argv = server.argv(&["charter", &gone], &["www.portal.test"]);
    let run = cookie_audit(dir.path(), &argv);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("HTTP 404"), "{}", run.stderr);
}
