//! Charter parsing speed on a large page (a benchmark, not a test).
//!
//! `cargo bench --bench charter` builds a ~200 KB charter page: portal chrome, a consent banner,
//! prose, and one table per category with many rows (cells with `<br>`, links and `<code>`), then
//! times `charter::read_document` on it, and the same content as Markdown.

use std::time::Instant;

use cookie_audit::charter::read_document;

const TARGET_BYTES: usize = 200 * 1024;

fn main() {
    let html = html_charter();
    let markdown = markdown_charter();
    for (name, body, content_type) in [
        ("html", html.as_bytes(), "text/html; charset=utf-8"),
        ("markdown", markdown.as_bytes(), "text/markdown"),
    ] {
        let declared = read_document(body, Some(content_type), "bench")
            .map(|r| r.declared.len())
            .unwrap_or(0);
        assert!(declared > 100, "{name}: only {declared} declarations read");
        let rounds = 50;
        let started = Instant::now();
        for _ in 0..rounds {
            let reading = read_document(body, Some(content_type), "bench");
            std::hint::black_box(reading.map(|r| r.declared.len()).unwrap_or(0));
        }
        let per_page = started.elapsed().as_secs_f64() / f64::from(rounds);
        println!(
            "charter {name}: {:.2} ms per {} KB page ({declared} declarations)",
            per_page * 1000.0,
            body.len() / 1024
        );
    }
}

const SECTIONS: [&str; 4] = [
    "Cookies nécessaires au bon fonctionnement de la plateforme",
    "Cookies de mesure d'audience",
    "Cookies publicitaires",
    "Cookies de personnalisation (fonctionnels)",
];

fn html_charter() -> String {
    let mut page = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Charte cookies</title>\
         <style>body{font-family:sans-serif}</style><script>window.x=1</script></head><body>\
         <header><nav><a href=\"/\">Accueil</a><a href=\"/explore/\">Données</a></nav></header>\
         <div id=\"cookie-banner\"><p>Nous utilisons des cookies.</p><button>Accepter</button></div>\
         <main><h1>Charte cookies</h1>",
    );
    let mut row = 0;
    while page.len() < TARGET_BYTES {
        let section = SECTIONS[row % SECTIONS.len()];
        page.push_str(&format!(
            "<h2>{section}</h2><p>Les cookies de cette section servent à faire fonctionner \
             la plateforme et à en mesurer l'usage, conformément à la réglementation.</p><table>\
             <thead><tr><th>Nom du prestataire</th><th>Service et emplacement</th>\
             <th>Nom du cookie</th><th>Finalités</th><th>Durée de conservation</th></tr></thead><tbody>"
        ));
        for _ in 0..25 {
            page.push_str(&format!(
                "<tr><td><a href=\"https://provider{row}.test/\">Prestataire {row}</a></td>\
                 <td>Service {row}<br>front et back office</td><td><code>cookie_{row}</code>, \
                 <code>cookie_{row}_*</code></td><td>Se souvenir du choix n°{row} du visiteur \
                 d'une page à une autre.</td><td>{} mois</td></tr>",
                row % 13 + 1
            ));
            row += 1;
        }
        page.push_str("</tbody></table>");
    }
    page.push_str("</main><footer><a href=\"/legal\">Mentions légales</a></footer></body></html>");
    page
}

fn markdown_charter() -> String {
    let mut page =
        String::from("## Charte cookies\n\nAfin de vous proposer le meilleur service.\n\n");
    let mut row = 0;
    while page.len() < TARGET_BYTES {
        let section = SECTIONS[row % SECTIONS.len()];
        page.push_str(&format!(
            "#### {section}\n\nNom du prestataire\tService et emplacement\tNom du cookies\tFinalités\tDurée\n"
        ));
        for _ in 0..25 {
            page.push_str(&format!(
                "Prestataire {row}\tService {row} (front et back office)\tcookie_{row}\tSe souvenir du choix n°{row}\t{} mois\n\n",
                row % 13 + 1
            ));
            row += 1;
        }
    }
    page
}
