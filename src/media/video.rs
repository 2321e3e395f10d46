//! Video files (`images.video = "mp4"`): the MP4 Instagram serves for a video
//! post, downloaded once from an allowed media host under a size cap, checked
//! to be MP4 (a video Content-Type and a sound ISO-BMFF box layout, on download
//! and again on reuse), and kept content-addressed as it is (never
//! transcoded): in the snapshot, so offline builds have it, and in the store
//! the output links. A video that fails, or is not done by its share of
//! `build.deadline`, leaves its post with the poster and the link.

use futures_util::StreamExt;
use url::Url;

use crate::http::MediaHosts;
use crate::media::{DownloadError, MediaStage, Wanted, fetch};
use crate::model::Video;
use crate::retry::RetryPolicy;

/// Videos downloaded at once: they are large, and the images share the link.
pub const VIDEO_CONCURRENCY: usize = 2;

/// The outcome for one post's video.
#[derive(Debug)]
pub struct VideoOutcome {
    /// The post's id.
    pub post_id: String,
    /// Its file in the content store and size, or why there is none.
    pub result: Result<Video, String>,
    /// Whether it was downloaded in this build (not reused).
    pub downloaded: bool,
    /// Whether its link had expired and was renewed.
    pub relinked: bool,
}

/// Top-level boxes an MP4 may hold: ISO/IEC 14496-12's file-level boxes and
/// the QuickTime ones phones and encoders write.
const TOP_LEVEL_BOXES: [&[u8; 4]; 19] = [
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"pdin", b"moof",
    b"mfra", b"sidx", b"styp", b"emsg", b"prft", b"ssix", b"udta", b"pnot", b"junk",
];

/// Boxes read at most: a real MP4 has a handful at the top level.
const MAX_BOXES: usize = 1024;

/// Checks that `bytes` are an ISO base media file (MP4); see [`check_mp4_in`].
pub fn check_mp4(bytes: &[u8]) -> Result<(), String> {
    check_mp4_in(&mut std::io::Cursor::new(bytes), bytes.len() as u64)
}

/// Checks that the `len` bytes of `file` are an ISO base media file: a
/// `ftyp` box first, then known top-level boxes whose sizes fit the file
/// exactly, among them a `moov` and an `mdat`. Reads the box headers only.
pub fn check_mp4_in(
    file: &mut (impl std::io::Read + std::io::Seek),
    len: u64,
) -> Result<(), String> {
    use std::io::SeekFrom;
    let (mut pos, mut moov, mut mdat) = (0u64, false, false);
    for index in 0..MAX_BOXES {
        if pos == len {
            return match (moov, mdat) {
                (true, true) => Ok(()),
                _ => Err("it is not an MP4 video (no moov or no mdat box)".into()),
            };
        }
        let mut header = [0u8; 8];
        file.seek(SeekFrom::Start(pos))
            .and_then(|_| file.read_exact(&mut header))
            .map_err(|_| format!("it is not an MP4 video (a box header is cut at byte {pos})"))?;
        let kind: [u8; 4] = header[4..8].try_into().expect("four bytes");
        let (size, header_len) =
            match u32::from_be_bytes(header[..4].try_into().expect("four bytes")) {
                0 => (len - pos, 8),
                1 => {
                    let mut large = [0u8; 8];
                    file.read_exact(&mut large)
                        .map_err(|_| "it is not an MP4 video (a box header is cut)".to_string())?;
                    (u64::from_be_bytes(large), 16)
                }
                n => (u64::from(n), 8),
            };
        let shown = String::from_utf8_lossy(&kind).escape_debug().to_string();
        if index == 0 && &kind != b"ftyp" {
            return Err("it is not an MP4 video (no ftyp box at its start)".into());
        }
        if !TOP_LEVEL_BOXES.contains(&&kind) {
            return Err(format!(
                "it is not an MP4 video (an unknown box \"{shown}\" at byte {pos})"
            ));
        }
        if size < header_len || size > len - pos {
            return Err(format!(
                "it is not an MP4 video (the box \"{shown}\" at byte {pos} claims {size} bytes)"
            ));
        }
        moov |= &kind == b"moov";
        mdat |= &kind == b"mdat";
        pos += size;
    }
    Err(format!(
        "it is not an MP4 video (more than {MAX_BOXES} boxes)"
    ))
}

/// Checks the stored video at `path` like a download (see [`check_mp4_in`]).
fn check_mp4_file(path: &std::path::Path) -> Result<(), String> {
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    check_mp4_in(&mut file, len)
}

/// Whether a response's Content-Type may carry a video: a `video/` type, or
/// the generic binary one some CDNs send.
fn is_video_type(content_type: Option<&str>) -> bool {
    let essence = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    essence.is_some_and(|t| {
        t.starts_with("video/") || t == "application/octet-stream" || t == "binary/octet-stream"
    })
}

/// When the video downloads of a run give up: a tenth of `build.deadline`
/// (at least a second) before `deadline`, so the posters are published in
/// time when a CDN trickles. Images come first and are not cut short.
pub fn videos_by(
    deadline: tokio::time::Instant,
    total: std::time::Duration,
) -> tokio::time::Instant {
    let margin = (total / 10)
        .max(std::time::Duration::from_secs(1))
        .min(total / 2);
    deadline - margin
}

impl MediaStage<'_> {
    /// Makes sure each post's video is in the store: reused when the store
    /// holds the file recorded for it, else downloaded.
    pub async fn videos(&self, videos: Vec<(String, Video)>) -> Vec<VideoOutcome> {
        futures_util::stream::iter(videos)
            .map(|(post_id, video)| async move {
                let mut outcome = VideoOutcome {
                    post_id: post_id.clone(),
                    result: Err(String::new()),
                    downloaded: false,
                    relinked: false,
                };
                let budget = self.videos_by;
                outcome.result = tokio::time::timeout_at(budget, self.video(&post_id, &video, &mut outcome))
                    .await
                    .unwrap_or_else(|_| {
                        Err("its video was not downloaded within its share of build.deadline (a slow CDN?), so the poster is shown; the next build tries again".into())
                    });
                outcome
            })
            .buffer_unordered(VIDEO_CONCURRENCY)
            .collect()
            .await
    }

    async fn video(
        &self,
        post_id: &str,
        video: &Video,
        outcome: &mut VideoOutcome,
    ) -> Result<Video, String> {
        if let Some(file) = &video.file
            && (self.store.has(file) || self.restore(file))
            && check_mp4_file(&self.store.path(file)).is_ok()
        {
            return Ok(Video {
                url: None,
                file: Some(file.clone()),
                bytes: video.bytes,
            });
        }
        let (Some(url), Some(http)) = (&video.url, self.http) else {
            return Err("its video file is not in the store and this build is offline".into());
        };
        let cap = self.images.video_max_bytes;
        let bytes = match (
            fetch_video(http, self.hosts, url, self.retry, cap).await,
            self.api,
        ) {
            (Ok(b), _) => b,
            (Err(DownloadError::Expired), Some(api)) => {
                let fresh = api
                    .fresh_url(&format!("{post_id}:video"))
                    .await
                    .map_err(|e| {
                        format!("its video link expired and re-reading the post failed: {e}")
                    })?;
                outcome.relinked = true;
                fetch_video(http, self.hosts, &fresh, self.retry, cap)
                    .await
                    .map_err(|e| e.to_string())?
            }
            (Err(e), _) => return Err(e.to_string()),
        };
        // The snapshot keeps it for offline builds, the store for the output.
        let file = self
            .snapshot
            .put_original(&bytes, "mp4")
            .map_err(|e| e.to_string())?;
        self.store.put(&bytes, "mp4").map_err(|e| e.to_string())?;
        outcome.downloaded = true;
        Ok(Video {
            url: None,
            file: Some(file),
            bytes: bytes.len() as u64,
        })
    }
}

impl MediaStage<'_> {
    /// Copies a video the snapshot holds (this feed's or another's of the
    /// account) into the store; whether it could.
    fn restore(&self, file: &str) -> bool {
        std::iter::once(self.snapshot)
            .chain(self.elsewhere)
            .find(|s| s.has_video(file))
            .and_then(|s| std::fs::read(s.original_path(file)).ok())
            .is_some_and(|bytes| {
                check_mp4(&bytes).is_ok()
                    && self.snapshot.put_original(&bytes, "mp4").is_ok()
                    && self.store.put(&bytes, "mp4").is_ok()
            })
    }
}

/// One video download: an allowed host, at most `cap` bytes, MP4.
async fn fetch_video(
    http: &reqwest::Client,
    hosts: &MediaHosts,
    url: &Url,
    retry: RetryPolicy,
    cap: u64,
) -> Result<Vec<u8>, DownloadError> {
    let mb = cap / (1024 * 1024);
    let want = Wanted {
        cap: cap as usize,
        retry_stalls: false,
        check: &|bytes, content_type| {
            if !is_video_type(content_type) {
                return Err(format!(
                    "it is not a video (its Content-Type is {})",
                    content_type.map_or("missing".into(), |t| format!(
                        "\"{}\"",
                        crate::secret::printable(t)
                    ))
                ));
            }
            check_mp4(bytes)
        },
    };
    fetch(http, hosts, url, retry, want)
    .await
    .map_err(|e| match e {
        DownloadError::Failed(m) if m.contains("-byte limit") => DownloadError::Failed(format!(
            "its video is larger than images.video_max_mb ({mb} MB), so the poster is shown instead; raise images.video_max_mb to include it"
        )),
        other => other,
    })
}
