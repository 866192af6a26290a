//! A report for people: the HTML page, and the text a terminal shows.

pub mod html;
pub(crate) mod text;
