//! Durations as real charters write them, read end to end through `cookie-audit charter FILE
//! --json`: Italian, Portuguese and Catalan words under their own headers ("Scadenza",
//! "Duração", "Durada"), "Never", "About 2 weeks", "1 an 1 mois", and a purpose ending "…kept
//! up to 24 hours" where no duration column exists.

mod common;

use common::check_charter as check;

const DAY: u64 = 86_400;
const MONTH: u64 = 30 * DAY;
const YEAR: u64 = 365 * DAY;
/// "Never" reads as a hundred years (`duration::NEVER`).
const NEVER: u64 = 100 * YEAR;

#[test]
fn italian_portuguese_and_catalan_charters() {
    check(
        "dur-it-pt.html",
        "https://dati.regione-esempio.it",
        &[
            ("sessionid", "exact", "necessary", Some(14 * DAY)),
            ("django_language", "exact", "necessary", Some(0)),
            ("cookies_preferences", "exact", "necessary", Some(6 * MONTH)),
            ("_pk_id.*", "prefix", "statistics", Some(13 * MONTH)),
            ("_pk_ses.*", "prefix", "statistics", Some(1800)),
            ("csrftoken", "exact", "necessary", Some(YEAR)),
            ("lb_route", "exact", "necessary", Some(NEVER)),
            // The heading names a language, not a category.
            ("_ga", "exact", "unknown", Some(2 * YEAR)),
        ],
    );
}

#[test]
fn approximate_compound_never_and_in_a_sentence() {
    check(
        "dur-en-words.html",
        "https://library.university-example.ac.uk",
        &[
            ("EZproxy", "exact", "necessary", Some(14 * DAY)),
            ("lib_consent", "exact", "necessary", Some(NEVER)),
            ("renewals_seen", "exact", "necessary", Some(YEAR + MONTH)),
            ("_gid", "exact", "statistics", Some(DAY)),
            ("pref_affichage", "exact", "functional", Some(YEAR + MONTH)),
        ],
    );
}

#[test]
fn name_description_bullets_keep_the_purpose_and_find_the_lifetime() {
    check(
        "bullets-name-description.md",
        "https://opendata.harbour-example.ie",
        &[
            ("cookies_preferences", "exact", "necessary", Some(6 * MONTH)),
            ("PHPSESSID", "exact", "necessary", Some(0)),
            ("csrftoken", "exact", "necessary", Some(YEAR)),
            ("lang", "exact", "necessary", Some(13 * MONTH)),
            ("_pk_id.*", "prefix", "statistics", Some(13 * MONTH)),
            ("_pk_ses.*", "prefix", "statistics", Some(1800)),
        ],
    );
    // A lifetime inside the describing sentence leaves the sentence as the purpose; a
    // sentence or clause of its own is the duration and leaves the purpose.
    let charter = common::fixture_charter("bullets-name-description.md");
    let read: Vec<(&str, &str, &str)> = charter["declared"]
        .as_array()
        .expect("declared")
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap_or_default(),
                d["purpose"].as_str().unwrap_or_default(),
                d["duration"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        read[..4],
        [
            (
                "cookies_preferences",
                "stores your consent choices for 6 months.",
                "6 months"
            ),
            (
                "PHPSESSID",
                "identifies your session on the server.",
                "Expires at the end of the session"
            ),
            (
                "csrftoken",
                "protects forms against cross-site request forgery",
                "kept for 1 year"
            ),
            ("lang", "remembers the language you chose.", "13 months"),
        ]
    );
}
