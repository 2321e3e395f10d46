//! The media stage: make sure every asset has its original and its variants.
//!
//! For each asset, in parallel but bounded: reuse the original from the
//! snapshot (keyed by asset id) or download it once from an allowed host;
//! then reuse every variant the manifest already lists and the output still
//! holds, and decode the original once to make only the missing ones. A
//! failing asset is reported and left out; it never fails the build.

pub mod pipeline;

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::Semaphore;
use url::Url;

use crate::config::ImageConfig;
use crate::http::{MAX_MEDIA_BYTES, MediaHosts, describe};
use crate::model::{Asset, Original};
use crate::output::ContentStore;
use crate::secret::url_for_display;
use crate::source::Snapshot;
use crate::source::instagram::read_capped;
use crate::store::{AssetEntry, Manifest, Variant};

/// How many downloads run at once.
pub const DOWNLOAD_CONCURRENCY: usize = 8;

/// Counters of what the media stage did, for the build report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaStats {
    /// Originals fetched from the network.
    pub downloaded: usize,
    /// Originals found in the snapshot.
    pub reused_originals: usize,
    /// Originals decoded (0 on a rebuild with nothing new).
    pub decoded: usize,
    /// Variants encoded.
    pub encoded: usize,
    /// Variants reused from earlier builds.
    pub reused_variants: usize,
}

/// The outcome for one asset.
#[derive(Debug)]
pub struct AssetOutcome {
    /// The asset id.
    pub asset_id: String,
    /// Its original and variants, or why it is left out.
    pub result: Result<(Original, AssetEntry), String>,
    /// What was done for it.
    pub stats: MediaStats,
}

/// Everything the media stage needs, borrowed from the build.
pub struct MediaStage<'a> {
    /// The shared client; `None` when offline.
    pub http: Option<&'a reqwest::Client>,
    /// Allowed download hosts.
    pub hosts: &'a MediaHosts,
    /// Where originals are kept.
    pub snapshot: &'a Snapshot,
    /// Where variants are stored.
    pub store: &'a ContentStore,
    /// Widths, formats, quality.
    pub images: &'a ImageConfig,
    /// The previous build's manifest.
    pub previous: &'a Manifest,
}

impl MediaStage<'_> {
    /// Processes every asset; outcomes come back in no particular order.
    pub async fn run(&self, assets: Vec<Asset>) -> Vec<AssetOutcome> {
        let cpu = Arc::new(Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        ));
        futures_util::stream::iter(assets)
            .map(|asset| {
                let cpu = cpu.clone();
                async move {
                    let mut stats = MediaStats::default();
                    let result = self.one(&asset, &cpu, &mut stats).await;
                    AssetOutcome {
                        asset_id: asset.id,
                        result,
                        stats,
                    }
                }
            })
            .buffer_unordered(DOWNLOAD_CONCURRENCY)
            .collect()
            .await
    }

    async fn one(
        &self,
        asset: &Asset,
        cpu: &Semaphore,
        stats: &mut MediaStats,
    ) -> Result<(Original, AssetEntry), String> {
        let original = match &asset.original {
            Some(o) if self.snapshot.original_path(&o.file).is_file() => {
                stats.reused_originals += 1;
                o.clone()
            }
            _ => {
                let Some(url) = &asset.url else {
                    return Err("its original image is not in the snapshot and there is no URL to download it from (offline build)".into());
                };
                let http = self.http.ok_or_else(|| {
                    "its original image is not in the snapshot (offline build)".to_string()
                })?;
                let bytes = download(http, self.hosts, url).await?;
                stats.downloaded += 1;
                let ext = pipeline::sniff(&bytes).map_err(|e| e.to_string())?;
                let (width, height) = pipeline::inspect(&bytes).map_err(|e| e.to_string())?;
                let file = self
                    .snapshot
                    .put_original(&bytes, ext)
                    .map_err(|e| e.to_string())?;
                Original {
                    file,
                    width,
                    height,
                }
            }
        };

        // Which variants does this original need, and which exist already?
        let quality = self.images.quality;
        let previous = self
            .previous
            .assets
            .get(&asset.id)
            .filter(|e| e.original == original.file);
        let mut wanted = Vec::new();
        for width in pipeline::variant_widths(original.width, &self.images.widths) {
            for &format in &self.images.formats {
                wanted.push((width, format));
            }
        }
        let mut variants = Vec::with_capacity(wanted.len());
        let mut missing = Vec::new();
        for (width, format) in wanted {
            let hit = previous.and_then(|e| {
                e.variants.iter().find(|v| {
                    v.width == width
                        && v.format == format
                        && v.quality == quality
                        && self.store.has(&v.file)
                })
            });
            match hit {
                Some(v) => {
                    stats.reused_variants += 1;
                    variants.push(v.clone());
                }
                None => missing.push((width, format)),
            }
        }

        if !missing.is_empty() {
            let path = self.snapshot.original_path(&original.file);
            let store = self.store.clone();
            let _permit = cpu.acquire().await.expect("semaphore never closes");
            let made = tokio::task::spawn_blocking(move || -> Result<Vec<Variant>, String> {
                let bytes = std::fs::read(&path)
                    .map_err(|e| format!("cannot read its original {}: {e}", path.display()))?;
                let decoded = pipeline::decode(&bytes).map_err(|e| e.to_string())?;
                let mut made = Vec::new();
                let mut last: Option<pipeline::Rgb> = None;
                for (width, format) in missing {
                    let resized = match last.take() {
                        Some(r) if r.width == width => r,
                        _ => pipeline::resize(&decoded, width).map_err(|e| e.to_string())?,
                    };
                    let encoded =
                        pipeline::encode(&resized, format, quality).map_err(|e| e.to_string())?;
                    let ext = format.extension();
                    let (file, _) = store.put(&encoded, ext).map_err(|e| e.to_string())?;
                    made.push(Variant {
                        width: resized.width,
                        height: resized.height,
                        format,
                        quality,
                        file,
                        bytes: encoded.len() as u64,
                    });
                    last = Some(resized);
                }
                Ok(made)
            })
            .await
            .map_err(|e| format!("image task failed: {e}"))??;
            stats.decoded += 1;
            stats.encoded += made.len();
            variants.extend(made);
        }
        let order = |f| self.images.formats.iter().position(|x| *x == f);
        variants.sort_by_key(|v| (v.width, order(v.format)));
        Ok((
            original.clone(),
            AssetEntry {
                original: original.file,
                variants,
            },
        ))
    }
}

/// Downloads one media URL from an allowed host, checking the body is an image.
pub async fn download(
    http: &reqwest::Client,
    hosts: &MediaHosts,
    url: &Url,
) -> Result<Vec<u8>, String> {
    let shown = url_for_display(url);
    if !hosts.allows(url) {
        return Err(format!(
            "its URL {shown} is not on an allowed media host (Instagram's CDNs; add others with FEEDGEN_MEDIA_HOSTS)"
        ));
    }
    let response = http
        .get(url.clone())
        .send()
        .await
        .map_err(|e| format!("download from {shown} failed: {}", describe(e)))?;
    let status = response.status();
    if !status.is_success() {
        let body = read_capped(response, 4096).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        let text = text.trim();
        let hint = if text.contains("URL signature expired") {
            " (the CDN link expired; the next online build fetches a fresh one)"
        } else {
            ""
        };
        return Err(format!(
            "download from {shown} failed with HTTP {}{}{hint}",
            status.as_u16(),
            if text.is_empty() || text.len() > 200 {
                String::new()
            } else {
                format!(": {text}")
            }
        ));
    }
    let bytes = read_capped(response, MAX_MEDIA_BYTES)
        .await
        .map_err(|e| format!("download from {shown} failed: {e}"))?;
    pipeline::sniff(&bytes).map_err(|e| format!("download from {shown}: {e}"))?;
    Ok(bytes)
}
