//! Opendatasoft custom pages (`/pages/<slug>/`), whose content is an escaped AngularJS template
//! in an inline script (`$scope.blocks = {"html": "…"}`): the charter inside is read from the
//! file and through a real crawl, in the page's language when there are several, and a broken
//! template is `unparsed` with its reason.

mod common;

use common::{Server, audit_site, check_charter as check, fixture_charter, html, latest_report};

const DAY: u64 = 86_400;
const MONTH: u64 = 30 * DAY;
const YEAR: u64 = 365 * DAY;

const ODS_CHARTER: [(&str, &str, &str, Option<u64>); 6] = [
    ("sessionid", "exact", "necessary", Some(14 * DAY)),
    ("csrftoken", "exact", "necessary", Some(YEAR)),
    ("django_language", "exact", "necessary", Some(0)),
    ("cookies_preferences", "exact", "necessary", Some(6 * MONTH)),
    ("_pk_id.*", "prefix", "statistics", Some(13 * MONTH)),
    ("_pk_ses.*", "prefix", "statistics", Some(1800)),
];

#[test]
fn a_charter_inside_a_custom_page_template_is_read() {
    check(
        "embed-page.html",
        "https://data.agglo-exemple.fr",
        &ODS_CHARTER,
    );
}

#[test]
fn of_several_languages_the_page_language_is_read() {
    check(
        "embed-langs.html",
        "https://data.agglo-exemple.fr",
        &ODS_CHARTER,
    );
    let charter = fixture_charter("embed-langs.html");
    assert_eq!(charter["declared"][0]["duration"], "2 weeks", "{charter}");
}

#[test]
fn a_broken_template_is_unparsed_with_its_reason() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/charters/embed-broken.html");
    let dir = tempfile::tempdir().expect("tempdir");
    let run = common::cookie_audit(
        dir.path(),
        &common::args(&["charter", &path.to_string_lossy(), "--json"]),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let charter: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(charter["status"], "unparsed");
    let why = charter["error"].as_str().unwrap_or_default();
    assert!(why.contains("template inside a script"), "{why}");
}

#[test]
fn a_crawl_reads_the_charter_of_a_custom_page() {
    let page = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/charters/embed-page.html"),
    )
    .expect("fixture");
    let server = Server::start(move |_host, path, _headers| match path {
        "/" => html(200, &[], "<p>Portail open data</p>"),
        "/pages/charte-cookies/" => html(200, &[], page.clone()),
        _ => html(404, &[], "not here"),
    });
    let (dir, run) = audit_site(
        &format!(
            "[defaults]\ndelay_ms = 0\nmax_pages = 2\n\n[[target]]\nname = \"agglo\"\n\
             url = \"http://data.agglo.test:{port}/\"\n\
             charter = \"http://data.agglo.test:{port}/pages/charte-cookies/\"\n",
            port = server.port
        ),
        &server.argv(&["audit", "--ignore-robots"], &["data.agglo.test"]),
    );
    assert!(matches!(run.code, 0 | 1), "{}\n{}", run.stdout, run.stderr);
    let charter = &latest_report(dir.path())["targets"][0]["charter"];
    assert_eq!(charter["status"], "parsed", "{charter}");
    assert_eq!(charter["rendered"], false, "{charter}");
    let names: Vec<&str> = charter["declared"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ODS_CHARTER.iter().map(|d| d.0).collect::<Vec<_>>(),
        "{charter}"
    );
}
