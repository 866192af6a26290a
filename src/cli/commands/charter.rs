//! `cookie-audit charter FILE|URL`: one charter read and shown, as the audit reads it.

use std::path::PathBuf;

use url::Url;

use super::runtime;
use crate::charter::discover::{DocumentSource, read_configured, read_file};
use crate::cli::args::CharterArgs;
use crate::cli::exit::{EXIT_ALL_FAILED, EXIT_FINDINGS, EXIT_OK, Failure, Outcome};
use crate::cli::output::say;
use crate::config::{CharterSource, CrawlSettings, Target};
use crate::crawl::{Crawler, Document, Session};
use crate::report::render::text::{charter_table, printable};
use crate::types::{Charter, CharterStatus, Jurisdiction, Politeness};

/// Reads one charter (a file, or a URL fetched without robots.txt) and shows what it declares.
pub(crate) fn run(args: CharterArgs) -> Outcome {
    let source = match Url::parse(&args.source) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => CharterSource::Url(url),
        _ => CharterSource::File(PathBuf::from(&args.source)),
    };
    let settings = CrawlSettings {
        timeout_secs: args.timeout,
        delay_ms: 0,
        ..CrawlSettings::default()
    };
    let charter = match &source {
        CharterSource::File(path) => read_file(path, settings.max_body_bytes),
        CharterSource::Url(url) => {
            let runtime = runtime(tokio::runtime::Builder::new_current_thread())?;
            // The user named this URL: robots.txt is not asked.
            let crawler = Crawler::new(&args.resolve, 4, false, Politeness::default())
                .map_err(Failure::usage)?;
            let target = Target {
                name: "charter".to_string(),
                url: url.clone(),
                charter: None,
                start: Vec::new(),
                jurisdiction: Jurisdiction::Eu,
                settings,
            };
            let session = crawler.session(&target);
            runtime.block_on(read_configured(
                &source,
                &Quiet(&session),
                target.settings.max_body_bytes,
            ))
        }
    };
    if args.json {
        let json = serde_json::to_string_pretty(&charter).map_err(Failure::unwritten)?;
        println!("{json}");
    } else {
        print!("{}", charter_table(&charter));
    }
    Ok(match charter.status {
        CharterStatus::Parsed => EXIT_OK,
        CharterStatus::Unparsed => {
            say!("{}", explain_charter(&charter));
            EXIT_FINDINGS
        }
        CharterStatus::Unreachable | CharterStatus::NotFound | CharterStatus::NotRead => {
            say!("{}", explain_charter(&charter));
            EXIT_ALL_FAILED
        }
    })
}

/// A session as a document source that keeps no cookies: `charter` only reads.
struct Quiet<'a>(&'a Session<'a>);

impl DocumentSource for Quiet<'_> {
    fn fetch(&self, url: &Url) -> impl std::future::Future<Output = Document> + Send {
        self.0.fetch_document(url, |_| {})
    }
}

fn explain_charter(charter: &Charter) -> String {
    format!(
        "error: no declared cookie could be read from {}: {}",
        printable(charter.source.as_deref().unwrap_or("the charter")),
        printable(charter.error.as_deref().unwrap_or("unknown reason"))
    )
}
