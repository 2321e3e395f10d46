//! The shared vocabulary: small value types every layer may use, so no stage
//! imports the config (or another stage) for an enum. This module imports
//! nothing of the crate.

use serde::{Deserialize, Serialize};

/// Which API a feed reads, which is also which login its token comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// `graph.instagram.com` with an Instagram-Login token (`IGAA…`), the default.
    Instagram,
    /// `graph.facebook.com` with a Facebook user or Page token (`EAA…`): the
    /// Instagram business account connected to a Facebook Page.
    Facebook,
}

impl SourceKind {
    /// The name used in config and messages.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Instagram => "instagram",
            SourceKind::Facebook => "facebook",
        }
    }
}

/// An output image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// Lossy WebP: the smaller file, served through `<source type="image/webp">`.
    Webp,
    /// Baseline JPEG with 4:2:0 chroma: the fallback every browser decodes.
    Jpeg,
    /// AVIF (rav1e): smallest files, but 3–27× slower to encode; opt-in.
    Avif,
}

impl ImageFormat {
    /// The file extension, also the name used in config and JSON.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Webp => "webp",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Avif => "avif",
        }
    }

    /// The MIME type for `<source type=…>`.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Webp => "image/webp",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Avif => "image/avif",
        }
    }

    /// The name used in config and in the JSON data file.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Webp => "webp",
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Avif => "avif",
        }
    }
}

/// Encoder settings of a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeSettings {
    /// WebP quality, 1–100.
    pub webp_quality: u8,
    /// JPEG quality, 1–100.
    pub jpeg_quality: u8,
    /// WebP method, 0 (fastest) … 6 (smallest); AVIF speed is `10 - effort`.
    pub effort: u8,
}

/// AVIF quality used with a given WebP quality: AVIF's scale is steeper, and
/// q60 AVIF looks like q80 WebP on photographs.
fn avif_quality(webp_quality: u8) -> u8 {
    (u32::from(webp_quality) * 3 / 4).clamp(1, 100) as u8
}

impl EncodeSettings {
    /// The quality used for `format`.
    pub fn quality(&self, format: ImageFormat) -> u8 {
        match format {
            ImageFormat::Webp => self.webp_quality,
            ImageFormat::Jpeg => self.jpeg_quality,
            ImageFormat::Avif => avif_quality(self.webp_quality),
        }
    }

    /// The effort recorded for `format` (JPEG has none: 0).
    pub fn effort(&self, format: ImageFormat) -> u8 {
        match format {
            ImageFormat::Webp | ImageFormat::Avif => self.effort,
            ImageFormat::Jpeg => 0,
        }
    }
}

/// A placeholder shown while an image loads: its average colour and a tiny
/// blurred preview as a `data:` URI (no JavaScript needed to show either).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Placeholder {
    /// `#rrggbb`: the average colour.
    pub color: String,
    /// `data:image/webp;base64,…`, 16 px wide, a few hundred bytes.
    pub lqip: String,
}

impl Placeholder {
    /// Whether this is what [`crate::media::pipeline::placeholder`] makes: `#rrggbb` and a WebP data
    /// URL of base64 under 4 KB. Both are pasted into a `style` attribute, so
    /// one read from a cache is used only when it passes.
    pub fn is_sound(&self) -> bool {
        let hex = self.color.strip_prefix('#').unwrap_or("");
        let b64 = self
            .lqip
            .strip_prefix("data:image/webp;base64,")
            .unwrap_or("");
        hex.len() == 6
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
            && !b64.is_empty()
            && b64.len() <= 4096
            && b64
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    }
}
