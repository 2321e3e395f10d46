//! Video files (`images.video = "mp4"`): the MP4 Instagram serves for a video
//! post, downloaded once from an allowed media host under a size cap, checked
//! to be MP4, and kept content-addressed as it is (never transcoded): in the
//! snapshot, so offline builds have it, and in the store the output links. A
//! video that fails leaves its post with the poster and the link, as before.

use super::*;
use crate::model::Video;

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

/// Whether `bytes` begin like an ISO base media file (MP4): a `ftyp` box.
pub fn is_mp4(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[4..8] == b"ftyp"
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
                outcome.result = self.video(&post_id, &video, &mut outcome).await;
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
                is_mp4(&bytes)
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
    fetch(http, hosts, url, retry, cap as usize, |bytes| {
        if is_mp4(bytes) {
            Ok(())
        } else {
            Err("it is not an MP4 video (no ftyp box at its start)".into())
        }
    })
    .await
    .map_err(|e| match e {
        DownloadError::Failed(m) if m.contains("-byte limit") => DownloadError::Failed(format!(
            "its video is larger than images.video_max_mb ({mb} MB), so the poster is shown instead; raise images.video_max_mb to include it"
        )),
        other => other,
    })
}
