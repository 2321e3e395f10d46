//! The JSON data file: the same views as the fragment, as data.

use serde::Serialize;

use crate::kinds::Placeholder;
use crate::render::{
    AccountView, ImageView, JSON_SCHEMA_VERSION, PostView, VariantView, VideoView,
};

#[derive(Serialize)]
struct FeedJson<'a> {
    schema_version: u32,
    generator: String,
    account: AccountJson<'a>,
    posts: Vec<PostJson<'a>>,
    /// The cards of `[embed]`, by shortcode (absent without `[embed]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    embeds: Option<std::collections::BTreeMap<&'a str, EmbedJson<'a>>>,
}

/// One embedded post's card.
#[derive(Serialize)]
struct EmbedJson<'a> {
    /// Whether the post was found (else the card is a link to it).
    found: bool,
    html: &'a str,
}

/// The cards of `[embed]`: shortcode → (found, HTML).
pub type Embeds = std::collections::BTreeMap<String, (bool, String)>;

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
    json_with_embeds(account, posts, None)
}

/// [`json`] with the cards of `[embed]` as `embeds`, when the feed embeds posts.
pub fn json_with_embeds(
    account: &AccountView,
    posts: &[PostView],
    embeds: Option<&Embeds>,
) -> String {
    let doc = FeedJson {
        embeds: embeds.map(|e| {
            e.iter()
                .map(|(code, (found, html))| {
                    (
                        code.as_str(),
                        EmbedJson {
                            found: *found,
                            html,
                        },
                    )
                })
                .collect()
        }),
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
