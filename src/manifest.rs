//! The manifest: which encoded files each asset already has.
//!
//! Keyed by asset id (stable across fetches, unlike the signed CDN URLs), each
//! entry records the original it was made from and every variant by its spec
//! (width, format, quality). A rebuild reuses a variant when the original and
//! the spec match and the file is still in the output folder; anything else is
//! made again. Entries no longer in the feed are dropped, and the files they
//! named are pruned from the output.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::kinds::{ImageFormat, Placeholder};
use crate::output::{Versioned, is_content_name, read_versioned, write_json};

/// The extensions an original can have (what [`crate::media::pipeline::sniff`] names).
pub const ORIGINAL_EXTENSIONS: [&str; 4] = ["jpg", "png", "webp", "gif"];

/// Whether `name` is a name the snapshot gives an original: a content name
/// with an image extension.
pub fn is_original_name(name: &str) -> bool {
    is_content_name(name)
        && name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| ORIGINAL_EXTENSIONS.contains(&ext))
}

/// Version of the manifest's shape.
pub const MANIFEST_VERSION: u32 = 2;
/// Version of the image pipeline: bump it when encoder output changes, so every
/// variant is made again on the next build.
pub const PIPELINE_VERSION: u32 = 1;

/// Every asset's original and variants, as of the last build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`] when written.
    pub version: u32,
    /// [`PIPELINE_VERSION`] when written.
    pub pipeline: u32,
    /// By asset id.
    pub assets: BTreeMap<String, AssetEntry>,
    /// Video files in the content store (`images.video = "mp4"`), by post id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub videos: BTreeMap<String, String>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            version: MANIFEST_VERSION,
            pipeline: PIPELINE_VERSION,
            assets: BTreeMap::new(),
            videos: BTreeMap::new(),
        }
    }
}

/// One asset's original and its encoded variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetEntry {
    /// The original's file name in the snapshot (content-addressed).
    pub original: String,
    /// The variants, ascending by width, then in configured format order.
    pub variants: Vec<Variant>,
    /// Average colour and tiny preview, when placeholders are on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<Placeholder>,
}

/// One encoded file of an asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Encoding.
    pub format: ImageFormat,
    /// Encoder quality it was made with.
    pub quality: u8,
    /// Encoder effort (WebP method) it was made with.
    pub effort: u8,
    /// File name in the output's `media/` folder.
    pub file: String,
    /// Size in bytes.
    pub bytes: u64,
}

impl Manifest {
    /// Reads the manifest; a missing, damaged or outdated one counts as empty
    /// (everything is made again, nothing is lost).
    pub fn load(path: &Path) -> Manifest {
        let damaged = |reason: &dyn std::fmt::Display| {
            tracing::warn!(
                "the manifest {} is damaged ({reason}); every variant is made again",
                path.display()
            );
            Manifest::default()
        };
        match read_versioned::<Manifest>(path, MANIFEST_VERSION) {
            Ok(Versioned::Missing) => Manifest::default(),
            Ok(Versioned::Current(mut m)) if m.pipeline == PIPELINE_VERSION => {
                let dropped = m.drop_untrusted();
                if dropped > 0 {
                    tracing::warn!(
                        "the manifest {} names {dropped} file(s) or value(s) that feedgen never writes (a damaged or tampered cache); those entries are dropped and made again",
                        path.display()
                    );
                }
                m
            }
            Ok(Versioned::Current(_) | Versioned::OtherVersion(_)) => {
                tracing::info!(
                    "the image pipeline changed since the last build; every variant is made again"
                );
                Manifest::default()
            }
            Ok(Versioned::Damaged(e)) => damaged(&e),
            Err(e) => damaged(&e),
        }
    }

    /// Drops whatever the store could not have written: an asset id that is
    /// not a media id, an original or variant that is not a content name (a
    /// path like `../../feedgen.toml` would otherwise be published), a
    /// variant whose extension is not its format's, a placeholder that is not
    /// a colour and a WebP data URL (it is pasted into a `style` attribute).
    /// Returns how many things were dropped.
    pub fn drop_untrusted(&mut self) -> usize {
        let mut dropped = 0;
        self.videos.retain(|id, file| {
            let keep = crate::model::is_graph_id(id) && crate::model::is_video_name(file);
            dropped += usize::from(!keep);
            keep
        });
        self.assets.retain(|id, entry| {
            let keep = crate::model::is_asset_id(id) && is_original_name(&entry.original);
            dropped += usize::from(!keep);
            keep
        });
        for entry in self.assets.values_mut() {
            let before = entry.variants.len();
            entry.variants.retain(|v| {
                is_content_name(&v.file)
                    && v.file.ends_with(&format!(".{}", v.format.extension()))
                    && v.width > 0
                    && v.height > 0
            });
            dropped += before - entry.variants.len();
            if entry.placeholder.as_ref().is_some_and(|p| !p.is_sound()) {
                entry.placeholder = None;
                dropped += 1;
            }
        }
        dropped
    }

    /// Writes the manifest atomically.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        write_json(path, self, false)
    }
}

/// The assets a build finished, one JSON line each, appended as each one
/// completes: a build stopped by Ctrl-C, SIGTERM or SIGKILL leaves its work
/// here, and the next build takes it up instead of downloading and encoding
/// it again. Cleared once the manifest and snapshot of a build are saved.
/// Read back as untrusted as the manifest: a line that fails the same checks
/// (or is cut short by a kill) is skipped.
#[derive(Debug)]
pub struct Journal {
    path: std::path::PathBuf,
    file: std::sync::Mutex<Option<std::fs::File>>,
}

#[derive(Serialize, Deserialize)]
struct JournalLine {
    asset: String,
    original: crate::model::Original,
    entry: AssetEntry,
}

impl Journal {
    /// The journal that goes with the manifest at `manifest` (`manifest.journal`).
    pub fn beside(manifest: &Path) -> Journal {
        Journal {
            path: manifest.with_extension("journal"),
            file: std::sync::Mutex::new(None),
        }
    }

    /// Appends one finished asset; a failure to write only costs redoing it.
    pub fn record(&self, asset: &str, original: &crate::model::Original, entry: &AssetEntry) {
        use std::io::Write;
        let line = JournalLine {
            asset: asset.to_string(),
            original: original.clone(),
            entry: entry.clone(),
        };
        let mut text = serde_json::to_vec(&line).expect("a journal line serializes");
        text.push(b'\n');
        let mut file = self.file.lock().expect("journal lock");
        if file.is_none() {
            if let Some(dir) = self.path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            *file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(|e| tracing::debug!("cannot open {}: {e}", self.path.display()))
                .ok();
        }
        if let Some(f) = file.as_mut()
            && let Err(e) = f.write_all(&text)
        {
            tracing::debug!("cannot append to {}: {e}", self.path.display());
        }
    }

    /// What earlier, unfinished builds recorded: by asset id, checked like the manifest.
    pub fn load(&self) -> BTreeMap<String, (crate::model::Original, AssetEntry)> {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return BTreeMap::new();
        };
        let mut found = BTreeMap::new();
        for line in text.lines() {
            let Ok(l) = serde_json::from_str::<JournalLine>(line) else {
                continue;
            };
            let mut one = Manifest::default();
            one.assets.insert(l.asset.clone(), l.entry);
            let sound_original =
                is_original_name(&l.original.file) && l.original.width > 0 && l.original.height > 0;
            if one.drop_untrusted() == 0
                && sound_original
                && let Some(entry) = one.assets.remove(&l.asset)
            {
                found.insert(l.asset, (l.original, entry));
            }
        }
        found
    }

    /// Forgets what was recorded: the manifest and snapshot now hold it.
    pub fn clear(&self) {
        *self.file.lock().expect("journal lock") = None;
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::debug!("cannot delete {}: {e}", self.path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// Names as the store writes them, and as an attacker would.
    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9a-f]{32}\\.(jpg|webp|avif|png|gif)",
            "(\\.\\./){1,4}[a-z.]{1,12}",
            "/[a-z/]{0,20}",
            "[0-9a-f]{32}\\.jpg/\\.\\./\\.\\./x",
            ".{0,40}",
        ]
    }

    fn variant() -> impl Strategy<Value = serde_json::Value> {
        (
            name(),
            prop_oneof!["webp", "jpeg", "avif"],
            0u32..3000,
            0u32..3000,
        )
            .prop_map(|(file, format, width, height)| {
                json!({"width": width, "height": height, "format": format, "quality": 80,
                       "effort": 4, "file": file, "bytes": 1})
            })
    }

    fn manifest() -> impl Strategy<Value = serde_json::Value> {
        let entry = (
            prop_oneof!["[0-9]{1,19}(:poster)?", ".{0,12}"],
            name(),
            proptest::collection::vec(variant(), 0..4),
            proptest::option::of((".{0,12}", ".{0,40}")),
        );
        // Videos: sound names, and names a tampered cache could hold (paths out of the store).
        let video = (
            prop_oneof!["[0-9]{1,19}", ".{0,12}"],
            prop_oneof![
                "[0-9a-f]{32}\\.mp4",
                "\\.\\./[a-z]{1,8}\\.mp4",
                "/etc/[a-z]{1,8}",
                ".{0,40}"
            ],
        );
        (
            proptest::collection::vec(entry, 0..6),
            proptest::collection::vec(video, 0..4),
        )
            .prop_map(|(entries, videos)| {
            let assets: serde_json::Map<_, _> = entries
                .into_iter()
                .map(|(id, original, variants, ph)| {
                    let mut e = json!({"original": original, "variants": variants});
                    if let Some((color, lqip)) = ph {
                        e["placeholder"] = json!({"color": color, "lqip": lqip});
                    }
                    (id, e)
                })
                .collect();
            let videos: serde_json::Map<_, _> =
                videos.into_iter().map(|(id, file)| (id, json!(file))).collect();
            json!({"version": MANIFEST_VERSION, "pipeline": PIPELINE_VERSION, "assets": assets, "videos": videos})
        })
    }

    #[test]
    fn a_journal_keeps_sound_lines_only() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::beside(&dir.path().join("manifest.json"));
        let good_name = format!("{}.jpg", "a".repeat(32));
        let original = crate::model::Original {
            file: good_name.clone(),
            width: 10,
            height: 10,
        };
        let entry = |original: &str, file: &str| AssetEntry {
            original: original.into(),
            variants: vec![Variant {
                width: 10,
                height: 10,
                format: ImageFormat::Jpeg,
                quality: 80,
                effort: 4,
                file: file.into(),
                bytes: 1,
            }],
            placeholder: None,
        };
        journal.record("1", &original, &entry(&good_name, &good_name));
        journal.record("2", &original, &entry(&good_name, "../../feedgen.toml"));
        let mut bad = original.clone();
        bad.file = "../../secret.jpg".into();
        journal.record("3", &bad, &entry(&good_name, &good_name));
        journal.record("../4", &original, &entry(&good_name, &good_name));
        // A kill in the middle of a line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("manifest.journal"))
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"asset\":\"5\",\"orig"))
            .unwrap();
        let loaded = journal.load();
        assert_eq!(loaded.keys().collect::<Vec<_>>(), ["1"]);
        journal.clear();
        assert!(journal.load().is_empty());
    }

    fn load(bytes: &[u8]) -> Manifest {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        std::fs::write(&path, bytes).unwrap();
        Manifest::load(&path)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Whatever a cache holds, what is loaded names files inside the store only.
        #[test]
        fn any_manifest_loads_to_content_names_only(m in manifest()) {
            let loaded = load(&serde_json::to_vec(&m).unwrap());
            let store = std::path::Path::new("/cache/media");
            for (id, e) in &loaded.assets {
                prop_assert!(crate::model::is_asset_id(id), "{}", id);
                prop_assert!(is_original_name(&e.original), "{}", e.original);
                for v in &e.variants {
                    prop_assert!(is_content_name(&v.file), "{}", v.file);
                    let path = store.join(&v.file);
                    prop_assert_eq!(path.parent(), Some(store));
                }
                prop_assert!(e.placeholder.as_ref().is_none_or(|p| p.is_sound()));
            }
            for (id, file) in &loaded.videos {
                prop_assert!(crate::model::is_graph_id(id), "{}", id);
                prop_assert!(crate::model::is_video_name(file), "{}", file);
                let path = store.join(file);
                prop_assert_eq!(path.parent(), Some(store));
            }
        }

        /// Arbitrary bytes are an empty manifest, never a panic.
        #[test]
        fn arbitrary_manifest_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = load(&bytes);
        }
    }
}
