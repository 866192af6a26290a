//! Categories given outside the table, as real charters give them, read end to end through
//! `cookie-audit charter FILE --json`: a lead-in paragraph or bold label just before a table
//! (Opendatasoft's current default charter, in every portal's language), a caption, numbered
//! section headings, category rows spanning a table, and "Category:" before a list.

mod common;

use common::check_charter as check;

const DAY: u64 = 86_400;
const MONTH: u64 = 30 * DAY;
const YEAR: u64 = 365 * DAY;

#[test]
fn a_bold_lead_in_before_each_table_gives_its_category_as_on_opendatasoft_portals() {
    check(
        "cat-leadin-fr.html",
        "https://data.valdorge-example.fr",
        &[
            ("sessionid", "exact", "necessary", Some(14 * DAY)),
            ("csrftoken", "exact", "necessary", Some(YEAR)),
            ("django_language", "exact", "necessary", Some(0)),
            ("_pk_id.*", "prefix", "statistics", Some(13 * MONTH)),
            ("_pk_ses.*", "prefix", "statistics", Some(1800)),
        ],
    );
}

#[test]
fn lead_ins_in_spanish_dutch_and_german() {
    check(
        "cat-leadin-es.html",
        "https://datosabiertos.ejemplo.es",
        &[
            ("sessionid", "exact", "necessary", Some(14 * DAY)),
            ("cookies_preferences", "exact", "necessary", Some(6 * MONTH)),
            ("_ga", "exact", "statistics", Some(2 * YEAR)),
        ],
    );
    check(
        "cat-leadin-nl-de.html",
        "https://opendata.voorbeeld.be",
        &[
            ("csrftoken", "exact", "necessary", Some(YEAR)),
            ("_pk_ses.*", "prefix", "statistics", Some(1800)),
            ("django_language", "exact", "necessary", Some(0)),
            ("_gid", "exact", "statistics", Some(DAY)),
        ],
    );
}

#[test]
fn a_lead_in_in_markdown_titles_the_table_below_it() {
    check(
        "cat-leadin.md",
        "https://data.metropole-exemple.fr",
        &[
            ("sessionid", "exact", "necessary", Some(14 * DAY)),
            ("csrftoken", "exact", "necessary", Some(YEAR)),
            ("_pk_id.*", "prefix", "statistics", Some(13 * MONTH)),
        ],
    );
}

#[test]
fn numbered_headings_and_captions_that_name_a_category() {
    check(
        "cat-caption-numbered.html",
        "https://www.borough-example.gov.uk",
        &[
            ("ASP.NET_SessionId", "exact", "necessary", Some(0)),
            ("_ga", "exact", "statistics", Some(2 * YEAR)),
            // The caption names no category: the numbered heading above still does.
            ("rs_lang", "exact", "functional", Some(YEAR)),
            ("VISITOR_INFO1_LIVE", "exact", "marketing", Some(6 * MONTH)),
        ],
    );
}

#[test]
fn spanning_category_rows_and_a_category_label_before_a_list() {
    check(
        "cat-rows-bullets.html",
        "https://www.departement-exemple.fr",
        &[
            ("PHPSESSID", "exact", "necessary", Some(0)),
            ("_pk_ref.*", "prefix", "statistics", Some(6 * MONTH)),
            // After the list, the lead-in of the list is spent: the heading above is in charge.
            ("tarteaucitron", "exact", "statistics", Some(YEAR)),
            ("_gat", "exact", "statistics", Some(60)),
            ("IDE", "exact", "marketing", Some(13 * MONTH)),
        ],
    );
}

#[test]
fn one_block_per_cookie_without_a_table() {
    // A bold name paragraph, a description, then "Durée de conservation : …"; and
    // "Name: … / Typical content: … / Expires: …" groups under a category heading; names
    // given only in prose.
    check(
        "blocks-fr.html",
        "https://data.region-exemple.fr",
        &[
            ("sessionid", "exact", "necessary", Some(14 * DAY)),
            ("csrftoken", "exact", "necessary", Some(365 * DAY)),
            ("_pk_id.*", "prefix", "statistics", Some(13 * MONTH)),
            ("_pk_ses.*", "prefix", "statistics", Some(1800)),
            // Named only in running prose ("Matomo dépose aussi <code>_pk_ref*</code> et …").
            ("_pk_ref*", "prefix", "statistics", None),
            ("_pk_cvar*", "prefix", "statistics", None),
        ],
    );
    check(
        "blocks-en.md",
        "https://www.county-archives-example.org.uk",
        &[
            ("ASPXAUTH", "exact", "necessary", Some(0)),
            ("basket_id", "exact", "necessary", Some(7 * DAY)),
            ("_gid", "exact", "statistics", Some(DAY)),
            ("_ga", "exact", "statistics", Some(2 * YEAR)),
        ],
    );
}

#[test]
fn a_definition_list_under_category_headings() {
    check(
        "dl-definitions.html",
        "https://data.provincie-voorbeeld.nl",
        &[
            ("JSESSIONID", "exact", "functional", Some(0)),
            ("pref_taal", "exact", "functional", Some(YEAR)),
            ("_pk_ses.*", "prefix", "statistics", Some(1800)),
        ],
    );
}

#[test]
fn a_service_sub_heading_keeps_its_section_category() {
    // "Analytische cookies" > "Matomo" > table: the table is filed under the section, and a
    // list under a "Contact" section declares nothing.
    check(
        "cat-service-subheadings.html",
        "https://data.gemeente-voorbeeld.be",
        &[
            ("sessionid", "exact", "necessary", Some(0)),
            ("csrftoken", "exact", "necessary", Some(YEAR)),
            ("_pk_id.*", "prefix", "statistics", Some(13 * MONTH)),
            ("mtm_consent", "exact", "statistics", Some(30 * YEAR)),
        ],
    );
    check(
        "cat-service-subheadings.md",
        "https://data.region-example.org",
        &[
            ("django_language", "exact", "functional", Some(YEAR)),
            ("_pk_ses.*", "prefix", "statistics", Some(1800)),
            ("_hjSessionUser_*", "prefix", "statistics", Some(YEAR)),
        ],
    );
}
