//! Cards for single embedded posts (`[embed]`): one post as a fragment of its
//! own, or a plain link when the post cannot be found. Both load nothing
//! from Instagram; the card is the feed's own markup with one post.

use askama::Template;

use crate::config::OutputConfig;
use crate::error::Error;
use crate::lang::{Key, Language};
use crate::render::views::media_url;
use crate::render::{AccountView, FragmentTemplate, PostView, VIEWER_SIZES};

/// The card of a post that cannot be found: a link to it, nothing else.
#[derive(Template)]
#[template(path = "embed-link.html")]
pub struct LinkCardTemplate<'a> {
    /// The post's shortcode.
    pub code: &'a str,
    /// Its link on Instagram.
    pub href: String,
    /// "View on Instagram", in the feed's language.
    pub view_on_instagram: String,
    /// Stylesheet URL, when the theme CSS is written.
    pub css_href: Option<String>,
    /// The feed's language (`output.lang`), when set.
    pub lang: Option<&'a str>,
    /// The click-to-load script's URL (`embed.click_to_load`), when on.
    pub loader_src: Option<String>,
    /// Its button's text.
    pub load_embed: String,
    /// What its click sends to Meta.
    pub load_embed_note: String,
}

/// The click-to-load script (`embed.click_to_load`; see `templates/embed-load.js`).
pub const LOADER_JS: &str = include_str!("../../templates/embed-load.js");

/// Renders the card of one post: its images (an album's all of them), its
/// caption, date and author, with the viewer when `output.viewer` is on.
pub fn card(
    post: &PostView,
    account: &AccountView,
    output: &OutputConfig,
    css_file: Option<&str>,
    viewer_file: Option<&str>,
    lang: &Language,
) -> Result<String, Error> {
    let viewer_src = viewer_file
        .filter(|_| output.viewer)
        .map(|f| media_url(output, f));
    let t = FragmentTemplate {
        label: post.viewer_label.clone(),
        layout: "card",
        portrait: false,
        captions: true,
        show_all_images: true,
        css_href: css_file.map(|f| media_url(output, f)),
        sizes: CARD_SIZES,
        posts: std::slice::from_ref(post),
        more: &[],
        more_label: String::new(),
        lang: output.lang.as_deref(),
        viewer: viewer_src.is_some(),
        viewer_sizes: VIEWER_SIZES,
        viewer_src,
        account,
        header: true,
        header_counts: false,
        view_on_instagram: lang.text(Key::ViewOnInstagram, &[]),
        images_label: lang.text(Key::Images, &[]),
        viewer_buttons: [Key::Close, Key::PreviousImage, Key::NextImage].map(|k| lang.text(k, &[])),
    };
    let mut html = t
        .render()
        .map_err(|e| Error::Internal(format!("rendering an embedded post: {e}")))?;
    html.push('\n');
    Ok(html)
}

/// The `sizes` of a card's images: the card is at most 540 px wide (its CSS).
pub const CARD_SIZES: &str = "(min-width: 560px) 540px, 100vw";

/// Renders the card of a post that cannot be found: a plain link to it, and
/// with `loader_file` (the stored [`LOADER_JS`]) a button that loads Meta's embed.
pub fn link_card(
    code: &str,
    output: &OutputConfig,
    css_file: Option<&str>,
    loader_file: Option<&str>,
    lang: &Language,
) -> Result<String, Error> {
    let t = LinkCardTemplate {
        code,
        href: format!("https://www.instagram.com/p/{code}/"),
        view_on_instagram: lang.text(Key::ViewOnInstagram, &[]),
        css_href: css_file.map(|f| media_url(output, f)),
        lang: output.lang.as_deref(),
        loader_src: loader_file.map(|f| media_url(output, f)),
        load_embed: lang.text(Key::LoadEmbed, &[]),
        load_embed_note: lang.text(Key::LoadEmbedNote, &[]),
    };
    let mut html = t
        .render()
        .map_err(|e| Error::Internal(format!("rendering a link card: {e}")))?;
    html.push('\n');
    Ok(html)
}
