//! The recorded snapshot: the last fetched feed plus its original images.
//!
//! Layout of a snapshot folder:
//!
//! ```text
//! feed.json            versioned model (no CDN URLs: they expire within days)
//! originals/<hash>.jpg the downloaded source bytes, named by their blake3 hash
//! ```
//!
//! Every successful fetch rewrites it; `--offline` builds read it, and the
//! example site ships one. Writes are atomic, so a crash leaves the previous one.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::manifest::is_original_name;
use crate::model::Feed;
use crate::output::{ContentStore, Versioned, read_versioned, write_json};

/// Version of `feed.json`; bump it with a migration when the model changes shape.
pub const SNAPSHOT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct SnapshotFile {
    version: u32,
    saved_at: DateTime<Utc>,
    feed: Feed,
}

/// A snapshot folder.
#[derive(Debug, Clone)]
pub struct Snapshot {
    dir: PathBuf,
    /// The originals are a content store of their own, checked like the media store.
    originals: ContentStore,
}

impl Snapshot {
    /// The snapshot in `dir` (which need not exist yet).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Snapshot {
            originals: ContentStore::new(dir.join("originals")),
            dir,
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn feed_path(&self) -> PathBuf {
        self.dir.join("feed.json")
    }

    /// Path of an original by its file name.
    pub fn original_path(&self, file: &str) -> PathBuf {
        self.originals().path(file)
    }

    /// The recorded feed and when it was saved, or `None` if there is none yet.
    pub fn load(&self) -> Result<Option<(Feed, DateTime<Utc>)>, Error> {
        let damaged = |reason: String| Error::Snapshot {
            dir: self.dir.clone(),
            reason,
        };
        let file: SnapshotFile = match read_versioned(&self.feed_path(), SNAPSHOT_VERSION)? {
            Versioned::Missing => return Ok(None),
            Versioned::Current(file) => file,
            Versioned::Damaged(e) => {
                return Err(damaged(format!(
                    "feed.json is damaged ({e}); delete the folder and run an online build to record a new one"
                )));
            }
            Versioned::OtherVersion(v) => {
                return Err(damaged(format!(
                    "feed.json has version {v}, this feedgen reads version {SNAPSHOT_VERSION}; run an online build to record a new one"
                )));
            }
        };
        let mut feed = file.feed;
        feed.account.check().map_err(|e| {
            damaged(format!(
                "{e}; delete the folder and run an online build to record a new one"
            ))
        })?;
        let dropped = drop_untrusted(&mut feed);
        if !dropped.is_empty() {
            tracing::warn!(
                "the snapshot {} holds what feedgen never writes (a damaged or tampered cache): {}",
                self.dir.display(),
                dropped.join("; ")
            );
        }
        Ok(Some((feed, file.saved_at)))
    }

    /// Whether the original `file` is in this snapshot: an original's content
    /// name, and a regular file whose bytes hash to that name (not a symlink
    /// or a replaced file planted in a shared cache).
    pub fn has_original(&self, file: &str) -> bool {
        is_original_name(file) && self.originals().has(file)
    }

    /// Whether the video `file` is in this snapshot: a video's content name,
    /// and a regular file.
    pub fn has_video(&self, file: &str) -> bool {
        crate::model::is_video_name(file) && self.originals().has(file)
    }

    /// Records `feed` (whose assets must all have originals) atomically.
    pub fn save(&self, feed: &Feed, now: DateTime<Utc>) -> Result<(), Error> {
        let file = SnapshotFile {
            version: SNAPSHOT_VERSION,
            saved_at: now,
            feed: feed.clone(),
        };
        write_json(&self.feed_path(), &file, false)
    }

    /// Stores downloaded bytes under their content hash; returns the file name.
    pub fn put_original(&self, bytes: &[u8], ext: &str) -> Result<String, Error> {
        self.originals().put(bytes, ext).map(|(name, _)| name)
    }

    /// Deletes originals no asset refers to any more; returns how many.
    pub fn prune_originals(&self, keep: &HashSet<String>) -> Result<usize, Error> {
        self.originals().prune(keep)
    }

    fn originals(&self) -> &ContentStore {
        &self.originals
    }
}

/// Checks a feed read from a snapshot as if it came from the API (see
/// [`crate::model::Post::check`]): posts that fail are dropped, and an
/// original whose name is not a content name (`../../secret.jpg`) is
/// forgotten, so it is downloaded again online and left out offline, never
/// read from where the name points. Returns what was dropped, for a warning.
pub fn drop_untrusted(feed: &mut Feed) -> Vec<String> {
    let mut dropped = Vec::new();
    feed.posts.retain_mut(|post| match post.check() {
        Ok(()) => true,
        Err(reason) => {
            dropped.push(reason);
            false
        }
    });
    let bad = |a: &crate::model::Asset| {
        a.original
            .as_ref()
            .is_some_and(|o| !is_original_name(&o.file) || o.width == 0 || o.height == 0)
    };
    for post in &mut feed.posts {
        for asset in &mut post.assets {
            if bad(asset) {
                asset.original = None;
                dropped.push(format!(
                    "post {}: the original of image {} is not named by its content; it is fetched again",
                    post.id, asset.id
                ));
            }
        }
    }
    if let Some(avatar) = &mut feed.account.avatar
        && bad(avatar)
    {
        avatar.original = None;
        dropped.push(
            "the original of the profile picture is not named by its content; it is fetched again"
                .into(),
        );
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9a-f]{32}\\.(jpg|webp|png|gif|css)",
            "(\\.\\./){1,4}[a-z.]{1,12}",
            "/[a-z/]{0,20}",
            ".{0,40}",
        ]
    }

    fn post() -> impl Strategy<Value = serde_json::Value> {
        (
            prop_oneof!["[0-9]{1,19}", ".{0,12}"],
            prop_oneof![
                Just("2026-11-30T10:00:00Z".to_string()),
                Just("+12026-11-30T10:00:00Z".to_string()),
                Just("-0001-01-01T00:00:00Z".to_string()),
            ],
            proptest::option::of(".{0,40}"),
            proptest::option::of(prop_oneof![
                Just("https://www.instagram.com/p/x/".to_string()),
                Just("javascript:alert(1)".to_string()),
                Just("https://evil.example/".to_string()),
            ]),
            proptest::collection::vec(
                (
                    prop_oneof!["[0-9]{1,19}(:poster)?", ".{0,8}"],
                    name(),
                    0u32..3,
                ),
                1..4,
            ),
        )
            .prop_map(|(id, ts, caption, link, assets)| {
                let assets: Vec<_> = assets
                    .into_iter()
                    .map(|(aid, file, w)| {
                        json!({"id": aid, "role": "image",
                        "original": {"file": file, "width": w, "height": 2}})
                    })
                    .collect();
                json!({"id": id, "kind": "image", "caption": caption, "permalink": link,
                       "timestamp": ts, "assets": assets})
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever a snapshot holds, what is loaded reads originals inside it only.
        #[test]
        fn any_snapshot_loads_to_sound_posts_and_content_names_only(
            posts in proptest::collection::vec(post(), 0..5),
            junk in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let snapshot = Snapshot::new(dir.path());
            let file = json!({"version": SNAPSHOT_VERSION, "saved_at": "2026-12-01T00:00:00Z",
                "feed": {"account": {"id": "1", "username": "x"}, "posts": posts}});
            std::fs::write(dir.path().join("feed.json"), serde_json::to_vec(&file).unwrap()).unwrap();
            if let Ok(Some((feed, _))) = snapshot.load() {
                for post in &feed.posts {
                    prop_assert!(crate::model::is_graph_id(&post.id));
                    prop_assert!(post.permalink.as_ref().is_none_or(crate::model::is_post_permalink));
                    for a in &post.assets {
                        if let Some(o) = &a.original {
                            prop_assert!(is_original_name(&o.file), "{}", o.file);
                            let path = snapshot.original_path(&o.file);
                            let originals = dir.path().join("originals");
                            prop_assert_eq!(path.parent(), Some(originals.as_path()));
                        }
                    }
                }
            }
            std::fs::write(dir.path().join("feed.json"), &junk).unwrap();
            let _ = snapshot.load();
        }
    }
}
