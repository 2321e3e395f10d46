//! The API's JSON (`wire`) to the internal model: every field checked, what
//! cannot be shown dropped with a reason. Nothing of `wire` leaves this file.

use chrono::{DateTime, NaiveDateTime, Utc};
use url::Url;

use crate::error::Error;
use crate::model::{Account, Asset, AssetRole, Post, PostKind};
use crate::secret::printable;
use crate::source::instagram::MAX_ALBUM_ITEMS;
use crate::source::wire;

/// Caption length kept: Instagram allows 2,200 characters; anything far beyond is hostile.
pub(super) const MAX_CAPTION_CHARS: usize = 4_400;

/// Parses `2017-08-31T18:10:00+0000` (the API's form), tolerating RFC 3339 too.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// A URL as the API sent it, if it parses. Any scheme: where media may come
/// from is the media-host allow-list's decision ([`crate::http::MediaHosts`]).
pub(super) fn parse_url(s: Option<&str>) -> Option<Url> {
    s.and_then(|s| Url::parse(s).ok())
}

/// Only links to instagram.com posts are kept; anything else is not rendered.
pub(super) fn permalink(s: Option<&str>) -> Option<Url> {
    parse_url(s).filter(crate::model::is_post_permalink)
}

pub(super) fn child_asset(child: &wire::Media, post_id: &str) -> Result<Asset, String> {
    let kind = child.media_type.as_deref().unwrap_or("IMAGE");
    let (id, role, url) = match kind {
        "VIDEO" => (
            format!("{}:poster", child.id),
            AssetRole::VideoPoster,
            child.thumbnail_url.as_deref(),
        ),
        _ => (
            child.id.clone(),
            AssetRole::Image,
            child.media_url.as_deref(),
        ),
    };
    let url = parse_url(url).ok_or_else(|| {
        format!(
            "post {post_id}: carousel item {} has no usable image URL; it is left out",
            printable(&child.id)
        )
    })?;
    Ok(Asset {
        id,
        role,
        url: Some(url),
        original: None,
    })
}

/// Turns one API media object into a post, or explains why it is skipped.
pub(super) fn convert(m: wire::Media) -> Result<(Post, Vec<String>), String> {
    // Checked first: every warning below names the post by its id.
    if !crate::model::is_graph_id(&m.id) {
        return Err(format!(
            "post {}: its id is not a string of digits; skipped",
            printable(&m.id)
        ));
    }
    let id = m.id.clone();
    let timestamp = m
        .timestamp
        .as_deref()
        .and_then(parse_timestamp)
        .ok_or_else(|| {
            format!(
                "post {id}: missing or unreadable timestamp {:?}; skipped",
                printable(m.timestamp.as_deref().unwrap_or(""))
            )
        })?;
    let (kind, assets, mut warnings) = kind_and_assets(&m, &id)?;
    let caption = m.caption.map(|c| {
        if c.chars().count() > MAX_CAPTION_CHARS {
            warnings.push(format!(
                "post {id}: caption longer than {MAX_CAPTION_CHARS} characters; trimmed"
            ));
            c.chars().take(MAX_CAPTION_CHARS).collect()
        } else {
            c
        }
    });
    let permalink = permalink(m.permalink.as_deref());
    let reel = m.media_product_type.as_deref() == Some("REELS")
        || permalink
            .as_ref()
            .is_some_and(|p| p.path().starts_with("/reel/"));
    let mut post = Post {
        permalink,
        alt_text: m.alt_text.filter(|a| !a.trim().is_empty()),
        caption,
        id,
        kind,
        timestamp,
        reel,
        shared_to_feed: if reel { m.is_shared_to_feed } else { None },
        like_count: m.like_count,
        comments_count: m.comments_count,
        // Absent for licensed audio and for reels with downloads off.
        video: (kind == PostKind::Video)
            .then(|| parse_url(m.media_url.as_deref()))
            .flatten()
            .map(|url| crate::model::Video {
                url: Some(url),
                ..Default::default()
            }),
        assets,
    };
    post.check()?;
    Ok((post, warnings))
}

/// The post's kind and the images to make for it, by `media_type`, with
/// the warnings about its album items.
fn kind_and_assets(
    m: &wire::Media,
    id: &str,
) -> Result<(PostKind, Vec<Asset>, Vec<String>), String> {
    match m.media_type.as_deref() {
        Some("IMAGE") => {
            let url = parse_url(m.media_url.as_deref())
                .ok_or_else(|| format!("post {id}: image without media_url; skipped"))?;
            Ok((PostKind::Image, vec![image(id, url)], Vec::new()))
        }
        Some("VIDEO") => {
            let url = parse_url(m.thumbnail_url.as_deref()).ok_or_else(|| {
                format!("post {id}: video without a poster image (thumbnail_url); skipped")
            })?;
            let poster = Asset {
                id: format!("{id}:poster"),
                role: AssetRole::VideoPoster,
                url: Some(url),
                original: None,
            };
            Ok((PostKind::Video, vec![poster], Vec::new()))
        }
        Some("CAROUSEL_ALBUM") => {
            let (assets, warnings) = album_assets(m, id);
            if assets.is_empty() {
                return Err(format!("post {id}: carousel without any image; skipped"));
            }
            Ok((PostKind::Carousel, assets, warnings))
        }
        other => Err(format!(
            "post {id}: unknown media_type {:?}; skipped",
            printable(other.unwrap_or(""))
        )),
    }
}

/// An album's items, up to [`MAX_ALBUM_ITEMS`]; its cover when the items came
/// without images, or when it came without items; and the warnings about them.
fn album_assets(m: &wire::Media, id: &str) -> (Vec<Asset>, Vec<String>) {
    let mut warnings = Vec::new();
    let cover = || parse_url(m.media_url.as_deref()).map(|url| image(id, url));
    let children = match &m.children {
        Some(children) if !children.data.is_empty() => &children.data,
        // Without children the album's own media_url is its first image.
        _ => return (cover().into_iter().collect(), warnings),
    };
    if children.len() > MAX_ALBUM_ITEMS {
        warnings.push(format!(
            "post {id}: an album of {} items, more than Instagram allows ({MAX_ALBUM_ITEMS}); only the first {MAX_ALBUM_ITEMS} are shown",
            children.len()
        ));
    }
    let mut assets = Vec::new();
    let mut left_out = Vec::new();
    for child in children.iter().take(MAX_ALBUM_ITEMS) {
        match child_asset(child, id) {
            Ok(a) => assets.push(a),
            Err(w) => left_out.push(w),
        }
    }
    if !assets.is_empty() {
        warnings.append(&mut left_out);
        return (assets, warnings);
    }
    // Live answers may carry children as ids only; the album's own media_url
    // is its cover, which is better than nothing.
    match cover() {
        Some(cover) => {
            warnings.push(format!(
                "post {id}: its album items came without images; the album's cover is shown"
            ));
            (vec![cover], warnings)
        }
        None => {
            warnings.append(&mut left_out);
            (Vec::new(), warnings)
        }
    }
}

/// The post's own image, named by the post's id.
fn image(id: &str, url: Url) -> Asset {
    Asset {
        id: id.to_string(),
        role: AssetRole::Image,
        url: Some(url),
        original: None,
    }
}

/// The account as a profile read names it: id and username checked as in
/// [`Account::from_api`], the name, counts and picture as [`crate::model::Profile`].
pub(super) fn account(u: wire::User) -> Result<Account, Error> {
    let profile = crate::model::Profile {
        name: u.name,
        followers_count: u.followers_count,
        media_count: u.media_count,
        picture: parse_url(u.profile_picture_url.as_deref()),
    };
    Ok(Account::from_api(u.id, u.username)?.with_profile(profile))
}
