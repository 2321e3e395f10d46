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

/// The account a feed shows: the token's own, or one found by Business Discovery.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The app-scoped user id, a string of digits.
    pub id: String,
    /// The public username, without `@`.
    pub username: String,
    /// The profile's display name, when read (profile header, Business Discovery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Followers, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers_count: Option<u64>,
    /// Posts on the profile, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_count: Option<u64>,
    /// The profile picture, downloaded and resized like a post's image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<Asset>,
}

/// What a profile read says beyond the id and username.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The display name.
    pub name: Option<String>,
    /// Followers.
    pub followers_count: Option<u64>,
    /// Posts on the profile.
    pub media_count: Option<u64>,
    /// The profile picture's (signed, expiring) CDN link.
    pub picture: Option<Url>,
}

/// Longest display name kept, in characters (Instagram allows 30; a server may send more).
pub const MAX_NAME_CHARS: usize = 64;

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
    /// A reel's `is_shared_to_feed`: `Some(false)` for a reel that is not on
    /// the profile grid (trial reels too); `None` when the API did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_to_feed: Option<bool>,
    /// Likes, when asked for (`source.counts`) and the owner does not hide them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub like_count: Option<u64>,
    /// Comments, when asked for (`source.counts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments_count: Option<u64>,
    /// The images to show: the photo, a video's poster, or every carousel child's image.
    pub assets: Vec<Asset>,
    /// A video post's video file (`images.video = "mp4"`), when the API gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<Video>,
}

/// The video file of a video post, as Instagram serves it (never transcoded).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Video {
    /// Where to download it; signed, expiring, so never written to the snapshot.
    #[serde(skip)]
    pub url: Option<Url>,
    /// Its name in the content store (`<blake3>.mp4`), once downloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Its size.
    #[serde(default)]
    pub bytes: u64,
}

/// One image of a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The account's profile picture (the profile header).
    Avatar,
}

impl AssetRole {
    /// The lowercase name used in the JSON data file.
    pub fn as_str(self) -> &'static str {
        match self {
            AssetRole::Image => "image",
            AssetRole::VideoPoster => "video_poster",
            AssetRole::Avatar => "avatar",
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

/// Longest media id accepted: real ones are 17-19 digits.
const MAX_ID_LEN: usize = 32;

/// Whether `id` is a Graph media or user id: a short string of ASCII digits.
/// Ids reach URLs, `feed.json` and Atom `<id>`s, so nothing else is accepted.
pub fn is_graph_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `name` is a video's name in the content store: 32 hex digits and `.mp4`.
pub fn is_video_name(name: &str) -> bool {
    name.strip_suffix(".mp4").is_some_and(|hash| {
        hash.len() == 32 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Whether `id` is an asset id feedgen makes: a media id, one plus
/// `:poster`, or an account id plus `:avatar-` and 12 hex digits.
pub fn is_asset_id(id: &str) -> bool {
    if let Some((account, hash)) = id.split_once(":avatar-") {
        return is_graph_id(account)
            && hash.len() == AVATAR_HASH_LEN
            && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    }
    is_graph_id(id.strip_suffix(":poster").unwrap_or(id))
}

const AVATAR_HASH_LEN: usize = 12;

/// The profile picture at `url` as an asset of account `account_id`. Its id
/// carries a hash of the CDN path, which names the picture (the query is a
/// signature that changes on every read): a new picture is a new asset,
/// the same one is downloaded once.
pub fn avatar_asset(account_id: &str, url: Url) -> Asset {
    let hash = blake3::hash(url.path().as_bytes()).to_hex();
    Asset {
        id: format!("{account_id}:avatar-{}", &hash[..AVATAR_HASH_LEN]),
        role: AssetRole::Avatar,
        url: Some(url),
        original: None,
    }
}

/// Only links to instagram.com posts are kept; anything else is never rendered.
pub fn is_post_permalink(url: &Url) -> bool {
    url.scheme() == "https"
        && url.host_str() == Some("www.instagram.com")
        && url.port().is_none()
        && url.username().is_empty()
        && url.password().is_none()
}

/// Removes the characters XML 1.0 forbids (C0 controls but tab, newline and
/// carriage return; the non-characters U+FFFE and U+FFFF): a caption holding
/// one would make `atom.xml` invalid, and they are invisible in HTML anyway.
pub fn strip_xml_invalid(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        (c.is_control() && c <= '\u{1f}' && !matches!(c, '\t' | '\n' | '\r'))
            || c == '\u{fffe}'
            || c == '\u{ffff}'
    };
    if text.contains(bad) {
        std::borrow::Cow::Owned(text.chars().filter(|&c| !bad(c)).collect())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A display name as it may be shown: one line, no control or XML-invalid
/// characters, at most [`MAX_NAME_CHARS`]; `None` when nothing is left.
fn clean_name(name: &str) -> Option<String> {
    let clean: String = strip_xml_invalid(name)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_NAME_CHARS)
        .collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| clean.to_string())
}

impl Account {
    /// The account as the API names it: the id must be a Graph id (it reaches
    /// URLs and paths); a username is kept without control characters and
    /// cut to 64 characters (Instagram's are at most 30), or the id stands in.
    pub fn from_api(id: String, username: Option<String>) -> Result<Account, crate::Error> {
        if !is_graph_id(&id) {
            return Err(crate::error::ApiError::Unexpected {
                url: "/me".into(),
                status: 200,
                reason: format!(
                    "the account id {:?} is not a string of digits",
                    crate::secret::printable(&id)
                ),
            }
            .into());
        }
        let username = username
            .map(|u| {
                u.chars()
                    .filter(|c| !c.is_control() && !c.is_whitespace())
                    .take(64)
                    .collect::<String>()
            })
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| id.clone());
        Ok(Account {
            id,
            username,
            name: None,
            followers_count: None,
            media_count: None,
            avatar: None,
        })
    }

    /// Adds what a profile read says: the name cleaned like a caption and
    /// cut, the picture as an [`avatar_asset`].
    pub fn with_profile(mut self, profile: Profile) -> Account {
        self.name = profile.name.as_deref().and_then(clean_name);
        self.followers_count = profile.followers_count;
        self.media_count = profile.media_count;
        self.avatar = profile.picture.map(|url| avatar_asset(&self.id, url));
        self
    }

    /// Checks an account read from a snapshot, which feedgen does not trust:
    /// the id must be a Graph id; a name is cleaned again, an avatar whose id
    /// is not one feedgen makes for this account is dropped.
    pub fn check(&mut self) -> Result<(), String> {
        if !is_graph_id(&self.id) {
            return Err(format!(
                "the account id {} is not a string of digits",
                crate::secret::printable(&self.id)
            ));
        }
        self.name = self.name.as_deref().and_then(clean_name);
        let own = format!("{}:avatar-", self.id);
        if self.avatar.as_ref().is_some_and(|a| {
            !is_asset_id(&a.id) || !a.id.starts_with(&own) || a.role != AssetRole::Avatar
        }) {
            self.avatar = None;
        }
        Ok(())
    }

    /// The account's page on instagram.com; the username is percent-encoded as
    /// one path segment, so a hostile one cannot change where the link points.
    pub fn profile_url(&self) -> String {
        let mut url = Url::parse("https://www.instagram.com/").expect("a valid URL");
        url.path_segments_mut()
            .expect("an https URL has path segments")
            .pop_if_empty()
            .push(&self.username)
            .push("");
        url.to_string()
    }
}

impl Post {
    /// Checks a post read from the API or a snapshot, neither of which feedgen
    /// trusts: a post whose id or date cannot be published as they are is
    /// refused (the reason names it); text is cleaned of XML-invalid
    /// characters and a permalink off instagram.com is dropped. Ids are
    /// printed with [`crate::secret::printable`], as they came from a server.
    pub fn check(&mut self) -> Result<(), String> {
        if !is_graph_id(&self.id) {
            return Err(format!(
                "post {}: its id is not a string of digits; skipped",
                crate::secret::printable(&self.id)
            ));
        }
        // RFC 3339 (Atom, JSON Feed) has four-digit years only.
        let year = chrono::Datelike::year(&self.timestamp);
        if !(1..=9999).contains(&year) {
            return Err(format!(
                "post {}: its timestamp has the year {year}, which no feed format can carry; skipped",
                self.id
            ));
        }
        if let Some(a) = self.assets.iter().find(|a| !is_asset_id(&a.id)) {
            return Err(format!(
                "post {}: its image id {} is not a string of digits; skipped",
                self.id,
                crate::secret::printable(&a.id)
            ));
        }
        if self
            .permalink
            .as_ref()
            .is_some_and(|u| !is_post_permalink(u))
        {
            self.permalink = None;
        }
        // Only a video post has a video, and only a file name feedgen makes.
        if self.kind != PostKind::Video {
            self.video = None;
        }
        if let Some(v) = &mut self.video
            && v.file.as_deref().is_some_and(|f| !is_video_name(f))
        {
            v.file = None;
        }
        for text in [&mut self.caption, &mut self.alt_text]
            .into_iter()
            .flatten()
        {
            if let std::borrow::Cow::Owned(clean) = strip_xml_invalid(text) {
                *text = clean;
            }
        }
        Ok(())
    }
}

/// The shortcode of an Instagram post link (`/p/<code>/`, `/reel/<code>/`,
/// `/tv/<code>/`, also under a user name: `/<user>/p/<code>/`).
pub fn shortcode(url: &url::Url) -> Option<String> {
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let code = match segments.as_slice() {
        ["p" | "reel" | "reels" | "tv", code, ..] => code,
        [_user, "p" | "reel" | "tv", code, ..] => code,
        _ => return None,
    };
    is_code(code).then(|| code.to_string())
}

/// Whether `text` can be a post's shortcode: base64url letters, at most 64
/// (11 today, fewer on old posts, longer on private ones).
pub fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The shortcode a post is named by: a bare code, or a post link with or
/// without scheme and `www.` (`instagram.com/p/CODE/`, `/reel/`, `/tv/`).
pub fn post_code(text: &str) -> Option<String> {
    let t = text.trim();
    if is_code(t) && !is_graph_id(t) {
        return Some(t.to_string());
    }
    link_code(t)
}

/// The shortcode of a post link, with or without scheme and `www.`
/// (`instagram.com/p/CODE/?igsh=…`); `None` for anything else.
pub fn link_code(text: &str) -> Option<String> {
    let t = text.trim();
    let with_scheme = if t.starts_with("http://") || t.starts_with("https://") {
        t.to_string()
    } else {
        format!("https://{t}")
    };
    url::Url::parse(&with_scheme)
        .ok()
        .filter(|u| matches!(u.host_str(), Some("www.instagram.com" | "instagram.com")))
        .and_then(|u| shortcode(&u))
}

/// The shortcode in a post's permalink, if it has one.
pub fn code_of(post: &Post) -> Option<String> {
    post.permalink.as_ref().and_then(shortcode)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: &str) -> Post {
        Post {
            id: id.into(),
            kind: PostKind::Image,
            caption: Some("a\u{0}b\u{1b}[31mc\td\u{ffff}".into()),
            alt_text: None,
            permalink: Some(Url::parse("javascript:alert(1)").unwrap()),
            timestamp: "2026-11-30T10:00:00Z".parse().unwrap(),
            reel: false,
            shared_to_feed: None,
            like_count: None,
            comments_count: None,
            video: None,
            assets: vec![Asset {
                id: id.into(),
                role: AssetRole::Image,
                url: None,
                original: None,
            }],
        }
    }

    #[test]
    fn check_cleans_text_and_drops_foreign_links() {
        let mut p = post("17895695668004550");
        p.check().unwrap();
        assert_eq!(p.caption.as_deref(), Some("ab[31mc\td"));
        assert_eq!(p.permalink, None);
    }

    #[test]
    fn check_refuses_ids_and_years_no_feed_can_carry() {
        for id in ["", "12a", "../x", "1\r\n::error::x", &"9".repeat(40)] {
            let err = post(id).check().unwrap_err();
            assert!(!err.contains('\r') && !err.contains('\n'), "{err:?}");
        }
        let mut p = post("1");
        p.timestamp = chrono::DateTime::from_timestamp(300_000_000_000, 0).unwrap();
        assert!(p.check().unwrap_err().contains("year"));
        let mut p = post("1");
        p.assets[0].id = "1:../../x".into();
        assert!(p.check().is_err());
    }

    #[test]
    fn profile_url_keeps_a_hostile_username_in_one_segment() {
        let a = |u: &str| Account {
            id: "1".into(),
            username: u.into(),
            ..Account::default()
        };
        assert_eq!(
            a("jane.doe").profile_url(),
            "https://www.instagram.com/jane.doe/"
        );
        let evil = a("../../evil.example/?x=#y").profile_url();
        assert!(evil.starts_with("https://www.instagram.com/"), "{evil}");
        assert!(!evil.contains('?') && !evil.contains('#'), "{evil}");
        assert_eq!(
            Url::parse(&evil).unwrap().path_segments().unwrap().count(),
            2
        );
    }
}
