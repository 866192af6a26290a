//! Name forms as real charters write them, read end to end through `cookie-audit charter FILE
//! --json`: placeholders (`{id}`, `<ID>`, `#`, `NNNNNN`), a bare final dot (`_pk_ses.`), a
//! parenthetical after the name, and product names in the name column that are no cookies.

mod common;

use common::check_charter as check;

const DAY: u64 = 86_400;
const MONTH: u64 = 30 * DAY;
const YEAR: u64 = 365 * DAY;

#[test]
fn placeholders_dots_parentheticals_and_product_names() {
    check(
        "names-forms.html",
        "https://www.city-example.eu",
        &[
            ("_ga_{id}", "prefix", "statistics", Some(2 * YEAR)),
            ("SSESS<ID>", "prefix", "statistics", Some(23 * DAY)),
            ("_pk_id#", "prefix", "statistics", Some(13 * MONTH)),
            ("_hjSessionUser_NNNNNN", "prefix", "statistics", Some(YEAR)),
            ("_pk_ses.", "prefix", "statistics", Some(1800)),
            ("sid", "exact", "statistics", Some(0)),
            // "Google Analytics" and "Imperva Incapsula" are products, not cookies.
            ("AMCV_###@AdobeOrg", "pattern", "statistics", Some(2 * YEAR)),
        ],
    );
}

#[test]
fn vendor_names_in_the_name_column_are_no_cookies() {
    // "Matomo", "Hotjar", "YouTube", "Cloudflare", "Sucuri", "Akamai" stand in the name
    // column for their products; the cookies beside them, in capitals or in lower case, stay.
    check(
        "names-vendors.html",
        "https://www.agglo-exemple.fr",
        &[
            ("_pk_id.*", "prefix", "statistics", Some(13 * MONTH)),
            ("_hjSessionUser_*", "prefix", "statistics", Some(YEAR)),
            ("VISITOR_INFO1_LIVE", "exact", "marketing", Some(6 * MONTH)),
            ("__cf_bm", "exact", "marketing", Some(1800)),
            ("NID", "exact", "marketing", Some(6 * MONTH)),
            ("AWSALB", "exact", "marketing", Some(7 * DAY)),
            ("tarteaucitron", "exact", "marketing", Some(365 * DAY)),
        ],
    );
}
