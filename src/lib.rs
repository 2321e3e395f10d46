//! feedgen turns an Instagram account into fast, private, static feed fragments.
//!
//! # Concepts
//!
//! A config holds one or more feeds ([`config`]); a build runs four stages per
//! feed that pass plain data, wired together in [`app`]:
//!
//! 1. **source** — [`source::InstagramClient`] reads `/me` and `/me/media` from the
//!    graph host (or, with Facebook Login, the Instagram business account a
//!    Page is connected to, [`source::facebook`]) and returns a [`model::Feed`]
//!    holding the posts [`select`] wants; the API's JSON never leaves
//!    [`source`]. [`source::Snapshot`] records each fetched feed with its original
//!    images, so `--offline` builds (and the example site) need no network.
//! 2. **media** — [`media`] downloads every original once (keyed by asset id, as
//!    CDN URLs expire), then resizes it into responsive variants with
//!    content-addressed names (blake3 of the bytes). [`manifest::Manifest`] remembers
//!    which variants exist so a rebuild decodes nothing it already has.
//! 3. **render** — [`render`] builds one view per post and renders the askama HTML
//!    fragment, an optional standalone page and the versioned JSON data file.
//! 4. **output** — [`output`] is the one door to disk: atomic writes, unchanged
//!    files left alone, unreferenced media pruned last.
//!
//! The token is a [`Token`], which never prints itself; see [`secret`].
//!
//! ```no_run
//! let config = feedgen::Config::load(std::path::Path::new("feedgen.toml"))?;
//! for feed in feedgen::build(&config)?.feeds {
//!     match feed.result {
//!         Ok(report) => println!("{}: {} posts published", feed.name, report.posts),
//!         Err(e) => eprintln!("{}: {e}", feed.name),
//!     }
//! }
//! # Ok::<(), feedgen::Error>(())
//! ```
#![deny(missing_docs)]

pub mod app;
pub mod config;
pub mod embed;
pub mod error;
pub mod export;
pub mod http;
pub mod kinds;
pub mod lang;
pub mod manifest;
pub mod media;
pub mod model;
pub mod output;
pub mod privacy;
pub mod progress;
pub mod render;
pub mod retry;
pub mod secret;
pub mod select;
pub mod source;
pub mod text;
pub mod theme;
pub mod token;
pub mod watch;

pub use app::{
    BuildOptions, BuildReport, FeedOrigin, FeedRun, Progress, RunReport, Stage, TokenReport, build,
    build_async, build_with,
};
pub use config::{Config, EnvOverrides, FeedConfig, Overrides};
pub use error::{Error, Result};
pub use secret::Token;
