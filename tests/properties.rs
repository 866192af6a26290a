//! Property tests and fuzzing of everything that reads web input: charters (text, Markdown,
//! HTML), durations, cookie names, `Set-Cookie` headers, URLs.
//!
//! CI runs the default number of cases; a long fuzzing run sets `PROPTEST_CASES`, e.g.
//! `PROPTEST_CASES=200000 cargo test --release --test properties` (see BENCHMARKS.md).

use cookie_audit::charter::{self, names};
use cookie_audit::cookie::date::{browser_attributes, http_date, parse_cookie_date};
use cookie_audit::cookie::parse_set_cookie;
use cookie_audit::duration;
use cookie_audit::extract::{decode_html, normalise, page_refs};
use cookie_audit::redact;
use proptest::prelude::*;
use url::Url;

/// Pieces charters are made of, so that random documents reach deep into the parsers.
const CHARTER_TOKENS: &[&str] = &[
    "\t",
    "\n",
    "\n\n",
    " ",
    "|",
    "||",
    "---",
    "|---|---|",
    "#",
    "## ",
    "#### ",
    "- ",
    "* ",
    "1. ",
    "`",
    "**",
    "<",
    ">",
    "</",
    "<table>",
    "</table>",
    "<tr>",
    "</tr>",
    "<td>",
    "</td>",
    "<th>",
    "</th>",
    "<thead>",
    "<br>",
    "<code>",
    "</code>",
    "<h2>",
    "</h2>",
    "<li>",
    "<ul>",
    "<pre>",
    "<main>",
    "<nav>",
    "<footer>",
    "<script>",
    "<!--",
    "-->",
    "&amp;",
    "&#x1F36A;",
    "\u{a0}",
    "Nom du prestataire",
    "Service et emplacement",
    "Nom du cookies",
    "Finalités",
    "Durée",
    "Cookie name(s)",
    "Purpose",
    "Supplier name",
    "Duration",
    "Function",
    "Naam",
    "Doel",
    "Speicherdauer",
    "Kategorie",
    "Catégorie",
    "Cookies nécessaires",
    "Statistiques",
    "marketing",
    "Opendatasoft",
    "sessionid",
    "csrftoken",
    "_ga",
    "_ga_*",
    "_pk_id.*",
    "_pk_id#",
    "_pk_ *",
    "SSESS<ID>",
    "[id]_l",
    "_hjSession_#",
    "any cookie starting with _hs",
    "13 mois",
    "Session",
    "2 weeks by default",
    "Up to 12 months",
    "1 jaar",
    "24 Stunden",
    "jusqu'à",
    "https://p.test",
    "<https://data.test>",
    "é",
    "ß",
    "\u{0}",
    "\u{feff}",
    "\r",
    "\r\n",
];

fn charter_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CHARTER_TOKENS), 0..300).prop_map(|t| t.concat())
}

const DURATION_TOKENS: &[&str] = &[
    "1",
    "2",
    "13",
    "0",
    "99999999999999999999",
    "1,5",
    "0.5",
    " ",
    "-",
    "à",
    "et",
    "and",
    "up to",
    "jusqu'à",
    "mois",
    "month",
    "months",
    "an",
    "ans",
    "year",
    "jaar",
    "Jahr",
    "Stunden",
    "heures",
    "minutes",
    "weeks",
    "by default",
    "session",
    "Session",
    "(",
    ")",
    "between",
    "6-13",
];

const URL_TOKENS: &[&str] = &[
    "/",
    "./",
    "../",
    "a",
    "b",
    "?",
    "#",
    "&",
    "=",
    "%",
    "%2F",
    "%zz",
    "é",
    " ",
    "//",
    "http:",
    "https:",
    "mailto:",
    "javascript:",
    "data:",
    "[::1]",
    ":8080",
    "@",
    "\\",
    "\t",
    "\n",
    "..",
];

proptest! {
    #[test]
    fn charter_documents_never_panic(doc in charter_like(), html in any::<bool>()) {
        let content_type = if html { "text/html" } else { "text/plain" };
        // Whatever the input, a reading either yields declarations or says why not.
        match charter::read_document(doc.as_bytes(), Some(content_type), "fuzz") {
            Ok(reading) => prop_assert!(!reading.declared.is_empty()),
            Err(why) => prop_assert!(!why.to_string().is_empty()),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = charter::read_document(&bytes, None, "fuzz.html");
        let _ = charter::read_document(&bytes, Some("text/plain"), "fuzz.txt");
        let _ = decode_html(&bytes, Some("text/html; charset=shift_jis"));
        let base = Url::parse("https://p.test/a/").unwrap();
        let _ = page_refs(&bytes, None, &base);
    }

    #[test]
    fn declared_names_are_never_empty(doc in charter_like()) {
        if let Ok(reading) = charter::read_document(doc.as_bytes(), Some("text/plain"), "fuzz") {
            for declaration in reading.declared {
                prop_assert!(!declaration.name.trim().is_empty());
                // A declaration always covers the name it was read from, unless it is a family
                // whose placeholder cannot stand for itself.
                if declaration.match_kind == cookie_audit::types::MatchKind::Exact {
                    prop_assert!(names::covers(&declaration, &declaration.name));
                }
            }
        }
    }

    #[test]
    fn durations_never_panic(parts in prop::collection::vec(prop::sample::select(DURATION_TOKENS), 0..12)) {
        let _ = duration::parse(&parts.join(" "));
    }

    #[test]
    fn a_parsed_duration_round_trips(n in 1u64..2000, unit in prop::sample::select(&[
        ("minutes", 60u64), ("heures", 3_600), ("jours", 86_400), ("weeks", 604_800),
        ("mois", 2_592_000), ("maanden", 2_592_000), ("Jahre", 31_536_000), ("years", 31_536_000),
    ][..])) {
        let (word, seconds) = unit;
        prop_assert_eq!(duration::parse(&format!("{n} {word}")), Some(n * seconds));
        prop_assert_eq!(duration::parse(&format!("jusqu'à {n} {word}")), Some(n * seconds));
    }

    #[test]
    fn name_cells_never_panic(cell in charter_like(), cookie in "[ -~]{0,40}") {
        for spec in names::split(&cell) {
            let _ = names::matches(&spec.name, spec.kind, &cookie);
        }
    }

    #[test]
    fn set_cookie_headers_never_panic(raw in "[ -~\\u{80}-\\u{10ffff}]{0,300}") {
        let _ = parse_set_cookie(&raw);
    }

    #[test]
    fn normalising_twice_is_normalising_once(parts in prop::collection::vec(prop::sample::select(URL_TOKENS), 0..20)) {
        let base = Url::parse("https://portal.test/x/y").unwrap();
        if let Some(once) = normalise(&base, &parts.concat()) {
            let twice = normalise(&base, once.as_str());
            prop_assert_eq!(Some(once), twice);
        }
    }

    #[test]
    fn a_cookie_date_round_trips(
        days in 0i64..(8000 * 366),
        seconds in 0u32..86_400,
    ) {
        let epoch = time::macros::datetime!(1601-01-01 0:00);
        let at = epoch + time::Duration::days(days) + time::Duration::seconds(i64::from(seconds));
        prop_assume!(at.year() <= 9999);
        prop_assert_eq!(parse_cookie_date(&http_date(at)), Some(at));
    }

    #[test]
    fn browser_attributes_are_settled_after_one_pass(
        line in "[ -~]{0,40}(; ?(Expires|Max-Age|Path|expires|max-age)=?[ -:<-~]{0,30}){0,4}",
    ) {
        let once = browser_attributes(&line).into_owned();
        prop_assert_eq!(browser_attributes(&once).into_owned(), once.clone());
        let _ = parse_set_cookie(&line);
    }

    #[test]
    fn redaction_leaves_no_credentials_and_is_idempotent(
        before in "[ -~]{0,20}",
        user in "[a-zA-Z0-9._~-]{1,12}",
        password in "[a-zA-Z0-9._~!$&'()*+,;=-]{0,12}",
        host in "[a-z]{1,10}\\.test",
        after in "[ -~]{0,20}",
    ) {
        let text = format!("{before}https://{user}:{password}@{host}/path {after}");
        let once = redact::credentials(&text).into_owned();
        prop_assert!(!once.contains(&format!("{user}:{password}@")), "{}", once);
        prop_assert_eq!(redact::credentials(&once).into_owned(), once.clone());
    }

    #[test]
    fn redacting_json_text_masks_what_redacting_each_string_would(
        strings in proptest::collection::vec(
            "([ -~]|\\\\|\"|\u{1}|\n|é){0,8}(https?://[a-z:\"\\\\\u{1}]{0,6}@[a-z]{1,5}\\.test/)?([ -~]|\"|\\\\){0,8}",
            0..6,
        ),
    ) {
        let one_by_one: Vec<String> =
            strings.iter().map(|s| redact::credentials(s).into_owned()).collect();
        prop_assert_eq!(redact::serialised(strings), one_by_one);
    }
}
