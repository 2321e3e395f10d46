//! The API's JSON, exactly as `graph.instagram.com` sends it. Private to `source`.
//!
//! Lenient on purpose: unknown fields are ignored and every field but `id` is
//! optional, because the API omits keys freely (`caption` on uncaptioned posts,
//! `media_url` on copyrighted videos, `permalink` on album children).

use serde::{Deserialize, Deserializer};

/// `GET /me?fields=id,username`.
#[derive(Debug, Deserialize)]
pub(crate) struct User {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub username: Option<String>,
    pub account_type: Option<String>,
    /// Profile fields, asked for only for the profile header.
    pub name: Option<String>,
    pub profile_picture_url: Option<String>,
    pub followers_count: Option<u64>,
    pub media_count: Option<u64>,
}

/// `GET /{ig-user-id}?fields=business_discovery.username(NAME){...}`: the
/// other account, with its media edge nested (Facebook Login).
#[derive(Debug, Deserialize)]
pub(crate) struct DiscoveryAnswer {
    pub business_discovery: Option<Discovered>,
}

/// The account Business Discovery found; `id` is its IG user id, not yours.
#[derive(Debug, Deserialize)]
pub(crate) struct Discovered {
    #[serde(flatten)]
    pub user: User,
    /// The nested media edge: cursors only, never a `next` link.
    pub media: Option<MediaPage>,
}

/// One page of `GET /me/media`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MediaPage {
    #[serde(default)]
    pub data: Vec<Media>,
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Paging {
    pub next: Option<String>,
    pub cursors: Option<Cursors>,
}

/// `paging.cursors`: what a nested edge (Business Discovery) pages by.
#[derive(Debug, Deserialize)]
pub(crate) struct Cursors {
    pub after: Option<String>,
}

/// A media object, top-level or an album child.
#[derive(Debug, Deserialize)]
pub(crate) struct Media {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub caption: Option<String>,
    pub media_type: Option<String>,
    pub media_url: Option<String>,
    pub permalink: Option<String>,
    pub thumbnail_url: Option<String>,
    pub timestamp: Option<String>,
    pub alt_text: Option<String>,
    pub media_product_type: Option<String>,
    /// Reels only: whether the reel is also on the profile grid. Anything
    /// but a boolean (or "true"/"false") counts as not said.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub is_shared_to_feed: Option<bool>,
    pub like_count: Option<u64>,
    pub comments_count: Option<u64>,
    pub children: Option<Children>,
}

/// An album's `children` edge: inline, or one page of `GET /{id}/children`.
#[derive(Debug, Deserialize)]
pub(crate) struct Children {
    #[serde(default)]
    pub data: Vec<Media>,
    pub paging: Option<Paging>,
}

/// One page of `GET /me/accounts` (Facebook Login): the Pages the user can act on.
#[derive(Debug, Deserialize)]
pub(crate) struct Pages {
    #[serde(default)]
    pub data: Vec<Page>,
    pub paging: Option<Paging>,
}

/// A Facebook Page, with the fields feedgen asks for.
#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub name: Option<String>,
    /// The Page's token: a secret, so a type that never prints itself.
    pub access_token: Option<crate::Token>,
    pub instagram_business_account: Option<Node>,
}

/// `{"id": "..."}`: a reference to another node.
#[derive(Debug, Deserialize)]
pub(crate) struct Node {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
}

/// The answer of `refresh_access_token` and `access_token`.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    pub expires_in: Option<i64>,
}

/// The answer of the code exchange on `api.instagram.com`: flat (Basic Display
/// era, `user_id` a JSON number above 2^53) or wrapped in `data` (Instagram Login).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum CodeResponse {
    Wrapped { data: Vec<CodeToken> },
    Flat(CodeToken),
}

#[derive(Debug, Deserialize)]
pub(crate) struct CodeToken {
    pub access_token: String,
    #[serde(deserialize_with = "id_string")]
    pub user_id: String,
}

/// The Graph error envelope, and the legacy OAuth shape of `api.instagram.com`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: Option<GraphError>,
    // legacy: {"error_type": "OAuthException", "code": 400, "error_message": "..."}
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub code: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct GraphError {
    pub message: Option<String>,
    pub code: Option<i64>,
    pub error_subcode: Option<i64>,
    pub is_transient: Option<bool>,
}

/// Ids are strings on the wire, but numbers have been seen (`user_id` of the code
/// exchange is a number above 2^53): accept both without going through f64.
fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(u64),
    }
    Ok(match Id::deserialize(d)? {
        Id::S(s) => s,
        Id::N(n) => n.to_string(),
    })
}

/// A boolean as the Graph API sends it, or `None` for anything else: one
/// odd field must not cost the whole page.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Some(b),
        serde_json::Value::String(s) if s == "true" => Some(true),
        serde_json::Value::String(s) if s == "false" => Some(false),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_odd_is_shared_to_feed_is_not_said_and_costs_nothing_else() {
        let said = |json: &str| {
            serde_json::from_str::<Media>(json)
                .unwrap()
                .is_shared_to_feed
        };
        assert_eq!(said(r#"{"id":"1","is_shared_to_feed":false}"#), Some(false));
        assert_eq!(said(r#"{"id":"1","is_shared_to_feed":"true"}"#), Some(true));
        assert_eq!(said(r#"{"id":"1","is_shared_to_feed":1}"#), None);
        assert_eq!(said(r#"{"id":"1","is_shared_to_feed":null}"#), None);
        assert_eq!(said(r#"{"id":"1"}"#), None);
    }

    #[test]
    fn numeric_ids_keep_every_digit() {
        let u: User = serde_json::from_str(r#"{"id": 17841405793187218}"#).unwrap();
        assert_eq!(u.id, "17841405793187218");
    }

    #[test]
    fn missing_fields_and_unknown_ones_are_fine() {
        let p: MediaPage = serde_json::from_str(
            r#"{"data":[{"id":"1","media_type":"VIDEO","is_shared_to_feed":true}]}"#,
        )
        .unwrap();
        assert_eq!(p.data[0].media_url, None);
        assert!(p.paging.is_none());
    }
}
