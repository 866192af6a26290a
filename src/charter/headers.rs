//! What a charter's header cells and labels name ("Nom du cookie", "Durée de conservation",
//! "Speicherdauer", "Caducidad"): the field of a table column or of a "Label: value" line, in
//! every language charters are written in.

use super::category::words_of;
use crate::text::fold;

/// What a column of a charter table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Name,
    Provider,
    Service,
    Purpose,
    Duration,
    Category,
    Domain,
}

/// The header words of one field: stems found anywhere in a word (so that German compounds
/// such as "Speicherdauer" count) and short words that must stand alone ("nom", "ort").
struct Vocabulary {
    field: Field,
    stems: &'static [&'static str],
    words: &'static [&'static str],
}

pub(crate) const PROVIDER_STEMS: &[&str] = &[
    "prestataire",
    "fournisseur",
    "provider",
    "supplier",
    "editeur",
    "emetteur",
    "vendor",
    "aanbieder",
    "leverancier",
    "dienstverlener",
    "anbieter",
    "proveedor",
    "fornitore",
    "fornecedor",
    "proveidor",
];

/// Header vocabularies in the order they are tried: a header naming a provider is the provider
/// column even if it says "name", a location makes a service column even beside "function",
/// and a purpose beats "service" ("Service description").
const VOCABULARIES: &[Vocabulary] = &[
    Vocabulary {
        field: Field::Provider,
        stems: PROVIDER_STEMS,
        words: &[],
    },
    Vocabulary {
        field: Field::Service,
        stems: &["location", "emplacement", "locatie", "standort"],
        // OneTrust's "Cookies used" column says "First Party" or "Third Party".
        words: &["ort", "orte", "used", "utilises", "gebruikte", "verwendete"],
    },
    Vocabulary {
        field: Field::Purpose,
        stems: &[
            "function",
            "fonction",
            "funktion",
            "finalite",
            "purpose",
            "doel",
            "zweck",
            "description",
            "beschrijving",
            "omschrijving",
            "beschreibung",
            "usage",
            "utilisation",
            "objectif",
            "gebruik",
            "verwendung",
            "finalidad",
            "finalita",
            "finalitat",
            "proposito",
            "scopo",
            "descripcion",
            "descrizione",
            "descricao",
        ],
        words: &["role", "roles"],
    },
    Vocabulary {
        field: Field::Service,
        stems: &["service", "dienst"],
        words: &[],
    },
    Vocabulary {
        field: Field::Duration,
        stems: &[
            "duree",
            "duration",
            "expir",
            "retention",
            "lifetime",
            "lifespan",
            "conservation",
            "looptijd",
            "bewaartermijn",
            "bewaartijd",
            "geldigheid",
            "dauer",
            "laufzeit",
            "ablauf",
            "validite",
            // Spanish, Italian, Portuguese, Catalan.
            "duracion",
            "durata",
            "duracao",
            "durada",
            "caducidad",
            "scadenza",
            "validez",
            "validita",
            "validade",
            "conservaci",
            "conservazion",
            "conservacao",
        ],
        words: &[],
    },
    Vocabulary {
        field: Field::Category,
        stems: &["categor", "kategorie", "type", "soort"],
        words: &["typ"],
    },
    Vocabulary {
        field: Field::Domain,
        // OneTrust's "Cookie Subgroup" column holds a host, never a cookie name.
        stems: &["domain", "domein", "domane", "host", "subgroup"],
        words: &["hote", "sous"],
    },
    Vocabulary {
        field: Field::Name,
        stems: &["cookie", "name", "naam", "bezeichnung"],
        // Spanish, Italian, Portuguese and Catalan portals: "Nombre", "Nome", "Nom".
        words: &["nom", "noms", "nombre", "nombres", "nome", "nomi"],
    },
];

/// Header cells are short; a longer cell is a sentence of a data row.
const MAX_HEADER_WORDS: usize = 6;

/// Whether a label ("Nom du cookie", "Name") names the cookie's name, as a header would.
pub(crate) fn labels_name(label: &str) -> bool {
    field_of(label) == Some(Field::Name)
}

/// Whether a label ("Durée de conservation", "Expires") names a duration, as a header would.
pub(crate) fn labels_duration(label: &str) -> bool {
    field_of(label) == Some(Field::Duration)
}

/// Whether a label ("Type") names the kind of storage, as Cookiebot's "Type" column does.
pub(crate) fn labels_kind(label: &str) -> bool {
    field_of(label) == Some(Field::Category)
}

/// Whether a label ("Domaine", "Host") names the domain a cookie is set on.
pub(crate) fn labels_domain(label: &str) -> bool {
    field_of(label) == Some(Field::Domain)
}

/// The field a header cell names, if any.
pub(crate) fn field_of(header: &str) -> Option<Field> {
    let folded = fold(header)
        .replace("(s)", "")
        .replace("(e)", "")
        .replace("(n)", "");
    let words = words_of(&folded);
    if words.is_empty() || words.len() > MAX_HEADER_WORDS {
        return None;
    }
    VOCABULARIES
        .iter()
        .find(|vocabulary| {
            words.iter().any(|word| {
                vocabulary.stems.iter().any(|stem| word.contains(stem))
                    || vocabulary.words.contains(&word.as_str())
            })
        })
        .map(|vocabulary| vocabulary.field)
}

/// Whether a type cell says the row is no cookie: "HTML Local Storage", "Pixel Tracker",
/// "IndexedDB" (Cookiebot's "Type" column), which a browser never sends as a cookie.
pub(crate) fn names_no_cookie(kind: &str) -> bool {
    let folded = fold(kind).replace(['-', '_'], " ");
    NOT_COOKIES.iter().any(|word| folded.contains(word))
}

/// What a type column says of storage that is not a cookie, folded.
const NOT_COOKIES: &[&str] = &[
    "local storage",
    "localstorage",
    "session storage",
    "sessionstorage",
    "indexeddb",
    "indexed db",
    "pixel",
    "stockage local",
    "web storage",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_cells_name_their_field() {
        use Field::*;
        let cases = [
            // French
            ("Nom du prestataire", Some(Provider)),
            ("Prestataire", Some(Provider)),
            ("Fournisseur", Some(Provider)),
            ("Éditeur", Some(Provider)),
            ("Service et emplacement", Some(Service)),
            ("Service", Some(Service)),
            ("Nom du cookies", Some(Name)),
            ("Nom du cookie", Some(Name)),
            ("Nom", Some(Name)),
            ("Cookie(s)", Some(Name)),
            ("Finalités", Some(Purpose)),
            ("Finalité", Some(Purpose)),
            ("Fonction", Some(Purpose)),
            ("Objectif", Some(Purpose)),
            ("Rôle", Some(Purpose)),
            ("Usage", Some(Purpose)),
            ("Durée", Some(Duration)),
            ("Durée de conservation", Some(Duration)),
            ("Validité", Some(Duration)),
            ("Catégorie", Some(Category)),
            ("Type", Some(Category)),
            ("Domaine", Some(Domain)),
            // English
            ("Provider", Some(Provider)),
            ("Service provider's name", Some(Provider)),
            ("Supplier name", Some(Provider)),
            ("Vendor", Some(Provider)),
            ("Service and location", Some(Service)),
            ("Function and location", Some(Service)),
            ("Cookie name", Some(Name)),
            ("Cookie name(s)", Some(Name)),
            ("Name", Some(Name)),
            ("Cookie", Some(Name)),
            ("Purpose", Some(Purpose)),
            ("Purposes", Some(Purpose)),
            ("Function", Some(Purpose)),
            ("Description", Some(Purpose)),
            ("Duration", Some(Duration)),
            ("Expiry", Some(Duration)),
            ("Expiration", Some(Duration)),
            ("Retention", Some(Duration)),
            ("Lifetime", Some(Duration)),
            ("Category", Some(Category)),
            ("Domain", Some(Domain)),
            ("Host", Some(Domain)),
            // Dutch
            ("Aanbieder", Some(Provider)),
            ("Leverancier", Some(Provider)),
            ("Dienst", Some(Service)),
            ("Locatie", Some(Service)),
            ("Naam", Some(Name)),
            ("Cookienaam", Some(Name)),
            ("Doel", Some(Purpose)),
            ("Beschrijving", Some(Purpose)),
            ("Looptijd", Some(Duration)),
            ("Bewaartermijn", Some(Duration)),
            ("Categorie", Some(Category)),
            ("Soort", Some(Category)),
            ("Domein", Some(Domain)),
            // German
            ("Anbieter", Some(Provider)),
            ("Ort", Some(Service)),
            ("Name", Some(Name)),
            ("Cookie-Name", Some(Name)),
            ("Zweck", Some(Purpose)),
            ("Beschreibung", Some(Purpose)),
            ("Speicherdauer", Some(Duration)),
            ("Laufzeit", Some(Duration)),
            ("Ablauf", Some(Duration)),
            ("Dauer", Some(Duration)),
            ("Kategorie", Some(Category)),
            ("Typ", Some(Category)),
            // Not headers
            ("Opendatasoft", None),
            ("sessionid", None),
            ("", None),
            (
                "Permet de se souvenir du choix opéré par le visiteur concernant les cookies",
                None,
            ),
        ];
        for (header, field) in cases {
            assert_eq!(field_of(header), field, "{header:?}");
        }
    }
}
