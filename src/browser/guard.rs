//! The address rule of [`crate::crawl::guard`] in the browser: every request a tab makes
//! (navigation, redirect hop, sub-resource, frame, fetch) is paused by the Fetch domain, its
//! host checked (an address literal at once, a name after resolving it as the system does),
//! and it goes on or fails as blocked by the client. Refusals go to the target's log.

use std::collections::HashMap;
use std::net::SocketAddr;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EnableParams, EventRequestPaused, FailRequestParams,
};
use chromiumoxide::cdp::browser_protocol::network::ErrorReason;
use futures_util::StreamExt;
use url::{Host, Url};

use super::BrowserError;
use crate::crawl::guard::{AddressPolicy, Refused, TargetGuard};

/// Starts checking every request of `page` against `guard`'s rule, until the tab closes.
pub(super) async fn intercept(page: &Page, guard: TargetGuard) -> Result<(), BrowserError> {
    let mut paused = page.event_listener::<EventRequestPaused>().await?;
    page.execute(EnableParams::default()).await?;
    let page = page.clone();
    tokio::spawn(async move {
        // Per tab: a page asks for the same few hosts many times.
        let mut verdicts: HashMap<String, Result<(), Refused>> = HashMap::new();
        while let Some(event) = paused.next().await {
            let url = event.request.url.clone();
            let verdict = verdict(&guard.policy, &url, &mut verdicts).await;
            let id = event.request_id.clone();
            let answered = match verdict {
                Ok(()) => page.execute(ContinueRequestParams::new(id)).await.map(drop),
                Err(refused) => {
                    guard.refused.record(&url, refused.to_string());
                    page.execute(FailRequestParams::new(id, ErrorReason::BlockedByClient))
                        .await
                        .map(drop)
                }
            };
            // The tab closed or the browser is gone: nothing is left to answer.
            if answered.is_err() && page.url().await.is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// Whether `url` may be requested; names are resolved once per tab.
async fn verdict(
    policy: &AddressPolicy,
    url: &str,
    verdicts: &mut HashMap<String, Result<(), Refused>>,
) -> Result<(), Refused> {
    let Ok(parsed) = Url::parse(url) else {
        return Ok(());
    };
    policy.check_url(&parsed)?;
    let Some(Host::Domain(name)) = parsed.host() else {
        return Ok(());
    };
    if policy.vouched(name) {
        return Ok(());
    }
    if let Some(known) = verdicts.get(name) {
        return known.clone();
    }
    let port = parsed.port_or_known_default().unwrap_or(80);
    // A name that does not resolve fails in the browser as it would anyway.
    let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((name, port)).await {
        Ok(addrs) => addrs.collect(),
        Err(_) => Vec::new(),
    };
    let found = policy.filter(name, addrs).map(drop);
    verdicts.insert(name.to_string(), found.clone());
    found
}
