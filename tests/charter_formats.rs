//! Every charter format read end to end: fixture files of each form → declarations.

use cookie_audit::charter::{Unreadable, names, read_document};
use cookie_audit::types::{Category, MatchKind};

const DAY: u64 = 86_400;
const MONTH: u64 = 30 * DAY;
const YEAR: u64 = 365 * DAY;

use Category::{Functional as F, Necessary as N, Statistics as S, Unknown as U};
use MatchKind::{Exact as E, Pattern as Pt, Prefix as P};

/// (name, match, category, duration in seconds)
type Expected = (&'static str, MatchKind, Category, Option<u64>);

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/charters")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check(file: &str, portal: &str, expected: &[Expected]) {
    let reading =
        read_document(&fixture(file), None, file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let got: Vec<Expected> = reading
        .declared
        .iter()
        .map(|d| {
            let name: &'static str = Box::leak(d.name.clone().into_boxed_str());
            (name, d.match_kind, d.category, d.duration_seconds)
        })
        .collect();
    assert_eq!(got, expected, "{file}");
    assert_eq!(reading.portal_url.as_deref(), Some(portal), "{file}");
}

const ODS_NECESSARY: [Expected; 4] = [
    ("sessionid", E, N, None),
    ("django_language", E, N, None),
    ("csrftoken", E, N, None),
    ("cookies_preferences", E, N, None),
];

#[test]
fn older_template_in_french_inside_portal_chrome() {
    let mut expected = ODS_NECESSARY.to_vec();
    expected.extend([
        ("_pk_id.*", P, S, Some(13 * MONTH)),
        ("_pk_ses.*", P, S, Some(1800)),
    ]);
    check("odsold-fr.html", "https://data.lormeau-agglo.fr", &expected);
    let reading = read_document(&fixture("odsold-fr.html"), None, "odsold-fr.html").unwrap();
    assert!(
        reading
            .declared
            .iter()
            .take(4)
            .all(|d| d.provider == "Opendatasoft")
    );
    // A cell's <br> is a space in the declaration's text.
    assert_eq!(
        reading.declared[0].service,
        "Authentification (front et back office)"
    );
}

#[test]
fn older_template_in_english_with_td_headers_and_two_names_in_a_cell() {
    let mut expected = ODS_NECESSARY.to_vec();
    expected.extend([
        ("_ga", E, S, None),
        ("_gid", E, S, None),
        ("_ga_*", P, S, None),
    ]);
    check(
        "odsold-en.html",
        "https://opendata.kestrelford.uk",
        &expected,
    );
}

#[test]
fn older_english_template_as_markdown_pipe_tables() {
    let mut expected = ODS_NECESSARY.to_vec();
    expected.extend([("_pk_id.*", P, S, None), ("_pk_ses.*", P, S, None)]);
    check(
        "odsold-en-2.md",
        "https://opendata.harrowmere-county.org",
        &expected,
    );
}

#[test]
fn newer_default_template_with_its_durations() {
    check(
        "odsnew-default.html",
        "https://data.vallee-orbiere.fr",
        &[
            ("sessionid", E, N, Some(14 * DAY)),
            ("csrftoken", E, N, Some(12 * MONTH)),
            ("cookies_preferences", E, N, Some(6 * MONTH)),
            ("_ga", E, S, Some(12 * MONTH)),
            ("_ga_<container-id>", P, S, Some(12 * MONTH)),
        ],
    );
}

const LIST_COOKIES: [Expected; 7] = [
    ("sessionid", E, N, Some(0)),
    ("csrftoken", E, N, Some(12 * MONTH)),
    ("cookies_preferences", E, N, Some(6 * MONTH)),
    ("_ga", E, S, Some(13 * MONTH)),
    ("_gid", E, S, Some(DAY)),
    ("_pk_id.*", P, S, Some(13 * MONTH)),
    ("_pk_ses.*", P, S, Some(1800)),
];

#[test]
fn lists_in_markdown_and_html_prose_bullets_ignored() {
    check(
        "list.md",
        "https://opendata.pays-de-marval.fr",
        &LIST_COOKIES,
    );
    let mut expected = LIST_COOKIES.to_vec();
    expected.push(("_gat", E, S, Some(60)));
    check("list.html", "https://opendata.pays-de-marval.fr", &expected);
}

#[test]
fn dutch_and_german_charters() {
    check(
        "nl.html",
        "https://opendata.gemeente-hoogveld.nl",
        &[
            ("sessionid", E, N, Some(14 * DAY)),
            ("django_language", E, N, Some(YEAR)),
            ("csrftoken", E, N, Some(YEAR)),
            ("cookies_preferences", E, N, Some(6 * MONTH)),
            ("_pk_id.*", P, S, Some(13 * MONTH)),
            ("_pk_ses.*", P, S, Some(1800)),
        ],
    );
    check(
        "de.html",
        "https://daten.stadt-lindenau.de",
        &[
            ("sessionid", E, N, Some(0)),
            ("django_language", E, N, Some(YEAR)),
            ("csrftoken", E, N, Some(YEAR)),
            ("cookies_preferences", E, N, Some(6 * MONTH)),
            ("_ga", E, S, Some(13 * MONTH)),
            ("_gid", E, S, Some(DAY)),
        ],
    );
}

#[test]
fn pipe_tables_in_pre_and_tab_rows_in_paragraphs() {
    check(
        "pre-pipe.html",
        "https://opendata.saint-avrel.fr",
        &[
            ("sessionid", E, F, Some(0)),
            ("csrftoken", E, F, Some(YEAR)),
            ("cookies_preferences", E, F, Some(6 * MONTH)),
            ("_pk_id.*", P, S, Some(13 * MONTH)),
            ("_pk_ses.*", P, S, Some(1800)),
        ],
    );
}

#[test]
fn a_latin1_page_is_decoded_by_its_meta_charset() {
    check(
        "latin1.html",
        "https://data.montclair-sur-loue.fr",
        &[
            ("sessionid", E, N, Some(0)),
            ("csrftoken", E, N, Some(YEAR)),
            ("cookies_preferences", E, N, Some(6 * MONTH)),
        ],
    );
}

#[test]
fn every_family_form_is_read_with_its_match_kind() {
    check(
        "families.md",
        "https://data.region-nordmark.eu",
        &[
            ("_ga_*", P, U, Some(13 * MONTH)),
            ("_pk_id#", P, U, Some(13 * MONTH)),
            ("_pk_*", P, U, Some(6 * MONTH)),
            ("_hjSession_#", P, U, Some(1800)),
            ("SSESS<ID>", P, U, Some(23 * DAY)),
            ("incap_ses_*", P, U, Some(0)),
            ("[id]_l", Pt, U, Some(YEAR)),
            ("_hs", P, U, Some(13 * MONTH)),
        ],
    );
    let reading = read_document(&fixture("families.md"), None, "families.md").unwrap();
    let covers = |cookie: &str| reading.declared.iter().any(|d| names::covers(d, cookie));
    for cookie in [
        "_ga_ABC123",
        "_pk_id.1.a3f0",
        "_pk_ses.1.x",
        "_hjSession_12",
        "SSESSab12",
        "incap_ses_1_2",
        "42_l",
        "_hssc",
    ] {
        assert!(covers(cookie), "{cookie}");
    }
    for cookie in ["_ga", "_gat", "SESSab12", "42_lx", "hs"] {
        assert!(!covers(cookie), "{cookie}");
    }
}

#[test]
fn a_page_without_a_cookie_table_says_so() {
    let result = read_document(&fixture("no-table.html"), None, "no-table.html");
    assert!(
        matches!(
            result,
            Err(Unreadable::NoTable | Unreadable::NoCookieColumn { .. })
        ),
        "{result:?}"
    );
}

#[test]
fn a_50_mb_page_is_read_without_trouble() {
    // A charter table at the top of a page padded to 50 MB: read whole, no panic.
    let mut page = String::from(
        "<html><body><h2>Cookies nécessaires</h2><table><tr><th>Nom du cookie</th><th>Finalité</th></tr>\
         <tr><td>sessionid</td><td>Session</td></tr></table>",
    );
    let filler = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n";
    while page.len() < 50 * 1024 * 1024 {
        page.push_str(filler);
    }
    page.push_str("</body></html>");
    let reading = read_document(page.as_bytes(), Some("text/html"), "big").unwrap();
    assert_eq!(reading.declared.len(), 1);
    assert_eq!(reading.declared[0].category, Category::Necessary);
}
