//! Layout reader for HTML charter pages.
//!
//! A charter page is mostly chrome: a header with menus, a consent banner, a footer that may
//! itself be a layout table. The reader picks the part of the page that holds the charter (a
//! `main` or `article` with a table or list in it, else the whole body), then walks it once, in
//! document order, without recursion (pages nest thousands of levels deep and weigh megabytes),
//! collecting tables, list items and the heading above each. Text that is neither table nor list
//! is rendered as plain text and handed to the text reader, which finds Markdown or
//! tab-separated tables that a CMS left unrendered in `<pre>` or `<p>`.

mod builder;
mod rendering;
mod table;
mod walk;

use scraper::Html;

use super::layout::Layout;
use builder::Builder;
use walk::{reading_roots, walk};

/// The tables, list items and portal URL of an HTML charter page.
pub(crate) fn layout(html: &str) -> Layout {
    let document = Html::parse_document(html);
    let page = document.root_element();
    let mut builder = Builder::new();
    for root in reading_roots(page) {
        walk(root, &mut builder);
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::table::MAX_COLSPAN;
    use super::*;
    use crate::charter::layout::RawTable;

    const NECESSARY: &str =
        "Cookies nécessaires au bon fonctionnement de la plateforme / cookies fonctionnels";

    fn column(table: &RawTable, index: usize) -> Vec<&str> {
        table
            .rows
            .iter()
            .map(|row| row.get(index).map_or("", String::as_str))
            .collect()
    }

    fn items(layout: &Layout) -> Vec<&str> {
        layout.items.iter().map(|item| item.text.as_str()).collect()
    }

    fn headings(layout: &Layout) -> Vec<Option<&str>> {
        layout
            .tables
            .iter()
            .map(|table| table.heading.as_deref())
            .collect()
    }

    #[test]
    fn older_french_template_inside_portal_chrome() {
        let layout = layout(include_str!(
            "../../../tests/fixtures/charters/odsold-fr.html"
        ));
        assert_eq!(
            headings(&layout),
            [Some(NECESSARY), Some("Cookies de mesure d'audience")],
            "the footer's layout table and the script's markup are not tables: {:#?}",
            layout.tables
        );
        let necessary = &layout.tables[0];
        assert_eq!(
            necessary.rows[0],
            [
                "Nom du prestataire",
                "Service et emplacement",
                "Nom du cookies",
                "Finalités"
            ]
        );
        assert_eq!(
            column(necessary, 2),
            [
                "Nom du cookies",
                "sessionid",
                "django_language",
                "csrftoken",
                "cookies_preferences"
            ]
        );
        assert_eq!(
            necessary.rows[1][1],
            "Authentification\n(front et back office)"
        );
        assert_eq!(
            necessary.rows[2][1],
            "Sélection de la langue\n(front et back office)"
        );
        assert_eq!(
            necessary.rows[3][3],
            "Récupérer des données via des appels API"
        );
        assert_eq!(necessary.rows[4][0], "Opendatasoft");
        let audience = &layout.tables[1];
        assert_eq!(audience.rows[0][4], "Durée de conservation");
        assert_eq!(column(audience, 2)[1..], ["_pk_id.*", "_pk_ses.*"]);
        assert_eq!(column(audience, 4)[1..], ["13 mois", "30 minutes"]);
        assert_eq!(audience.rows[1][0], "Matomo\n(Lormeau Agglo)");
        assert_eq!(
            items(&layout),
            ["Firefox : aide de Firefox", "Chrome : aide de Chrome"],
            "menu, banner and footer lists are chrome"
        );
        assert_eq!(
            layout.items[0].heading.as_deref(),
            Some("Gérer vos préférences")
        );
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://data.lormeau-agglo.fr")
        );
    }

    #[test]
    fn older_english_template_without_main_or_th() {
        let layout = layout(include_str!(
            "../../../tests/fixtures/charters/odsold-en.html"
        ));
        assert_eq!(
            headings(&layout),
            [
                Some("Strictly necessary cookies"),
                Some("Analytics cookies")
            ],
            "banner and footer tables are chrome: {:#?}",
            layout.tables
        );
        let necessary = &layout.tables[0];
        assert_eq!(
            necessary.rows[0],
            ["Provider", "Service and location", "Cookie name", "Purpose"]
        );
        assert_eq!(necessary.rows.len(), 5, "the row of blank cells is dropped");
        assert_eq!(
            column(&layout.tables[1], 2),
            ["Cookie name", "_ga, _gid", "_ga_*"]
        );
        assert!(
            layout.items.is_empty(),
            "header and aside lists are chrome: {:#?}",
            layout.items
        );
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.kestrelford.uk"),
            "the noscript URL is not visible text; the sentence's '?' is not the URL's"
        );
    }

    #[test]
    fn newer_default_template_one_table_per_category() {
        let layout = layout(include_str!(
            "../../../tests/fixtures/charters/odsnew-default.html"
        ));
        assert_eq!(
            headings(&layout),
            [Some("Strictly necessary"), Some("Statistics")]
        );
        let necessary = &layout.tables[0];
        assert_eq!(
            necessary.rows[0],
            ["Supplier name", "Cookie name", "Duration", "Function"]
        );
        assert_eq!(
            column(necessary, 1)[1..],
            ["sessionid", "csrftoken", "cookies_preferences"]
        );
        assert_eq!(
            column(necessary, 2)[1..],
            ["2 weeks by default", "12 months", "6 months"]
        );
        let statistics = &layout.tables[1];
        assert_eq!(column(statistics, 1)[1..], ["_ga", "_ga_<container-id>"]);
        assert_eq!(statistics.rows[1][2], "Up to 12 months");
        assert!(
            layout.items.is_empty(),
            "the banner's category list is chrome: {:#?}",
            layout.items
        );
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://data.vallee-orbiere.fr")
        );
    }

    #[test]
    fn list_items_with_code_nested_lists_and_definitions() {
        let layout = layout(include_str!("../../../tests/fixtures/charters/list.html"));
        assert!(layout.tables.is_empty());
        assert_eq!(
            items(&layout),
            [
                "quelles informations sont déposées sur votre appareil ;",
                "pendant combien de temps elles sont conservées ;",
                "comment retirer votre consentement.",
                "`sessionid` : maintient votre session de connexion (session)",
                "`csrftoken` : protège les formulaires contre la falsification de requêtes, 12 mois",
                "`cookies_preferences` : mémorise vos choix de consentement, 6 mois",
                "`_ga`: distinguishes users, 13 months",
                "`_gid`: 24 hours",
                "Matomo",
                "_pk_id.* – Matomo visitor id (13 mois)",
                "_pk_ses.* – Matomo, visite en cours (30 minutes)",
                "`_gat`: limite le nombre de requêtes envoyées à Google Analytics, 1 minute",
            ]
        );
        let item_headings: Vec<_> = layout
            .items
            .iter()
            .map(|item| item.heading.as_deref())
            .collect();
        assert_eq!(item_headings[0], Some("Pourquoi cette page ?"));
        assert_eq!(item_headings[3], Some("Cookies nécessaires"));
        assert!(
            item_headings[6..]
                .iter()
                .all(|h| *h == Some("Statistiques"))
        );
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.pays-de-marval.fr")
        );
    }

    #[test]
    fn dutch_charter() {
        let layout = layout(include_str!("../../../tests/fixtures/charters/nl.html"));
        assert_eq!(
            headings(&layout),
            [Some("Noodzakelijke cookies"), Some("Analytische cookies")]
        );
        assert_eq!(
            layout.tables[0].rows[0],
            ["Naam", "Aanbieder", "Doel", "Bewaartermijn"]
        );
        assert_eq!(
            column(&layout.tables[0], 3)[1..],
            ["2 weken", "1 jaar", "1 jaar", "6 maanden"]
        );
        assert_eq!(
            column(&layout.tables[1], 3)[1..],
            ["13 maanden", "30 minuten"]
        );
        assert_eq!(layout.tables[1].rows[1][1], "Matomo\n(gemeente Hoogveld)");
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.gemeente-hoogveld.nl")
        );
    }

    #[test]
    fn german_charter_with_a_caption_and_role_main() {
        let layout = layout(include_str!("../../../tests/fixtures/charters/de.html"));
        assert_eq!(
            headings(&layout),
            [Some("Notwendige Cookies"), Some("Statistik")],
            "the caption overrides the h2 above: {:#?}",
            layout.tables
        );
        assert_eq!(
            layout.tables[0].rows[0],
            ["Name", "Anbieter", "Zweck", "Speicherdauer"]
        );
        assert_eq!(layout.tables[0].rows[2][3], "1 Jahr");
        assert_eq!(column(&layout.tables[1], 0)[1..], ["_ga", "_gid"]);
        assert_eq!(layout.tables[1].rows[2][3], "24 Stunden");
        assert!(layout.items.is_empty(), "{:#?}", layout.items);
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://daten.stadt-lindenau.de")
        );
    }

    #[test]
    fn prose_only_charter() {
        let layout = layout(include_str!(
            "../../../tests/fixtures/charters/no-table.html"
        ));
        assert!(layout.tables.is_empty(), "{:#?}", layout.tables);
        assert!(layout.items.is_empty(), "{:#?}", layout.items);
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://data.cote-des-brumes.fr")
        );
    }

    #[test]
    fn unrendered_tables_in_pre_and_p() {
        let layout = layout(include_str!(
            "../../../tests/fixtures/charters/pre-pipe.html"
        ));
        assert_eq!(
            headings(&layout),
            [Some("Cookies fonctionnels"), Some("Mesure d'audience")]
        );
        let pipe = &layout.tables[0];
        assert_eq!(
            pipe.rows[0],
            ["Nom du prestataire", "Nom du cookie", "Finalité", "Durée"]
        );
        assert_eq!(
            column(pipe, 1)[1..],
            ["sessionid", "csrftoken", "cookies_preferences"]
        );
        assert_eq!(pipe.rows[2][3], "1 an");
        let tabs = &layout.tables[1];
        assert_eq!(column(tabs, 1)[1..], ["_pk_id.*", "_pk_ses.*"]);
        assert_eq!(tabs.rows[2][3], "30 minutes");
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://opendata.saint-avrel.fr")
        );
    }

    #[test]
    fn latin1_page_decoded_or_not() {
        let bytes = include_bytes!("../../../tests/fixtures/charters/latin1.html");
        assert!(
            bytes.windows(5).any(|w| w == b"Dur\xe9e") && !bytes.contains(&0xc3),
            "the fixture must really be ISO-8859-1"
        );
        let decoded: String = bytes.iter().map(|&b| char::from(b)).collect();
        let layout = layout(&decoded);
        assert_eq!(headings(&layout), [Some("Cookies nécessaires")]);
        assert_eq!(
            layout.tables[0].rows[0],
            ["Nom du cookie", "Finalité", "Durée de conservation"]
        );
        assert_eq!(
            column(&layout.tables[0], 0)[1..],
            ["sessionid", "csrftoken", "cookies_preferences"]
        );

        let lossy = super::layout(&String::from_utf8_lossy(bytes));
        assert_eq!(lossy.tables.len(), 1);
        assert_eq!(lossy.tables[0].rows[3][0], "cookies_preferences");
        assert_eq!(
            lossy.portal_url.as_deref(),
            Some("https://data.montclair-sur-loue.fr")
        );
    }

    #[test]
    fn chrome_is_ignored_without_a_main() {
        let html = r#"<body>
            <header><h1>Portail</h1><table><tr><td>menu</td></tr></table></header>
            <nav><ul><li>Accueil</li></ul></nav>
            <div class="wrapper"><div class="Cookie-Consent-Modal"><div><table><tr><td>banner</td></tr></table></div></div></div>
            <div id="tarteaucitronRoot"><ul><li>Google Analytics</li></ul></div>
            <aside><ul><li>Voir aussi</li></ul></aside>
            <h2>Cookies</h2>
            <table><tr><td>sessionid</td></tr></table>
            <script>document.write("<table><tr><td>x</td></tr></table>")</script>
            <style>td { color: red }</style>
            <template><table><tr><td>tpl</td></tr></table></template>
            <svg><text>https://svg.example.org</text></svg>
            <footer><table><tr><td>Mentions</td></tr></table></footer>
            </body>"#;
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1, "{:#?}", layout.tables);
        assert_eq!(layout.tables[0].rows, [["sessionid"]]);
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Cookies"));
        assert!(layout.items.is_empty(), "{:#?}", layout.items);
        assert_eq!(layout.portal_url, None);
    }

    #[test]
    fn a_header_inside_an_article_is_content() {
        let html = "<header><h1>Site</h1></header><article><header><h1>Charte cookies</h1></header>\
                    <table><tr><td>sessionid</td></tr></table></article>";
        let layout = layout(html);
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Charte cookies"));
    }

    #[test]
    fn only_the_main_is_read_when_it_holds_a_table() {
        let html = "<div><h2>Ailleurs</h2><ul><li>hors main</li></ul>\
                    <table><tr><td>hors main</td></tr></table></div>\
                    <main><p>Portail https://data.example.org</p><ul><li>_ga</li></ul></main>";
        let layout = layout(html);
        assert!(layout.tables.is_empty(), "{:#?}", layout.tables);
        assert_eq!(items(&layout), ["_ga"]);
        assert_eq!(layout.items[0].heading, None);
    }

    #[test]
    fn a_main_without_table_or_list_does_not_narrow_the_reading() {
        let html = "<main><p>Rien</p></main><div><h2>Cookies</h2><table><tr><td>_ga</td></tr></table></div>";
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1);
    }

    #[test]
    fn the_heading_is_the_nearest_one_before() {
        let html = "<table><tr><td>a</td></tr></table><h2>Un</h2><div><div><h3>Deux</h3></div></div>\
                    <table><tr><td>b</td></tr></table><h2>Trois</h2>";
        let layout = layout(html);
        assert_eq!(headings(&layout), [None, Some("Deux")]);
    }

    #[test]
    fn nested_tables_are_text_of_the_outer_cell() {
        let html = "<table><tr><td>Opendatasoft</td><td>sessionid<table><tr><td>Durée</td><td>Session</td></tr>\
                    <tr><td>Domaine</td><td>data.example.org</td></tr></table></td></tr></table>";
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1);
        assert_eq!(
            layout.tables[0].rows,
            [[
                "Opendatasoft",
                "sessionid\nDurée Session\nDomaine data.example.org"
            ]]
        );
    }

    #[test]
    fn cell_text_blocks_breaks_and_whitespace() {
        let html = "<table><tr><td>\n  <p>_ga</p><p>  _gid </p>\n</td><td>Google<br><br>  Analytics</td>\
                    <td>13&nbsp;mois\n  maximum</td><td><ul><li>a</li><li>b</li></ul></td></tr></table>";
        let layout = layout(html);
        assert_eq!(
            layout.tables[0].rows,
            [["_ga\n_gid", "Google\nAnalytics", "13 mois maximum", "a\nb"]]
        );
        assert!(layout.items.is_empty(), "list items in cells are cell text");
    }

    #[test]
    fn spanning_cells_are_expanded_into_a_grid() {
        let html = r#"<table>
            <tr><th>Fournisseur</th><th>Nom</th><th colspan="2">Durée et finalité</th></tr>
            <tr><td rowspan="3">Opendatasoft</td><td>sessionid</td><td>Session</td><td rowspan="2">Fonctionnement</td></tr>
            <tr><td>csrftoken</td><td>1 an</td></tr>
            <tr><td>django_language</td></tr>
            <tr><td>Matomo</td><td>_pk_id.*</td><td>13 mois</td><td>Audience</td></tr>
            </table>"#;
        let layout = layout(html);
        assert_eq!(
            layout.tables[0].rows,
            vec![
                vec![
                    "Fournisseur",
                    "Nom",
                    "Durée et finalité",
                    "Durée et finalité"
                ],
                vec!["Opendatasoft", "sessionid", "Session", "Fonctionnement"],
                vec!["Opendatasoft", "csrftoken", "1 an", "Fonctionnement"],
                vec!["Opendatasoft", "django_language"],
                vec!["Matomo", "_pk_id.*", "13 mois", "Audience"],
            ]
        );
    }

    #[test]
    fn absurd_spans_are_clamped() {
        let html =
            r#"<table><tr><td colspan="100000" rowspan="0">x</td></tr><tr><td>y</td></tr></table>"#;
        let layout = layout(html);
        assert_eq!(layout.tables[0].rows[0].len(), MAX_COLSPAN);
        assert_eq!(layout.tables[0].rows[1].len(), MAX_COLSPAN + 1);
        assert_eq!(layout.tables[0].rows[1][MAX_COLSPAN], "y");
    }

    #[test]
    fn ragged_rows_stay_ragged() {
        let html = "<table><tr><th>Nom</th><th>Durée</th><th>Finalité</th></tr>\
                    <tr><td>_ga</td></tr><tr><td>_gid</td><td>24 h</td><td>Stats</td><td>extra</td></tr>\
                    <tr><td></td><td> </td></tr></table>";
        let layout = layout(html);
        assert_eq!(
            layout.tables[0].rows,
            vec![
                vec!["Nom", "Durée", "Finalité"],
                vec!["_ga"],
                vec!["_gid", "24 h", "Stats", "extra"],
            ]
        );
    }

    #[test]
    fn items_order_nesting_and_definitions() {
        let html = "<h2>Statistiques</h2><ul><li>Google <strong>Analytics</strong><ol><li><code>_ga</code>: 13 mois</li>\
                    <li><code> </code>vide</li></ol> suite</li><li><ul><li>seul</li></ul></li></ul>\
                    <dl><dt>_gat</dt><dd>1 minute</dd><dd>limite les requêtes</dd><dt>_gcl_au</dt><dt>_fbp</dt><dd>3 mois</dd></dl>\
                    <dd>orphelin</dd>";
        let layout = layout(html);
        assert_eq!(
            items(&layout),
            [
                "Google Analytics suite",
                "`_ga`: 13 mois",
                "vide",
                "seul",
                "_gat: 1 minute",
                "_gat: limite les requêtes",
                "_gcl_au",
                "_fbp: 3 mois",
                "orphelin",
            ]
        );
        assert!(
            layout
                .items
                .iter()
                .all(|item| item.heading.as_deref() == Some("Statistiques"))
        );
    }

    #[test]
    fn fallback_does_not_duplicate_items_or_tables() {
        let html = "<h2>Cookies</h2><ul><li>- a\tb</li><li>| c | d |</li></ul>\
                    <table><tr><td>e\tf</td><td>| g | h |</td></tr></table>";
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1, "{:#?}", layout.tables);
        assert_eq!(layout.items.len(), 2);
    }

    #[test]
    fn pipe_table_in_a_paragraph_with_source_line_breaks() {
        let html = "<h3>Cookies</h3>\n<p>| Nom | Durée |\n|---|---|\n| _ga | 13 mois |</p>";
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1);
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Cookies"));
        assert_eq!(
            layout.tables[0].rows,
            [["Nom", "Durée"], ["_ga", "13 mois"]]
        );
    }

    #[test]
    fn indentation_tabs_in_the_source_are_not_cells() {
        let html = "<div>\n\t\t<p>\n\t\t\tUn paragraphe indenté\n\t\t</p>\n\t</div>";
        assert!(layout(html).tables.is_empty());
    }

    #[test]
    fn the_portal_url_is_visible_text_outside_tables() {
        let html = "<p><a href=\"https://href.example.org\">notre portail</a></p>\
                    <table><tr><td>https://policies.google.com</td></tr></table>\
                    <p>Portail : <b>https://data.example.org</b>.</p>";
        assert_eq!(
            layout(html).portal_url.as_deref(),
            Some("https://data.example.org")
        );
    }

    #[test]
    fn empty_and_garbage_inputs() {
        assert_eq!(layout(""), Layout::default());
        assert_eq!(layout("<html></html>"), Layout::default());
        let mut state: u32 = 0x9e37_79b9;
        let bytes: Vec<u8> = (0..100_000)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                match i % 7 {
                    0 => b'<',
                    3 => b"tdrlipb/>|\t"[(state % 11) as usize],
                    _ => state.to_le_bytes()[1],
                }
            })
            .collect();
        let layout = layout(&String::from_utf8_lossy(&bytes));
        assert!(layout.tables.iter().all(|table| !table.rows.is_empty()));
    }

    #[test]
    fn unclosed_tags() {
        let html =
            "<main><h2>Cookies<table><tr><td>_ga<td>13 mois<tr><td>_gid<ul><li>24 h<li><code>x";
        let layout = layout(html);
        assert_eq!(layout.tables.len(), 1);
        assert_eq!(layout.tables[0].rows[0], ["_ga", "13 mois"]);
        assert_eq!(layout.tables[0].rows[1][0], "_gid\n24 h\nx");
    }

    #[test]
    fn deeply_nested_elements() {
        let depth = 10_000;
        let html = format!(
            "{}<h2>Cookies</h2><table><tr><td>_ga</td></tr></table><ul><li>x{}</li></ul>{}",
            "<div>".repeat(depth),
            "<ul><li>y".repeat(depth / 10),
            "</div>".repeat(depth)
        );
        let layout = layout(&html);
        assert_eq!(layout.tables.len(), 1);
        assert_eq!(layout.tables[0].heading.as_deref(), Some("Cookies"));
        assert_eq!(layout.items.len(), 1 + depth / 10);
    }

    #[test]
    fn a_large_page_is_read() {
        let row = "<tr><td>Opendatasoft</td><td>sessionid</td><td>Session<br>et plus</td></tr>\n";
        let paragraph =
            "<p>Les cookies https://data.example.org servent à mesurer l'audience.</p>\n";
        let mut html = String::from("<html><body><h2>Cookies</h2><table>");
        while html.len() < 5 << 20 {
            html.push_str(row);
        }
        html.push_str("</table>");
        html.push_str(&paragraph.repeat(5_000));
        let layout = layout(&html);
        assert_eq!(layout.tables.len(), 1);
        assert!(layout.tables[0].rows.len() > 50_000);
        assert_eq!(
            layout.portal_url.as_deref(),
            Some("https://data.example.org")
        );
    }
}
