//! Cookie vocabulary shared by both engines and the observations: `Set-Cookie` lines, the
//! dates in them, and the sightings a crawl hands on.

pub mod choice;
pub mod date;
mod prefix;
mod set_cookie;
mod sighting;

pub use prefix::prefix_violation;
pub use set_cookie::{CookieVia, RAW_HEADER_KEEP, SetCookie, parse_set_cookie, value_bytes};
pub use sighting::{CookieEvent, Sighting, StorageEvent, cookie_sightings};
