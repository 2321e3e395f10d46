//! Progress reporting: what a build tells a progress bar (or any other
//! receiver) about its stages. At the bottom, so a stage can report without
//! importing the build that runs it.

use serde::Serialize;

/// The stages a [`Progress`] hears about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Reading the account and its media from the API (length unknown).
    Fetch,
    /// Downloading and resizing images (length: the number of images).
    Media,
    /// Rendering and publishing.
    Publish,
}

/// Receives progress from a build, per feed; every method has a do-nothing default.
pub trait Progress: Send + Sync {
    /// A stage of `feed` starts; `total` is its number of steps, if known.
    fn start(&self, _feed: &str, _stage: Stage, _total: Option<usize>) {}
    /// One step of the current stage of `feed` is done.
    fn step(&self, _feed: &str, _stage: Stage) {}
    /// A stage of `feed` is over.
    fn finish(&self, _feed: &str, _stage: Stage) {}
}
