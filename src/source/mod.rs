//! Where a feed comes from: the graph API (Instagram Login on graph.instagram.com,
//! or Facebook Login on graph.facebook.com), Instagram's data export
//! ([`crate::export`], for personal accounts), or a recorded snapshot.
//!
//! The API's JSON never leaves this module: [`instagram`] turns it into
//! [`crate::model::Feed`], and [`snapshot`] stores that model (plus the
//! downloaded originals) so later builds can run offline.

pub mod facebook;
pub mod instagram;
pub mod oauth;
pub mod snapshot;
mod wire;

pub use instagram::{Fetched, InstagramClient};
pub use snapshot::Snapshot;
