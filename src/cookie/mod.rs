//! Cookie vocabulary shared by both engines: Set-Cookie lines and the dates in them.

pub mod date;
