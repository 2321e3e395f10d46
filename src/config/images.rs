//! `[images]`: the responsive variants and their encoder settings.

use serde::Deserialize;

use crate::error::ConfigError;
use crate::kinds::{EncodeSettings, ImageFormat};

/// The widths of the responsive variants, in CSS pixels at DPR 1.
pub const DEFAULT_WIDTHS: [u32; 3] = [320, 640, 1080];

/// `[images]`: the responsive variants.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageConfig {
    /// Target widths, ascending, deduplicated; never upscaled.
    pub widths: Vec<u32>,
    /// Formats, in the order the browser should prefer them; the last one is the `<img>` fallback.
    pub formats: Vec<ImageFormat>,
    /// Encoder settings: WebP and JPEG quality, WebP effort.
    pub encode: EncodeSettings,
    /// Make a placeholder (average colour, tiny preview) per image.
    pub placeholder: bool,
    /// Download the video file of video posts (`images.video = "mp4"`) to play it in the viewer.
    pub video: bool,
    /// Largest video file downloaded, in bytes (`images.video_max_mb`).
    pub video_max_bytes: u64,
}

/// `images.video`: whether video files are downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoMode {
    /// Posters only (the default).
    Off,
    /// The MP4 file Instagram serves, as it is (never transcoded).
    Mp4,
}

/// The default of `images.video_max_mb`: a 90-second reel is 10-40 MB.
pub const DEFAULT_VIDEO_MAX_MB: u64 = 100;

/// Named encoder settings: `balanced` (WebP q80 method 4) or `fast` (WebP q82 method 2,
/// about twice as fast for a few per cent more bytes at equal quality).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// WebP q80 method 4, JPEG q80.
    Balanced,
    /// WebP q82 method 2, JPEG q80.
    Fast,
}

impl Profile {
    /// The profile's encoder settings.
    pub fn settings(self) -> EncodeSettings {
        match self {
            Profile::Balanced => EncodeSettings {
                webp_quality: 80,
                jpeg_quality: 80,
                effort: 4,
            },
            Profile::Fast => EncodeSettings {
                webp_quality: 82,
                jpeg_quality: 80,
                effort: 2,
            },
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawImages {
    pub(super) widths: Option<Vec<u32>>,
    pub(super) formats: Option<Vec<ImageFormat>>,
    pub(super) profile: Option<Profile>,
    pub(super) quality: Option<u8>,
    pub(super) effort: Option<u8>,
    pub(super) placeholder: Option<bool>,
    pub(super) video: Option<VideoMode>,
    pub(super) video_max_mb: Option<u64>,
}

impl ImageConfig {
    /// The table's checks and defaults, from its raw form.
    pub(super) fn from_raw(raw: RawImages) -> Result<ImageConfig, ConfigError> {
        let mut widths = raw.widths.unwrap_or_else(|| DEFAULT_WIDTHS.to_vec());
        if widths.is_empty() || widths.iter().any(|&w| !(16..=4096).contains(&w)) {
            return Err(ConfigError::invalid(
                "images.widths",
                "give one or more widths between 16 and 4096, e.g. [320, 640, 1080]",
            ));
        }
        widths.sort_unstable();
        widths.dedup();
        let mut formats = raw
            .formats
            .unwrap_or_else(|| vec![ImageFormat::Webp, ImageFormat::Jpeg]);
        if formats.is_empty() {
            return Err(ConfigError::invalid(
                "images.formats",
                "give at least one of \"avif\", \"webp\", \"jpeg\"",
            ));
        }
        let mut seen = Vec::new();
        formats.retain(|f| {
            let new = !seen.contains(f);
            seen.push(*f);
            new
        });
        let mut encode = raw.profile.unwrap_or(Profile::Balanced).settings();
        if let Some(q) = raw.quality {
            encode.webp_quality = q;
            encode.jpeg_quality = q;
        }
        if let Some(e) = raw.effort {
            encode.effort = e;
        }
        let quality = encode.webp_quality;
        if encode.effort > 6 {
            return Err(ConfigError::invalid(
                "images.effort",
                "must be between 0 (fastest) and 6 (smallest files)",
            ));
        }
        if !(1..=100).contains(&quality) {
            return Err(ConfigError::invalid(
                "images.quality",
                "must be between 1 and 100",
            ));
        }
        let video_max_mb = raw.video_max_mb.unwrap_or(DEFAULT_VIDEO_MAX_MB);
        if !(1..=1024).contains(&video_max_mb) {
            return Err(ConfigError::invalid(
                "images.video_max_mb",
                "must be between 1 and 1024 (megabytes per video file)",
            ));
        }
        Ok(ImageConfig {
            widths,
            formats,
            encode,
            placeholder: raw.placeholder.unwrap_or(true),
            video: raw.video == Some(VideoMode::Mp4),
            video_max_bytes: video_max_mb * 1024 * 1024,
        })
    }
}
