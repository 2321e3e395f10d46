//! JSON Feed 1.1 and Atom, from the same views as the fragment.
//!
//! Feed readers fetch from anywhere, so every URL here is absolute: written
//! only when `output.site_url` says where the site lives. Timestamps come from
//! the posts (the newest one is the feed's `updated`), never from the clock, so
//! a rebuild with nothing new rewrites nothing.

use askama::Template;
use serde::Serialize;
use url::Url;

use super::{ImageView, PostView, caption};
use crate::config::OutputConfig;
use crate::error::Error;
use crate::lang::Language;
use crate::model::Account;

fn absolute(site: &Url, url: &str) -> String {
    site.join(url)
        .map_or_else(|_| url.to_string(), |u| u.to_string())
}

fn escape(text: &str) -> String {
    crate::text::escaped(text, crate::text::Escape::Html)
}

fn largest(image: &ImageView) -> Option<&super::VariantView> {
    image
        .variants
        .iter()
        .filter(|v| v.format == "jpeg")
        .max_by_key(|v| v.width)
        .or_else(|| image.variants.iter().max_by_key(|v| v.width))
}

/// The HTML body of one post in a feed reader: its images and caption.
fn content_html(post: &PostView, site: &Url) -> String {
    let mut html = String::new();
    for (i, image) in post.images.iter().enumerate() {
        if let Some(v) = largest(image) {
            html.push_str(&format!(
                "<p><img src=\"{}\" width=\"{}\" height=\"{}\" alt=\"{}\"></p>",
                escape(&absolute(site, &v.url)),
                v.width,
                v.height,
                escape(post.image_alt(i + 1))
            ));
        }
    }
    if let Some(c) = &post.caption {
        html.push_str(&format!("<p>{}</p>", escape(c).replace('\n', "<br>")));
    }
    html
}

fn title(post: &PostView) -> String {
    match &post.caption {
        Some(c) if !c.trim().is_empty() => caption::truncate(&caption::one_line(c), 80),
        _ => post.viewer_label.clone(),
    }
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    home_page_url: String,
    feed_url: String,
    authors: [JsonAuthor; 1],
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonAuthor {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    title: String,
    content_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    date_published: &'a str,
}

/// The JSON Feed 1.1 document.
pub fn json_feed(
    account: &Account,
    posts: &[PostView],
    output: &OutputConfig,
    site: &Url,
    lang: &Language,
) -> String {
    let profile = account.profile_url();
    let doc = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: format!("{} (@{})", super::label(output, lang), account.username),
        language: output.lang.as_deref(),
        home_page_url: site.to_string(),
        feed_url: absolute(site, &format!("{}{}", output.base_url, output.jsonfeed)),
        authors: [JsonAuthor {
            name: format!("@{}", account.username),
            url: profile,
        }],
        items: posts
            .iter()
            .map(|p| JsonItem {
                id: &p.id,
                url: p.permalink.as_deref(),
                title: title(p),
                content_html: content_html(p, site),
                content_text: p.caption.as_deref(),
                image: largest(p.cover()).map(|v| absolute(site, &v.url)),
                date_published: &p.timestamp,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("feed serializes");
    text.push('\n');
    text
}

/// One Atom entry.
pub struct AtomEntry {
    /// A stable URN for the post.
    pub id: String,
    /// Caption start, or a description.
    pub title: String,
    /// RFC 3339.
    pub published: String,
    /// The post on instagram.com.
    pub link: Option<String>,
    /// Images and caption as HTML (escaped by the template).
    pub html: String,
}

/// The Atom document.
#[derive(Template)]
#[template(path = "atom.xml")]
pub struct AtomTemplate<'a> {
    /// Feed title.
    pub title: String,
    /// A stable URN for the feed.
    pub id: String,
    /// The newest post's time (RFC 3339), or the epoch for an empty feed.
    pub updated: &'a str,
    /// Where this file is served.
    pub self_url: String,
    /// The account's profile page.
    pub profile_url: String,
    /// The account's username.
    pub username: &'a str,
    /// The feed's language (`output.lang`), as `xml:lang`.
    pub lang: Option<&'a str>,
    /// The entries, newest first.
    pub entries: Vec<AtomEntry>,
}

/// The Atom document.
pub fn atom(
    account: &Account,
    posts: &[PostView],
    output: &OutputConfig,
    site: &Url,
    lang: &Language,
) -> Result<String, Error> {
    let t = AtomTemplate {
        title: format!("{} (@{})", super::label(output, lang), account.username),
        id: format!("urn:instagram:user:{}", account.id),
        updated: posts
            .first()
            .map_or("1970-01-01T00:00:00Z", |p| p.timestamp.as_str()),
        self_url: absolute(site, &format!("{}{}", output.base_url, output.atom)),
        profile_url: account.profile_url(),
        username: &account.username,
        lang: output.lang.as_deref(),
        entries: posts
            .iter()
            .map(|p| AtomEntry {
                id: format!("urn:instagram:media:{}", p.id),
                title: title(p),
                published: p.timestamp.clone(),
                link: p.permalink.clone(),
                html: content_html(p, site),
            })
            .collect(),
    };
    let mut xml = t
        .render()
        .map_err(|e| Error::Internal(format!("rendering the Atom feed: {e}")))?;
    xml.push('\n');
    Ok(xml)
}
