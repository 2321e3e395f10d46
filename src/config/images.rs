//! `[images]`: the responsive variants and their encoder settings.

use serde::Deserialize;

use crate::config::layer::set;
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

super::layer::layer! {
    /// `[images]` as one layer wrote it.
    ImagesLayer {
        widths: Vec<u32>,
        formats: Vec<ImageFormat>,
        profile: Profile,
        quality: u8,
        effort: u8,
        placeholder: bool,
        video: VideoMode,
        video_max_mb: u64,
    }
}

impl Default for ImageConfig {
    fn default() -> Self {
        ImageConfig {
            widths: DEFAULT_WIDTHS.to_vec(),
            formats: vec![ImageFormat::Webp, ImageFormat::Jpeg],
            encode: Profile::Balanced.settings(),
            placeholder: true,
            video: false,
            video_max_bytes: DEFAULT_VIDEO_MAX_MB * 1024 * 1024,
        }
    }
}

impl ImageConfig {
    /// The defaults with `layer` laid over them, checked.
    pub(super) fn from_layer(layer: ImagesLayer) -> Result<ImageConfig, ConfigError> {
        let ImagesLayer {
            widths,
            formats,
            profile,
            quality,
            effort,
            placeholder,
            video,
            video_max_mb,
        } = layer;
        let mut images = ImageConfig::default();
        if let Some(mut widths) = widths {
            widths.sort_unstable();
            widths.dedup();
            images.widths = widths;
        }
        if let Some(mut formats) = formats {
            let mut seen = Vec::new();
            formats.retain(|f| {
                let new = !seen.contains(f);
                seen.push(*f);
                new
            });
            images.formats = formats;
        }
        if let Some(profile) = profile {
            images.encode = profile.settings();
        }
        if let Some(q) = quality {
            images.encode.webp_quality = q;
            images.encode.jpeg_quality = q;
        }
        set(&mut images.encode.effort, effort);
        set(&mut images.placeholder, placeholder);
        if let Some(v) = video {
            images.video = v == VideoMode::Mp4;
        }
        if let Some(mb) = video_max_mb {
            if !(1..=1024).contains(&mb) {
                return Err(ConfigError::invalid(
                    "images.video_max_mb",
                    "must be between 1 and 1024 (megabytes per video file)",
                ));
            }
            images.video_max_bytes = mb * 1024 * 1024;
        }
        images.check()?;
        Ok(images)
    }

    /// The table's own rules.
    fn check(&self) -> Result<(), ConfigError> {
        if self.widths.is_empty() || self.widths.iter().any(|&w| !(16..=4096).contains(&w)) {
            return Err(ConfigError::invalid(
                "images.widths",
                "give one or more widths between 16 and 4096, e.g. [320, 640, 1080]",
            ));
        }
        if self.formats.is_empty() {
            return Err(ConfigError::invalid(
                "images.formats",
                "give at least one of \"avif\", \"webp\", \"jpeg\"",
            ));
        }
        if self.encode.effort > 6 {
            return Err(ConfigError::invalid(
                "images.effort",
                "must be between 0 (fastest) and 6 (smallest files)",
            ));
        }
        if !(1..=100).contains(&self.encode.webp_quality) {
            return Err(ConfigError::invalid(
                "images.quality",
                "must be between 1 and 100",
            ));
        }
        Ok(())
    }
}
