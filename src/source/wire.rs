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
}

/// One page of `GET /me/media`.
#[derive(Debug, Deserialize)]
pub(crate) struct MediaPage {
    #[serde(default)]
    pub data: Vec<Media>,
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Paging {
    pub next: Option<String>,
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
    pub children: Option<Children>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Children {
    #[serde(default)]
    pub data: Vec<Media>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
