//! The views both outputs are made from: posts, images and the account,
//! with every URL resolved against `output.base_url`, once.

use chrono::SecondsFormat;
use serde::Serialize;

use crate::config::OutputConfig;
use crate::kinds::{ImageFormat, Placeholder};
use crate::lang::{Key, Language};
use crate::manifest::{AssetEntry, Variant};
use crate::model::{Feed, Post};
use crate::output::MEDIA_DIR;
use crate::render::caption;

/// Longest alt text taken from a caption, in characters.
pub(super) const ALT_MAX_CHARS: usize = 250;

/// One image of a post, with URLs resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageView {
    /// The asset id.
    pub asset_id: String,
    /// `image` or `video_poster`.
    pub role: &'static str,
    /// Intrinsic width of the largest variant.
    pub width: u32,
    /// Intrinsic height of the largest variant.
    pub height: u32,
    /// `<source>` elements for the preferred formats: (MIME type, srcset).
    pub sources: Vec<(&'static str, String)>,
    /// `src` of the `<img>`: the fallback format near 640 px.
    pub src: String,
    /// `srcset` of the `<img>`, in the fallback format.
    pub srcset: String,
    /// The `sizes` attribute: the configured one, widened for landscape images
    /// that the grid crops to squares (they fill the cell by height).
    pub sizes: String,
    /// Every variant, for the JSON.
    pub variants: Vec<VariantView>,
    /// Average colour and tiny preview shown while the image loads.
    pub placeholder: Option<Placeholder>,
    /// The `dir` of the image, when its alt text runs against the feed's
    /// language (an Arabic caption in a German feed, and the reverse).
    pub alt_dir: Option<&'static str>,
}

impl ImageView {
    /// The inline style that paints the placeholder under the image (empty without one).
    pub fn placeholder_style(&self) -> String {
        match &self.placeholder {
            Some(p) => format!(
                "background:{} url({}) center/cover no-repeat",
                p.color, p.lqip
            ),
            None => String::new(),
        }
    }
}

/// One file of an image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantView {
    /// URL, with `base_url` applied.
    pub url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `webp` or `jpeg`.
    pub format: &'static str,
    /// Size in bytes.
    pub bytes: u64,
}

/// A video file of the site's own, played in the post viewer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoView {
    /// URL, with `base_url` applied.
    pub url: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// One post, ready for templates.
#[derive(Debug, Clone, PartialEq)]
pub struct PostView {
    /// The media id.
    pub id: String,
    /// One of the first `output.eager` posts: its images load at once, with
    /// high priority (the rest wait until they near the viewport).
    pub eager: bool,
    /// `image`, `video` or `carousel`.
    pub kind: &'static str,
    /// The instagram.com link, if the API gave a valid one.
    pub permalink: Option<String>,
    /// RFC 3339, UTC.
    pub timestamp: String,
    /// The date for humans, in `output.date_format` and the feed's language.
    pub date: String,
    /// The date that does not age ("Nov 29, 2026"), for labels, alt text and
    /// the tooltip of a relative date.
    pub fixed_date: String,
    /// The caption as written.
    pub caption: Option<String>,
    /// Alt text: the author's, else the caption trimmed, else a description.
    pub alt: String,
    /// Alt text of each image: [`Self::alt`], then "(2 of 3)" and on.
    pub alts: Vec<String>,
    /// The images, in album order; never empty.
    pub images: Vec<ImageView>,
    /// The caption as shown: cut to `output.caption_length` graphemes, in parts.
    pub caption_parts: Vec<caption::Part>,
    /// The whole caption in parts, links included, for the post viewer
    /// (`output.viewer`; empty otherwise).
    pub full_caption: Vec<caption::Part>,
    /// Likes, when the source was asked for counts and the owner shows them.
    pub like_count: Option<u64>,
    /// The account's username, for labels.
    pub username: String,
    /// A video post's video file, when one was downloaded (`images.video = "mp4"`).
    pub video: Option<VideoView>,
    /// Comments, when the source was asked for counts.
    pub comments_count: Option<u64>,
    /// "12 likes · 3 comments" in the feed's language (empty without counts).
    pub counts: String,
    /// The viewer dialog's accessible name: "Post by @user, date".
    pub viewer_label: String,
}

impl PostView {
    /// The image shown in the grid.
    pub fn cover(&self) -> &ImageView {
        &self.images[0]
    }

    /// The caption on one line, cut like alt text: the post's name for
    /// microformats when captions are not shown (empty without a caption).
    pub fn name(&self) -> String {
        self.caption
            .as_deref()
            .map(|c| trimmed(c, ALT_MAX_CHARS))
            .unwrap_or_default()
    }

    /// Alt text of the `index`-th image (1-based) of an album.
    pub fn image_alt(&self, index: usize) -> &str {
        self.alts.get(index.saturating_sub(1)).unwrap_or(&self.alt)
    }

    /// The date's tooltip: the fixed date, when the date shown is relative.
    pub fn date_title(&self) -> Option<&str> {
        (self.fixed_date != self.date).then_some(self.fixed_date.as_str())
    }
}

/// The account a feed shows, ready for the profile header and the JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    /// The account's id.
    pub id: String,
    /// The username, without `@`.
    pub username: String,
    /// The profile on instagram.com.
    pub url: String,
    /// The display name, when read.
    pub name: Option<String>,
    /// Followers, when read.
    pub followers_count: Option<u64>,
    /// Posts on the profile, when read.
    pub media_count: Option<u64>,
    /// The profile picture's variants, when the header is on and it was made.
    pub avatar: Option<ImageView>,
    /// "120 posts · 4,512 followers" in the feed's language (empty without counts).
    pub counts: String,
}

/// The size, in CSS pixels, at which the header shows the profile picture.
pub const AVATAR_CSS_PX: u32 = 48;

/// The view of the feed's account; its avatar from the variants made for it.
pub fn account_view(
    feed: &Feed,
    entries: &std::collections::BTreeMap<String, AssetEntry>,
    output: &OutputConfig,
    formats: &[ImageFormat],
    lang: &Language,
) -> AccountView {
    let a = &feed.account;
    let avatar = a.avatar.as_ref().and_then(|asset| {
        let entry = entries.get(&asset.id)?;
        let mut view = image_view(&asset.id, asset.role.as_str(), entry, output, formats)?;
        view.sizes = format!("{AVATAR_CSS_PX}px");
        view.placeholder = None;
        Some(view)
    });
    AccountView {
        id: a.id.clone(),
        username: a.username.clone(),
        url: a.profile_url(),
        name: a.name.clone(),
        followers_count: a.followers_count,
        media_count: a.media_count,
        avatar,
        counts: counts(
            lang,
            &[
                (a.media_count, Key::Posts),
                (a.followers_count, Key::Followers),
            ],
        ),
    }
}

/// The counts there are, each in its plural form, joined by " · " (empty without any).
fn counts(lang: &Language, items: &[(Option<u64>, Key)]) -> String {
    items
        .iter()
        .filter_map(|&(count, key)| Some(lang.count(key, count?)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// `sizes` with every length multiplied by `factor` (for cropped landscapes).
pub fn scaled_sizes(sizes: &str, factor: f64) -> String {
    if factor <= 1.01 {
        return sizes.to_string();
    }
    sizes
        .split(',')
        .map(|entry| {
            let entry = entry.trim();
            let (media, length) = match entry.rfind(')') {
                Some(i) => (&entry[..=i], entry[i + 1..].trim()),
                None => ("", entry),
            };
            let scaled = format!("calc({length} * {factor:.3})");
            if media.is_empty() {
                scaled
            } else {
                format!("{media} {scaled}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the views of the posts whose assets have variants; posts without any are left out.
pub fn views(
    feed: &Feed,
    entries: &std::collections::BTreeMap<String, AssetEntry>,
    output: &OutputConfig,
    formats: &[ImageFormat],
    lang: &Language,
) -> Vec<PostView> {
    let mut views: Vec<PostView> = feed
        .posts
        .iter()
        .filter_map(|post| post_view(post, &feed.account.username, entries, output, formats, lang))
        .collect();
    for view in views.iter_mut().take(output.eager) {
        view.eager = true;
    }
    views
}

pub(super) fn media_url(output: &OutputConfig, file: &str) -> String {
    format!("{}{MEDIA_DIR}/{file}", output.base_url)
}

fn srcset(output: &OutputConfig, vs: &[&Variant]) -> String {
    vs.iter()
        .map(|v| format!("{} {}w", media_url(output, &v.file), v.width))
        .collect::<Vec<_>>()
        .join(", ")
}

fn image_view(
    asset_id: &str,
    role: &'static str,
    entry: &AssetEntry,
    output: &OutputConfig,
    formats: &[ImageFormat],
) -> Option<ImageView> {
    let fallback = *formats.last()?;
    let of = |f: ImageFormat| -> Vec<&Variant> {
        entry.variants.iter().filter(|v| v.format == f).collect()
    };
    let fallback_vs = of(fallback);
    let largest = *fallback_vs.last()?;
    // 640 px covers a grid cell at DPR 2 on phones; browsers pick better from srcset.
    let src = fallback_vs
        .iter()
        .find(|v| v.width >= 640)
        .unwrap_or(&largest);
    let sources = formats[..formats.len() - 1]
        .iter()
        .filter_map(|&f| {
            let vs = of(f);
            (!vs.is_empty()).then(|| (f.mime(), srcset(output, &vs)))
        })
        .collect();
    let crop = if output.layout == crate::config::Layout::Grid {
        f64::from(largest.width) / f64::from(largest.height.max(1))
    } else {
        1.0
    };
    Some(ImageView {
        sizes: scaled_sizes(&output.sizes, crop),
        asset_id: asset_id.to_string(),
        role,
        width: largest.width,
        height: largest.height,
        sources,
        src: media_url(output, &src.file),
        srcset: srcset(output, &fallback_vs),
        variants: entry
            .variants
            .iter()
            .map(|v| VariantView {
                url: media_url(output, &v.file),
                width: v.width,
                height: v.height,
                format: v.format.name(),
                bytes: v.bytes,
            })
            .collect(),
        placeholder: entry.placeholder.clone(),
        alt_dir: None,
    })
}

/// Collapses whitespace and cuts at a character boundary with an ellipsis.
pub(super) fn trimmed(text: &str, max: usize) -> String {
    caption::truncate(&caption::one_line(text), max)
}

/// A post's alt text: the author's, else the caption trimmed, else "Photo by …".
fn post_alt(post: &Post, lang: &Language, by: &[(&str, &str)]) -> String {
    post.alt_text
        .as_deref()
        .map(|a| trimmed(a, ALT_MAX_CHARS * 4))
        .or_else(|| post.caption.as_deref().map(|c| trimmed(c, ALT_MAX_CHARS)))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| {
            let what = match post.kind {
                crate::model::PostKind::Video => Key::VideoBy,
                _ => Key::PhotoBy,
            };
            lang.text(what, by)
        })
}

/// Each image's alt text: the post's for the first, "… (image i of n)" after.
fn image_alts(alt: &str, n: usize, lang: &Language) -> Vec<String> {
    let total = lang.number(n as u64);
    (1..=n)
        .map(|i| match i {
            1 => alt.to_string(),
            i => lang.text(
                Key::ImageOf,
                &[("alt", alt), ("i", &lang.number(i as u64)), ("n", &total)],
            ),
        })
        .collect()
}

fn post_view(
    post: &Post,
    username: &str,
    entries: &std::collections::BTreeMap<String, AssetEntry>,
    output: &OutputConfig,
    formats: &[ImageFormat],
    lang: &Language,
) -> Option<PostView> {
    let mut images: Vec<ImageView> = post
        .assets
        .iter()
        .filter_map(|a| {
            let entry = entries.get(&a.id)?;
            image_view(&a.id, a.role.as_str(), entry, output, formats)
        })
        .collect();
    if images.is_empty() {
        return None;
    }
    let date = lang.date(post.timestamp);
    let fixed_date = lang.fixed_date(post.timestamp);
    let by = [("user", username), ("date", fixed_date.as_str())];
    let alt = post_alt(post, lang, &by);
    let alt_dir = match crate::text::runs_right_to_left(&alt) {
        Some(rtl) if rtl != lang.rtl() => Some(if rtl { "rtl" } else { "ltr" }),
        _ => None,
    };
    for image in &mut images {
        image.alt_dir = alt_dir;
    }
    let alts = image_alts(&alt, images.len(), lang);
    let caption_parts = match (&post.caption, output.captions) {
        (Some(c), true) => caption::parts(
            &caption::truncate(c, output.caption_length),
            output.caption_links,
        ),
        _ => Vec::new(),
    };
    let full_caption = match (&post.caption, output.viewer) {
        (Some(c), true) => caption::parts(c, true),
        _ => Vec::new(),
    };
    Some(PostView {
        caption_parts,
        full_caption,
        username: username.to_string(),
        video: post.video.as_ref().and_then(|v| {
            Some(VideoView {
                url: media_url(output, v.file.as_deref()?),
                bytes: v.bytes,
            })
        }),
        like_count: post.like_count,
        comments_count: post.comments_count,
        id: post.id.clone(),
        eager: false,
        kind: post.kind.as_str(),
        permalink: post.permalink.as_ref().map(|u| u.to_string()),
        timestamp: post.timestamp.to_rfc3339_opts(SecondsFormat::Secs, true),
        counts: counts(
            lang,
            &[
                (post.like_count, Key::Likes),
                (post.comments_count, Key::Comments),
            ],
        ),
        viewer_label: lang.text(Key::PostBy, &by),
        date,
        fixed_date,
        caption: post.caption.clone(),
        alt,
        alts,
        images,
    })
}
