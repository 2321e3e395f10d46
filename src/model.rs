//! The feed as feedgen understands it: plain data, independent of any API's JSON.
//!
//! Sources produce a [`Feed`]; the media stage attaches an [`Original`] to each
//! [`Asset`]; rendering reads it. The same types are serialized as the recorded
//! snapshot (see [`crate::source::snapshot`]), which is why they derive serde.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// One Instagram account's recent media, in the order the API returned it (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    /// Whose feed this is.
    pub account: Account,
    /// The posts, newest first.
    pub posts: Vec<Post>,
}

/// The account the token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The app-scoped user id, a string of digits.
    pub id: String,
    /// The public username, without `@`.
    pub username: String,
}

/// What kind of post this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    /// A single photo.
    Image,
    /// A video or reel; feedgen shows its poster image.
    Video,
    /// An album of photos and videos.
    Carousel,
}

impl PostKind {
    /// The lowercase name used in CSS classes and the JSON data file.
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Image => "image",
            PostKind::Video => "video",
            PostKind::Carousel => "carousel",
        }
    }
}

/// One post of the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    /// The media id (a string of digits on the real API; never used to build a path).
    pub id: String,
    /// Image, video or carousel.
    pub kind: PostKind,
    /// The caption as written, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Alt text set by the author (Instagram API with Instagram Login only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
    /// The post's page on instagram.com; only `https://www.instagram.com/` URLs are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<Url>,
    /// When it was published.
    pub timestamp: DateTime<Utc>,
    /// Whether it was published as a reel (`media_product_type` `REELS`, or a `/reel/` permalink).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reel: bool,
    /// Likes, when asked for (`source.counts`) and the owner does not hide them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub like_count: Option<u64>,
    /// Comments, when asked for (`source.counts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments_count: Option<u64>,
    /// The images to show: the photo, a video's poster, or every carousel child's image.
    pub assets: Vec<Asset>,
}

/// One image of a post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Stable id: the media id, or the child's id for carousels, plus `:poster` for video posters.
    pub id: String,
    /// Whether this is a photo or a video's poster frame.
    pub role: AssetRole,
    /// Where to download it from. Signed CDN URLs expire within days, so this is
    /// never written to the snapshot; [`Asset::original`] is what persists.
    #[serde(skip)]
    pub url: Option<Url>,
    /// The downloaded source image in the snapshot, once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<Original>,
}

/// Whether an asset is a photo or stands in for a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetRole {
    /// A photo.
    Image,
    /// The poster frame (`thumbnail_url`) of a video.
    VideoPoster,
}

impl AssetRole {
    /// The lowercase name used in the JSON data file.
    pub fn as_str(self) -> &'static str {
        match self {
            AssetRole::Image => "image",
            AssetRole::VideoPoster => "video_poster",
        }
    }
}

/// A source image as downloaded, stored under the blake3 hash of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Original {
    /// File name inside the snapshot's `originals/` folder: `<blake3 hex>.<ext>`.
    pub file: String,
    /// Width after EXIF orientation, in pixels.
    pub width: u32,
    /// Height after EXIF orientation, in pixels.
    pub height: u32,
}
