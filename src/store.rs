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

use crate::config::ImageFormat;
use crate::error::Error;
use crate::output::{is_content_name, write_atomic};

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
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            version: MANIFEST_VERSION,
            pipeline: PIPELINE_VERSION,
            assets: BTreeMap::new(),
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
    pub placeholder: Option<crate::media::pipeline::Placeholder>,
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
        let Ok(bytes) = std::fs::read(path) else {
            return Manifest::default();
        };
        match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(mut m) if m.version == MANIFEST_VERSION && m.pipeline == PIPELINE_VERSION => {
                let dropped = m.drop_untrusted();
                if dropped > 0 {
                    tracing::warn!(
                        "the manifest {} names {dropped} file(s) or value(s) that feedgen never writes (a damaged or tampered cache); those entries are dropped and made again",
                        path.display()
                    );
                }
                m
            }
            Ok(_) => {
                tracing::info!(
                    "the image pipeline changed since the last build; every variant is made again"
                );
                Manifest::default()
            }
            Err(e) => {
                tracing::warn!(
                    "the manifest {} is damaged ({e}); every variant is made again",
                    path.display()
                );
                Manifest::default()
            }
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
        let mut json = serde_json::to_vec_pretty(self).expect("the manifest serializes");
        json.push(b'\n');
        write_atomic(path, &json)
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
        proptest::collection::vec(entry, 0..6).prop_map(|entries| {
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
            json!({"version": MANIFEST_VERSION, "pipeline": PIPELINE_VERSION, "assets": assets})
        })
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
        }

        /// Arbitrary bytes are an empty manifest, never a panic.
        #[test]
        fn arbitrary_manifest_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = load(&bytes);
        }
    }
}
