//! Cookie declarations that consent managers publish, read end to end through
//! `cookie-audit charter FILE --json`: Cookiebot's (one table per category, `[x2]` counts,
//! Web Storage and pixels beside cookies) and OneTrust's cookie list (a host column, names as
//! links, first or third party), a "Cookie" column describing the "Name" beside it, and vendor
//! lists (Axeptio-style cards per vendor, Didomi-style device-storage fields per vendor).

mod common;

use common::check_charter as check;

const DAY: u64 = 86_400;
const MONTH: u64 = 30 * DAY;
const YEAR: u64 = 365 * DAY;

#[test]
fn cookiebot_declaration_one_table_per_category_without_storage_and_pixels() {
    check(
        "cmp-cookiebot.html",
        "https://www.transport-region-example.eu",
        &[
            ("CookieConsent", "exact", "necessary", Some(YEAR)),
            ("__cf_bm", "exact", "necessary", Some(DAY)),
            ("lang", "exact", "functional", Some(0)),
            ("_ga", "exact", "statistics", Some(2 * YEAR)),
            ("IDE", "exact", "marketing", Some(YEAR)),
            ("tr_widget_state", "exact", "unknown", Some(0)),
        ],
    );
}

#[test]
fn onetrust_cookie_list_names_come_from_cookies_not_from_the_host_column() {
    check(
        "cmp-onetrust.html",
        "https://www.museums-example.org",
        &[
            ("OptanonConsent", "exact", "necessary", Some(YEAR)),
            ("OptanonAlertBoxClosed", "exact", "necessary", Some(YEAR)),
            ("_ga", "exact", "statistics", Some(2 * YEAR)),
            ("_gid", "exact", "statistics", Some(2 * YEAR)),
            ("_hjSessionUser_NNNNNN", "prefix", "statistics", Some(YEAR)),
        ],
    );
}

#[test]
fn a_cookie_column_holding_descriptions_beside_a_name_column() {
    check(
        "cols-cookie-and-name.html",
        "https://www.stats-office-example.gov",
        &[
            ("seen_cookie_message", "exact", "necessary", Some(YEAR)),
            ("dl_session", "exact", "necessary", Some(0)),
            ("_ga", "exact", "statistics", Some(2 * YEAR)),
            ("_gid", "exact", "statistics", Some(2 * YEAR)),
        ],
    );
}

#[test]
fn a_tarteaucitron_page_with_one_table_per_purpose() {
    // The banner's own markup is chrome; the groups are tarteaucitron's: mandatory, audience
    // measurement, social networks and videos.
    check(
        "cmp-tarteaucitron.html",
        "https://www.cd-exemple.fr",
        &[
            ("tarteaucitron", "exact", "necessary", Some(YEAR)),
            ("_pk_id.*", "prefix", "statistics", Some(13 * 30 * DAY)),
            ("atuserid", "exact", "statistics", Some(13 * 30 * DAY)),
            (
                "VISITOR_INFO1_LIVE",
                "exact",
                "marketing",
                Some(6 * 30 * DAY),
            ),
        ],
    );
}

#[test]
fn vendor_cards_list_their_cookies_under_a_label() {
    // A card per vendor under a category heading: "Cookies : a, b" then the lifetime. A card
    // naming no cookie (a font service) declares nothing.
    check(
        "cmp-vendor-cards.html",
        "https://data.departement-exemple.fr",
        &[
            ("sessionid", "exact", "necessary", Some(0)),
            ("csrftoken", "exact", "necessary", Some(0)),
            ("axeptio_cookies", "exact", "necessary", Some(6 * MONTH)),
            (
                "axeptio_authorized_vendors",
                "exact",
                "necessary",
                Some(6 * MONTH),
            ),
            ("axeptio_all_vendors", "exact", "necessary", Some(6 * MONTH)),
            ("_pk_id.*", "prefix", "statistics", Some(13 * MONTH)),
            ("_pk_ses.*", "prefix", "statistics", Some(13 * MONTH)),
            ("YSC", "exact", "marketing", Some(6 * MONTH)),
            ("VISITOR_INFO1_LIVE", "exact", "marketing", Some(6 * MONTH)),
        ],
    );
}

#[test]
fn vendor_device_storage_fields_without_web_storage() {
    // One list of "Name / Type / Duration / Domain" fields per stored item; web storage is
    // no cookie.
    check(
        "cmp-vendor-storage.html",
        "https://opendata.county-example.gov.uk",
        &[
            ("_pcid", "exact", "statistics", Some(395 * DAY)),
            ("_pctx", "exact", "statistics", Some(395 * DAY)),
            ("_fbp", "exact", "marketing", Some(90 * DAY)),
            ("fr", "exact", "marketing", Some(90 * DAY)),
        ],
    );
    let charter = common::fixture_charter("cmp-vendor-storage.html");
    assert_eq!(
        charter["declared"][2]["purpose"],
        "Create profiles for personalised advertising"
    );
}
