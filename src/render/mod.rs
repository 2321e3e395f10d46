//! Views and rendering: the HTML fragment, the standalone page and the JSON data file.
//!
//! Both outputs are built from the same [`PostView`]s, so HTML and JSON never
//! disagree. URLs are resolved here, once, against `output.base_url`.
//!
//! Captions are user text that ends up inside other people's templates. The
//! HTML escaper ([`SsgSafeHtml`]) therefore encodes `{`, `}` and `%` as well as
//! the usual `<>&"'`, so a caption such as `{{ site.title }}` or
//! `{% include x %}` stays inert when Jekyll, Eleventy, Hugo or Astro pull the
//! fragment in. The JSON escapes `<`, `>` and `&` so it is safe to inline in a
//! `<script>` element.

/// Captions for display (the rules live in [`crate::text`]).
pub use crate::text as caption;
pub mod feeds;

use std::fmt;

use askama::Template;
use chrono::SecondsFormat;
use serde::Serialize;

use crate::config::OutputConfig;
use crate::error::Error;
use crate::kinds::{ImageFormat, Placeholder};
use crate::lang::{Key, Language};
use crate::manifest::{AssetEntry, Variant};
use crate::model::{Feed, Post};
use crate::output::MEDIA_DIR;

/// Version of the JSON data file's schema (documented in `docs/reference/json.md`).
pub const JSON_SCHEMA_VERSION: u32 = 1;
/// Longest alt text taken from a caption, in characters.
const ALT_MAX_CHARS: usize = 250;

/// askama escaper for HTML that is also inert in SSG template languages.
#[derive(Debug, Clone, Copy, Default)]
pub struct SsgSafeHtml;

impl askama::filters::Escaper for SsgSafeHtml {
    fn write_escaped_str<W: fmt::Write>(&self, dest: W, s: &str) -> fmt::Result {
        crate::text::write_escaped(dest, s, crate::text::Escape::Inert)
    }
}

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
    feed.posts
        .iter()
        .filter_map(|post| post_view(post, &feed.account.username, entries, output, formats, lang))
        .collect()
}

fn media_url(output: &OutputConfig, file: &str) -> String {
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
fn trimmed(text: &str, max: usize) -> String {
    caption::truncate(&caption::one_line(text), max)
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
    let alt = post
        .alt_text
        .as_deref()
        .map(|a| trimmed(a, ALT_MAX_CHARS * 4))
        .or_else(|| post.caption.as_deref().map(|c| trimmed(c, ALT_MAX_CHARS)))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| {
            let what = match post.kind {
                crate::model::PostKind::Video => Key::VideoBy,
                _ => Key::PhotoBy,
            };
            lang.text(what, &by)
        });
    let alt_dir = match crate::text::runs_right_to_left(&alt) {
        Some(rtl) if rtl != lang.rtl() => Some(if rtl { "rtl" } else { "ltr" }),
        _ => None,
    };
    for image in &mut images {
        image.alt_dir = alt_dir;
    }
    let total = lang.number(images.len() as u64);
    let alts = (1..=images.len())
        .map(|i| match i {
            1 => alt.clone(),
            i => lang.text(
                Key::ImageOf,
                &[("alt", &alt), ("i", &lang.number(i as u64)), ("n", &total)],
            ),
        })
        .collect();
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

/// The HTML fragment a site includes.
#[derive(Template)]
#[template(path = "feed.html")]
pub struct FragmentTemplate<'a> {
    /// Accessible label of the section.
    pub label: String,
    /// `grid`, `masonry` or `carousel`.
    pub layout: &'a str,
    /// Whether captions are shown.
    pub captions: bool,
    /// Whether an album shows all its images (masonry, carousel) or its first (grid).
    pub show_all_images: bool,
    /// Stylesheet URL, when the theme CSS is written.
    pub css_href: Option<String>,
    /// The `sizes` attribute.
    pub sizes: &'a str,
    /// The posts shown at first.
    pub posts: &'a [PostView],
    /// The posts behind "Show more" (`output.initial`), empty without it.
    pub more: &'a [PostView],
    /// The "Show more" button's text.
    pub more_label: String,
    /// The feed's language (`output.lang`), when set.
    pub lang: Option<&'a str>,
    /// Whether each post carries its viewer template (`output.viewer`).
    pub viewer: bool,
    /// The `sizes` of the viewer's images.
    pub viewer_sizes: &'static str,
    /// The viewer script's URL, when `output.viewer` is on.
    pub viewer_src: Option<String>,
    /// The account: the profile header's, and the feed's author (microformats).
    pub account: &'a AccountView,
    /// Whether the profile header is shown (`output.header`).
    pub header: bool,
    /// Whether the header shows the post and follower counts.
    pub header_counts: bool,
    /// "View on Instagram", in the feed's language.
    pub view_on_instagram: String,
    /// The name of the viewer's row of images.
    pub images_label: String,
    /// The viewer's button labels: close, previous image, next image.
    pub viewer_buttons: [String; 3],
}

/// A standalone page around the fragment (the example site, previews).
#[derive(Template)]
#[template(path = "page.html")]
pub struct PageTemplate<'a> {
    /// Page title and heading.
    pub title: &'a str,
    /// The page's `lang`.
    pub lang: &'a str,
    /// Whether the page is written right to left.
    pub rtl: bool,
    /// The account's username.
    pub username: &'a str,
    /// The rendered fragment (already escaped).
    pub fragment: &'a str,
}

#[derive(Serialize)]
struct FeedJson<'a> {
    schema_version: u32,
    generator: String,
    account: AccountJson<'a>,
    posts: Vec<PostJson<'a>>,
}

#[derive(Serialize)]
struct AccountJson<'a> {
    id: &'a str,
    username: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    followers_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar: Option<ImageJson<'a>>,
}

#[derive(Serialize)]
struct PostJson<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    permalink: Option<&'a str>,
    timestamp: &'a str,
    caption: Option<&'a str>,
    alt: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    like_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comments_count: Option<u64>,
    images: Vec<ImageJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    video: Option<&'a VideoView>,
}

#[derive(Serialize)]
struct ImageJson<'a> {
    asset_id: &'a str,
    role: &'a str,
    width: u32,
    height: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    placeholder: Option<&'a Placeholder>,
    /// The fragment's own choice, so integrations load the same files: the
    /// `<img>`'s `src`, `srcset` and `sizes`, and its `<source>`s.
    src: &'a str,
    srcset: &'a str,
    sizes: &'a str,
    sources: Vec<SourceJson<'a>>,
    variants: &'a [VariantView],
}

/// One `<source>` of the fragment's `<picture>`.
#[derive(Serialize)]
struct SourceJson<'a> {
    #[serde(rename = "type")]
    mime: &'a str,
    srcset: &'a str,
}

/// Renders the fragment; with `output.header`, the account's profile header above the posts.
pub fn fragment(
    posts: &[PostView],
    account: &AccountView,
    output: &OutputConfig,
    css_file: Option<&str>,
    lang: &Language,
) -> Result<String, Error> {
    fragment_with(posts, account, output, css_file, None, lang)
}

/// The post viewer's script: opens a post in a `<dialog>` (see `templates/viewer.js`).
pub const VIEWER_JS: &str = include_str!("../../templates/viewer.js");

/// The `sizes` of an image in the post viewer: the dialog's width, up to 1080 px.
pub const VIEWER_SIZES: &str = "(min-width: 1120px) 1080px, 100vw";

/// [`fragment`], with the content-addressed file name of [`VIEWER_JS`] when
/// `output.viewer` is on.
pub fn fragment_with(
    posts: &[PostView],
    account: &AccountView,
    output: &OutputConfig,
    css_file: Option<&str>,
    viewer_file: Option<&str>,
    lang: &Language,
) -> Result<String, Error> {
    let shown = output.initial.unwrap_or(posts.len()).min(posts.len());
    let (posts, more) = posts.split_at(shown);
    let t = FragmentTemplate {
        lang: output.lang.as_deref(),
        viewer: output.viewer && viewer_file.is_some(),
        viewer_sizes: VIEWER_SIZES,
        viewer_src: viewer_file
            .filter(|_| output.viewer)
            .map(|f| media_url(output, f)),
        more,
        more_label: lang.count(Key::ShowMore, more.len() as u64),
        view_on_instagram: lang.text(Key::ViewOnInstagram, &[]),
        images_label: lang.text(Key::Images, &[]),
        viewer_buttons: [Key::Close, Key::PreviousImage, Key::NextImage].map(|k| lang.text(k, &[])),
        account,
        header: output.header,
        header_counts: output.header_counts,
        label: label(output, lang),
        layout: output.layout.name(),
        captions: output.captions,
        show_all_images: output.layout != crate::config::Layout::Grid,
        css_href: css_file.map(|f| media_url(output, f)),
        sizes: &output.sizes,
        posts,
    };
    let mut html = t
        .render()
        .map_err(|e| Error::Internal(format!("rendering the fragment: {e}")))?;
    html.push('\n');
    Ok(html)
}

/// The feed's name: `output.label`, else the language's "Instagram feed".
pub fn label(output: &OutputConfig, lang: &Language) -> String {
    output
        .label
        .clone()
        .unwrap_or_else(|| lang.text(Key::Label, &[]))
}

/// Renders the standalone page around an already rendered fragment.
pub fn page(
    fragment: &str,
    username: &str,
    output: &OutputConfig,
    lang: &Language,
) -> Result<String, Error> {
    let t = PageTemplate {
        title: &label(output, lang),
        lang: lang.tag(),
        rtl: lang.rtl(),
        username,
        fragment,
    };
    let mut html = t
        .render()
        .map_err(|e| Error::Internal(format!("rendering the page: {e}")))?;
    html.push('\n');
    Ok(html)
}

fn image_json(i: &ImageView) -> ImageJson<'_> {
    ImageJson {
        asset_id: &i.asset_id,
        role: i.role,
        width: i.width,
        height: i.height,
        placeholder: i.placeholder.as_ref(),
        src: &i.src,
        srcset: &i.srcset,
        sizes: &i.sizes,
        sources: i
            .sources
            .iter()
            .map(|(mime, srcset)| SourceJson { mime, srcset })
            .collect(),
        variants: &i.variants,
    }
}

/// Renders the JSON data file (schema [`JSON_SCHEMA_VERSION`]).
pub fn json(account: &AccountView, posts: &[PostView]) -> String {
    let doc = FeedJson {
        schema_version: JSON_SCHEMA_VERSION,
        generator: format!("feedgen {}", env!("CARGO_PKG_VERSION")),
        account: AccountJson {
            id: &account.id,
            username: &account.username,
            url: &account.url,
            name: account.name.as_deref(),
            followers_count: account.followers_count,
            media_count: account.media_count,
            avatar: account.avatar.as_ref().map(image_json),
        },
        posts: posts
            .iter()
            .map(|p| PostJson {
                id: &p.id,
                kind: p.kind,
                permalink: p.permalink.as_deref(),
                timestamp: &p.timestamp,
                caption: p.caption.as_deref(),
                alt: &p.alt,
                like_count: p.like_count,
                comments_count: p.comments_count,
                images: p.images.iter().map(image_json).collect(),
                video: p.video.as_ref(),
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&doc).expect("views serialize");
    // `<`, `>` and `&` occur only inside strings here; \u escapes keep the file
    // valid JSON and safe to inline in <script type="application/json">.
    let mut out = text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use askama::filters::Escaper;

    fn esc(s: &str) -> String {
        let mut out = String::new();
        SsgSafeHtml.write_escaped_str(&mut out, s).unwrap();
        out
    }

    #[test]
    fn escaper_neutralises_html_and_template_syntax() {
        assert_eq!(
            esc(r#"<script>"x" & 'y' {{ site.title }} {% include x %} 100%"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39; &#123;&#123; site.title &#125;&#125; &#123;&#37; include x &#37;&#125; 100&#37;"
        );
        assert_eq!(esc("plain ünïcode ✓"), "plain ünïcode ✓");
    }

    #[test]
    fn alt_text_cut_keeps_a_flag_whole() {
        // The cut falls inside the flag (two code points, one grapheme).
        let text = format!("{}🇫🇷 and more", "a".repeat(ALT_MAX_CHARS - 2));
        let cut = trimmed(&text, ALT_MAX_CHARS);
        assert!(cut.ends_with('…'), "{cut}");
        let body = cut.trim_end_matches('…');
        assert!(
            body.ends_with('a') || body.ends_with("🇫🇷"),
            "half a flag: {:?}",
            &body[body.len().saturating_sub(8)..]
        );
        assert!(!body.ends_with('🇫'), "{body}");
    }

    #[test]
    fn trimmed_collapses_and_cuts_on_a_word() {
        assert_eq!(trimmed("  a\n\n b  ", 10), "a b");
        let long = "word ".repeat(100);
        let t = trimmed(&long, 20);
        assert!(t.chars().count() <= 20 && t.ends_with('…'), "{t}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn unescape(s: &str) -> String {
            s.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&#123;", "{")
                .replace("&#125;", "}")
                .replace("&#37;", "%")
                .replace("&amp;", "&")
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(5000))]

            /// Escaped text has no markup or template syntax left, and loses nothing.
            #[test]
            fn captions_are_inert_and_lossless(text in "(.|[<>&\"'{}%])*") {
                let out = esc(&text);
                for c in ['<', '>', '"', '\'', '{', '}', '%'] {
                    prop_assert!(!out.contains(c), "{:?} in {:?}", c, out);
                }
                prop_assert_eq!(unescape(&out), text);
            }
        }
    }
}
