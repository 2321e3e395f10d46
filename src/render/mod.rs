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
pub mod card;
pub mod feeds;
mod json;
mod views;

pub use json::{Embeds, json, json_with_embeds};
use views::media_url;
pub use views::{
    AVATAR_CSS_PX, AccountView, ImageView, PostView, VariantView, VideoView, account_view,
    scaled_sizes, views,
};

use std::fmt;

use askama::Template;

use crate::config::OutputConfig;
use crate::error::Error;
use crate::lang::{Key, Language};

/// Version of the JSON data file's schema (documented in `docs/reference/json.md`).
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// askama escaper for HTML that is also inert in SSG template languages.
#[derive(Debug, Clone, Copy, Default)]
pub struct SsgSafeHtml;

impl askama::filters::Escaper for SsgSafeHtml {
    fn write_escaped_str<W: fmt::Write>(&self, dest: W, s: &str) -> fmt::Result {
        crate::text::write_escaped(dest, s, crate::text::Escape::Inert)
    }
}

/// The HTML fragment a site includes.
#[derive(Template)]
#[template(path = "feed.html")]
pub struct FragmentTemplate<'a> {
    /// Accessible label of the section.
    pub label: String,
    /// `grid`, `masonry` or `carousel`.
    pub layout: &'a str,
    /// Grid tiles in Instagram's 3:4 profile-grid shape (`output.tile = "portrait"`).
    pub portrait: bool,
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
    /// The page's meta description.
    pub description: &'a str,
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
        portrait: output.tile == crate::config::Tile::Portrait,
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
        description: &output
            .description
            .clone()
            .unwrap_or_else(|| lang.text(Key::Description, &[("user", username)])),
    };
    let mut html = t
        .render()
        .map_err(|e| Error::Internal(format!("rendering the page: {e}")))?;
    html.push('\n');
    Ok(html)
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::views::{ALT_MAX_CHARS, trimmed};
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
