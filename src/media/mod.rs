//! The media stage: make sure every asset has its original and its variants.
//!
//! For each asset, in parallel but bounded: reuse the original from the
//! snapshot (keyed by asset id) or download it once from an allowed host;
//! then reuse every variant the manifest already lists and the output still
//! holds, and decode the original once to make only the missing ones. A
//! failing asset is reported and left out; it never fails the build.

mod jpeg;
pub mod pipeline;
pub mod video;

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::Semaphore;
use url::Url;

use crate::config::ImageConfig;
use crate::http::{MAX_MEDIA_BYTES, MediaHosts, describe, read_capped};
use crate::kinds::{EncodeSettings, ImageFormat, Placeholder};
use crate::manifest::{AssetEntry, Manifest, Variant};
use crate::model::{Asset, AssetRole, Original};
use crate::output::ContentStore;
use crate::progress::{Progress, Stage};
use crate::retry::{self, Failure, RetryPolicy, gave_up_note, retry_after};
use crate::secret::url_for_display;
use crate::source::InstagramClient;
use crate::source::Snapshot;

/// Widths of a profile picture: the header shows it at 48 CSS pixels, so 1x to 3x screens.
pub const AVATAR_WIDTHS: [u32; 3] = [48, 96, 144];

/// How many downloads run at once.
pub const DOWNLOAD_CONCURRENCY: usize = 8;

/// Counters of what the media stage did, for the build report.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
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
    /// Expired CDN links replaced by re-reading one media item.
    pub relinked: usize,
    /// Video files downloaded (`images.video = "mp4"`).
    pub videos_downloaded: usize,
}

impl std::ops::AddAssign for MediaStats {
    fn add_assign(&mut self, other: MediaStats) {
        let MediaStats {
            downloaded,
            reused_originals,
            decoded,
            encoded,
            reused_variants,
            relinked,
            videos_downloaded,
        } = other;
        self.downloaded += downloaded;
        self.reused_originals += reused_originals;
        self.decoded += decoded;
        self.encoded += encoded;
        self.reused_variants += reused_variants;
        self.relinked += relinked;
        self.videos_downloaded += videos_downloaded;
    }
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
    /// The feed's name, for progress.
    pub feed: &'a str,
    /// Decoding and encoding workers, shared by the feeds of a run.
    pub cpu: Arc<Semaphore>,
    /// The shared client; `None` when offline.
    pub http: Option<&'a reqwest::Client>,
    /// The API, to re-read one media item whose CDN link expired; `None` offline.
    pub api: Option<&'a InstagramClient<'a>>,
    /// Retries for downloads.
    pub retry: RetryPolicy,
    /// Told after each asset.
    pub progress: Option<&'a dyn Progress>,
    /// Allowed download hosts.
    pub hosts: &'a MediaHosts,
    /// Where originals are kept.
    pub snapshot: &'a Snapshot,
    /// The snapshots of the other feeds of this account: an original one holds is
    /// linked from there, not downloaded again.
    pub elsewhere: &'a [Snapshot],
    /// Where variants are stored.
    pub store: &'a ContentStore,
    /// Widths, formats, quality.
    pub images: &'a ImageConfig,
    /// The previous build's manifest.
    pub previous: &'a Manifest,
    /// Where each finished asset is recorded at once, so an interrupted build
    /// loses none of its work.
    pub journal: Option<&'a crate::manifest::Journal>,
    /// When video downloads give up, so a slow CDN leaves the posters and the
    /// rest of the build its time (see [`video::videos_by`]).
    pub videos_by: tokio::time::Instant,
}

impl MediaStage<'_> {
    /// Processes every asset; outcomes come back in no particular order.
    pub async fn run(&self, assets: Vec<Asset>) -> Vec<AssetOutcome> {
        let cpu = &self.cpu;
        futures_util::stream::iter(assets)
            .map(|asset| async move {
                let mut stats = MediaStats::default();
                let result = self.one(&asset, cpu, &mut stats).await;
                if let (Some(journal), Ok((original, entry))) = (self.journal, &result) {
                    journal.record(&asset.id, original, entry);
                }
                AssetOutcome {
                    asset_id: asset.id,
                    result,
                    stats,
                }
            })
            .buffer_unordered(DOWNLOAD_CONCURRENCY)
            .inspect(|_| {
                if let Some(p) = self.progress {
                    p.step(self.feed, Stage::Media);
                }
            })
            .collect()
            .await
    }

    /// Links the original `file` from another feed's snapshot into this one;
    /// whether it could. Names are content hashes, so the same name is the same bytes.
    fn adopt(&self, file: &str) -> bool {
        let Some(from) = self
            .elsewhere
            .iter()
            .find(|s| s.has_original(file))
            .map(|s| s.original_path(file))
        else {
            return false;
        };
        let to = self.snapshot.original_path(file);
        let linked = to
            .parent()
            .is_some_and(|dir| std::fs::create_dir_all(dir).is_ok())
            && (std::fs::hard_link(&from, &to).is_ok() || std::fs::copy(&from, &to).is_ok());
        if !linked {
            tracing::debug!(
                "could not link {} into this feed's snapshot",
                from.display()
            );
        }
        linked
    }

    /// One asset: obtain its original, plan its variants, encode the missing ones.
    async fn one(
        &self,
        asset: &Asset,
        cpu: &Semaphore,
        stats: &mut MediaStats,
    ) -> Result<(Original, AssetEntry), String> {
        let original = self.original(asset, stats).await?;
        let Plan {
            mut variants,
            missing,
            mut placeholder,
        } = self.plan(asset, &original, stats);
        // A profile picture is small and square: no placeholder needed.
        let want_placeholder = self.images.placeholder && asset.role != AssetRole::Avatar;
        if !missing.is_empty() || (want_placeholder && placeholder.is_none()) {
            let path = self.snapshot.original_path(&original.file);
            let store = self.store.clone();
            let settings = self.images.encode;
            let _permit = cpu.acquire().await.expect("semaphore never closes");
            let (made, fresh_placeholder) = tokio::task::spawn_blocking(move || {
                encode(&path, &missing, &settings, want_placeholder, &store)
            })
            .await
            .map_err(|e| format!("image task failed: {e}"))??;
            stats.decoded += 1;
            stats.encoded += made.len();
            variants.extend(made);
            if fresh_placeholder.is_some() {
                placeholder = fresh_placeholder;
            }
        }
        let order = |f| self.images.formats.iter().position(|x| *x == f);
        variants.sort_by_key(|v| (v.width, order(v.format)));
        Ok((
            original.clone(),
            AssetEntry {
                original: original.file,
                variants,
                placeholder,
            },
        ))
    }

    /// The asset's original: from this feed's snapshot, another feed's, or
    /// downloaded (with one re-read of the item when its CDN link expired).
    async fn original(&self, asset: &Asset, stats: &mut MediaStats) -> Result<Original, String> {
        if let Some(o) = &asset.original
            && (self.snapshot.has_original(&o.file) || self.adopt(&o.file))
        {
            stats.reused_originals += 1;
            return Ok(o.clone());
        }
        let Some(url) = &asset.url else {
            return Err("its original image is not in the snapshot and there is no URL to download it from (offline build)".into());
        };
        let http = self.http.ok_or_else(|| {
            "its original image is not in the snapshot (offline build)".to_string()
        })?;
        let bytes = match (download(http, self.hosts, url, self.retry).await, self.api) {
            (Ok(b), _) => b,
            (Err(DownloadError::Expired), Some(api)) => {
                // Signed CDN links live a few days: ask for this one item again.
                let fresh = api.fresh_url(&asset.id).await.map_err(|e| {
                    format!("its CDN link expired and re-reading the item failed: {e}")
                })?;
                stats.relinked += 1;
                download(http, self.hosts, &fresh, self.retry)
                    .await
                    .map_err(|e| e.to_string())?
            }
            (Err(e), _) => return Err(e.to_string()),
        };
        stats.downloaded += 1;
        let ext = pipeline::sniff(&bytes).map_err(|e| e.to_string())?;
        let (width, height) = pipeline::inspect(&bytes).map_err(|e| e.to_string())?;
        let file = self
            .snapshot
            .put_original(&bytes, ext)
            .map_err(|e| e.to_string())?;
        Ok(Original {
            file,
            width,
            height,
        })
    }

    /// Which variants the original needs, and which of them the previous
    /// build made with today's settings and the store still holds.
    fn plan(&self, asset: &Asset, original: &Original, stats: &mut MediaStats) -> Plan {
        let settings = self.images.encode;
        let previous = self
            .previous
            .assets
            .get(&asset.id)
            .filter(|e| e.original == original.file);
        let mut plan = Plan {
            variants: Vec::new(),
            missing: Vec::new(),
            placeholder: previous
                .filter(|_| self.images.placeholder && asset.role != AssetRole::Avatar)
                .and_then(|e| e.placeholder.clone()),
        };
        let widths: &[u32] = match asset.role {
            AssetRole::Avatar => &AVATAR_WIDTHS,
            _ => &self.images.widths,
        };
        for width in pipeline::variant_widths(original.width, widths) {
            for &format in &self.images.formats {
                let hit = previous.and_then(|e| {
                    e.variants.iter().find(|v| {
                        v.width == width
                            && v.format == format
                            && v.quality == settings.quality(format)
                            && v.effort == settings.effort(format)
                            && self.store.has(&v.file)
                    })
                });
                match hit {
                    Some(v) => {
                        stats.reused_variants += 1;
                        plan.variants.push(v.clone());
                    }
                    None => plan.missing.push((width, format)),
                }
            }
        }
        plan
    }
}

/// What an asset needs made, and what it already has.
struct Plan {
    /// Variants reused from the previous build.
    variants: Vec<Variant>,
    /// Widths and formats to encode.
    missing: Vec<(u32, ImageFormat)>,
    /// The placeholder reused, if it is wanted and was made before.
    placeholder: Option<Placeholder>,
}

/// Decodes the original at `path` once and encodes the `missing` variants
/// (and the placeholder) into the store. Runs on a blocking thread.
fn encode(
    path: &std::path::Path,
    missing: &[(u32, ImageFormat)],
    settings: &EncodeSettings,
    want_placeholder: bool,
    store: &ContentStore,
) -> Result<(Vec<Variant>, Option<Placeholder>), String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read its original {}: {e}", path.display()))?;
    let decoded = pipeline::decode(&bytes).map_err(|e| e.to_string())?;
    let (encoded, placeholder) =
        pipeline::make_variants(&decoded, missing, settings, want_placeholder)
            .map_err(|e| e.to_string())?;
    let mut made = Vec::with_capacity(encoded.len());
    for e in encoded {
        let (file, _) = store
            .put(&e.bytes, e.format.extension())
            .map_err(|e| e.to_string())?;
        made.push(Variant {
            width: e.width,
            height: e.height,
            format: e.format,
            quality: settings.quality(e.format),
            effort: settings.effort(e.format),
            file,
            bytes: e.bytes.len() as u64,
        });
    }
    Ok((made, placeholder))
}

/// Why a download failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadError {
    /// `403 URL signature expired`: the signed link is past its `oe`.
    Expired,
    /// Anything else, as a message naming the URL (without its query).
    Failed(String),
}

impl std::fmt::Display for DownloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DownloadError::Expired => f.write_str(
                "its CDN link expired (403 URL signature expired); the next online build gets a fresh one",
            ),
            DownloadError::Failed(m) => f.write_str(m),
        }
    }
}

/// Downloads one media URL from an allowed host, retrying transient failures,
/// and checks the body is an image.
pub async fn download(
    http: &reqwest::Client,
    hosts: &MediaHosts,
    url: &Url,
    retry: RetryPolicy,
) -> Result<Vec<u8>, DownloadError> {
    let want = Wanted {
        cap: MAX_MEDIA_BYTES,
        retry_stalls: true,
        check: &|bytes, _| {
            pipeline::sniff(bytes)
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
    };
    fetch(http, hosts, url, retry, want).await
}

/// Accepts a download's bytes given its Content-Type, or says why not.
type Check = dyn Fn(&[u8], Option<&str>) -> Result<(), String> + Sync;

/// What one download must bring.
struct Wanted<'a> {
    /// Its largest size in bytes.
    cap: usize,
    /// Whether a body that stops arriving is tried again: not for videos,
    /// whose retries would spend the build's deadline on a trickling CDN.
    retry_stalls: bool,
    /// Accepts the bytes given the response's Content-Type, or says why not.
    check: &'a Check,
}

/// One download from an allowed media host that `want` accepts; retried under `retry`.
async fn fetch(
    http: &reqwest::Client,
    hosts: &MediaHosts,
    url: &Url,
    retry: RetryPolicy,
    want: Wanted<'_>,
) -> Result<Vec<u8>, DownloadError> {
    let shown = url_for_display(url);
    if !hosts.allows(url) {
        return Err(DownloadError::Failed(format!(
            "its URL {shown} is not on an allowed media host (Instagram's CDNs; add others with FEEDGEN_MEDIA_HOSTS)"
        )));
    }
    let attempt = async || {
        let (bytes, content_type) = download_once(http, url, &shown, &want).await?;
        (want.check)(&bytes, content_type.as_deref()).map_err(|e| {
            Failure::Final(DownloadError::Failed(format!("download from {shown}: {e}")))
        })?;
        Ok(bytes)
    };
    retry::run(retry, attempt, |error, retries| match error {
        DownloadError::Failed(message) => {
            DownloadError::Failed(format!("{message}{}", gave_up_note(retries)))
        }
        other => other,
    })
    .await
}

/// One request: the body (at most `want.cap` bytes) and its Content-Type.
async fn download_once(
    http: &reqwest::Client,
    url: &Url,
    shown: &str,
    want: &Wanted<'_>,
) -> Result<(Vec<u8>, Option<String>), Failure<DownloadError>> {
    let failed = |message: String, transient: bool, hint| {
        if transient {
            Failure::Transient(DownloadError::Failed(message), hint)
        } else {
            Failure::Final(DownloadError::Failed(message))
        }
    };
    let response = http.get(url.clone()).send().await.map_err(|e| {
        let transient = retry::transient_send(&e);
        failed(
            format!("download from {shown} failed: {}", describe(e)),
            transient,
            None,
        )
    })?;
    let status = response.status();
    if !status.is_success() {
        let hint = retry_after(response.headers());
        let body = read_capped(response, 4096).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        let text = text.trim();
        if status.as_u16() == 403 && text.contains("URL signature expired") {
            return Err(Failure::Final(DownloadError::Expired));
        }
        let message = format!(
            "download from {shown} failed with HTTP {}{}",
            status.as_u16(),
            if text.is_empty() || text.len() > 200 || text.starts_with('<') {
                String::new()
            } else {
                format!(": {}", crate::secret::printable(text))
            }
        );
        return Err(failed(
            message,
            retry::transient_status(status.as_u16()),
            hint,
        ));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = read_capped(response, want.cap).await.map_err(|e| {
        let transient = e.is_transient() && (want.retry_stalls || !e.is_stall());
        failed(
            format!("download from {shown} failed: {e}"),
            transient,
            None,
        )
    })?;
    Ok((bytes, content_type))
}
