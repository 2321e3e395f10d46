//! The graph-host client: `GET /me`, then `GET /me/media` page by page.
//!
//! One request per page (carousel children come inline through field
//! expansion), `paging.next` followed until it is absent, and never to another
//! host. The token is sent as the `access_token` query parameter, as in every
//! documented example; it is stripped from `next` links and re-added by us, so
//! a link can never swap the token or leak it to another origin.
//!
//! The same client speaks the Facebook-Login flavour on `graph.facebook.com`
//! ([`InstagramClient::facebook`]): versioned paths (`/v25.0/...`) and the
//! Instagram business account's id where graph.instagram.com says `me`; the
//! media shape, paging and errors are the same. Finding that id from the
//! token's Pages is in [`super::facebook`].

use std::sync::Mutex;

use std::sync::atomic::AtomicUsize;

use std::time::Duration;

use url::Url;

use super::wire;

use crate::error::{ApiError, Error};

use crate::kinds::SourceKind;

use crate::model::{Account, Feed};

use crate::retry::RetryPolicy;

use crate::secret::{Token, printable, url_for_display};

use crate::select::Selection;

mod convert;
mod discovery;
mod listing;
mod paging;
mod request;

pub use convert::parse_timestamp;
use convert::{account, convert, parse_url};
pub use discovery::{DISCOVERY_MEDIA_FIELDS, DISCOVERY_PLAIN_FIELDS, DISCOVERY_PROFILE_FIELDS};
use listing::{Reading, page_size};

/// Media fields of the Basic Display protocol, which the Instagram API with
/// Instagram Login still serves on the same route.
pub const BASE_FIELDS: &str = "id,caption,media_type,media_url,permalink,thumbnail_url,timestamp,username,children{id,media_type,media_url,thumbnail_url}";

/// Instagram-Login extras; dropped automatically if the API says they do not exist.
pub const EXTRA_FIELDS: &str = "alt_text,media_product_type,is_shared_to_feed";

/// Profile fields of your own account, asked for when the feed shows a header.
pub const PROFILE_FIELDS: &str = "id,username,name,profile_picture_url,followers_count,media_count";

/// Asked for too with `source.counts`.
pub const COUNT_FIELDS: &str = "like_count,comments_count";

/// The API caps `limit` at 100 per page.
pub const MAX_PAGE_SIZE: usize = 100;

/// Items of an album read: Instagram allows 20; a server sending 2,000
/// would otherwise cost 2,000 downloads.
pub const MAX_ALBUM_ITEMS: usize = 20;

/// What a fetch produced: the feed, plus per-item warnings (skipped posts).
#[derive(Debug)]
pub struct Fetched {
    /// The account and its posts, newest first, with download URLs on the assets.
    pub feed: Feed,
    /// Items skipped or trimmed, each naming the media id.
    pub warnings: Vec<String>,
    /// Posts the API sent that could not be used, each with why.
    pub unusable: Vec<LeftOut>,
}

/// A post left out of a feed, and why: named in the build report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    /// The media id (as printable text: it came from a server).
    pub id: String,
    /// Why, in a sentence that names the post.
    pub reason: String,
}

/// A token issued by the refresh or exchange endpoints.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The new token (persist it, even if it looks the same as the old one).
    pub token: Token,
    /// Seconds until it expires, as the API said; [`crate::token::expiry_after`] judges it.
    pub expires_in: Option<i64>,
}

/// A client for one account on a graph host.
pub struct InstagramClient<'a> {
    http: &'a reqwest::Client,
    api_base: Url,
    token: &'a Token,
    /// Which flavour of the API: the paths and the remedies of token errors differ.
    kind: SourceKind,
    /// `v25.0/` on graph.facebook.com; nothing on graph.instagram.com.
    version: String,
    /// The account node: `me`, or the Instagram business account's id.
    user: String,
    /// Business Discovery: the other account read through `user`'s node.
    discover: Option<String>,
    /// Business Discovery: links renewed by re-reading pages.
    relinks: tokio::sync::Mutex<discovery::Relinks>,
    /// Read the profile (name, picture, counts) with the account.
    profile: bool,
    /// Another secret sent in a query (the app secret of the exchange), scrubbed like the token.
    secret: Option<&'a Token>,
    retry: RetryPolicy,
    /// Set once the rate-limit headers pass [`USAGE_SLOWDOWN_PERCENT`]: a wait before each call.
    pace: Mutex<Option<Duration>>,
    /// Warnings for the build report (rate-limit usage).
    notes: Mutex<Vec<String>>,
    /// Counts every request sent, retries included, for the build report; it
    /// outlives the client, so requests made before a failure still count.
    sent: Option<&'a AtomicUsize>,
}

impl IssuedToken {
    /// A token from the refresh or exchange endpoints, checked before it
    /// replaces a working one: stored blindly, an empty or garbled answer
    /// would lose the token for good.
    pub(super) fn from_wire(t: wire::TokenResponse) -> Result<IssuedToken, Error> {
        let token = Token::new(t.access_token);
        if let Some(why) = token.shape_problem() {
            return Err(ApiError::Unexpected {
                url: "the token endpoint".into(),
                status: 200,
                reason: format!("the new token cannot be one ({why}); the current token is kept"),
            }
            .into());
        }
        Ok(IssuedToken {
            token,
            expires_in: t.expires_in,
        })
    }
}

impl<'a> InstagramClient<'a> {
    /// A client for `api_base` (e.g. `https://graph.instagram.com`).
    pub fn new(http: &'a reqwest::Client, api_base: &Url, token: &'a Token) -> Self {
        let mut api_base = api_base.clone();
        if !api_base.path().ends_with('/') {
            let p = format!("{}/", api_base.path());
            api_base.set_path(&p);
        }
        InstagramClient {
            http,
            api_base,
            token,
            kind: SourceKind::Instagram,
            version: String::new(),
            user: "me".into(),
            discover: None,
            relinks: Default::default(),
            profile: false,
            secret: None,
            retry: RetryPolicy::default(),
            pace: Mutex::new(None),
            notes: Mutex::new(Vec::new()),
            sent: None,
        }
    }

    /// Counts every request this client sends in `sent`.
    pub fn counting(mut self, sent: &'a AtomicUsize) -> Self {
        self.sent = Some(sent);
        self
    }

    /// The Facebook-Login flavour: every path under `version` (e.g. `v25.0`).
    /// Until [`InstagramClient::for_user`] names the account, `me` is the token's user or Page.
    pub fn facebook(mut self, version: &str) -> Self {
        self.kind = SourceKind::Facebook;
        self.version = format!("{}/", version.trim_matches('/'));
        self
    }

    /// A client for the API a feed's `[source]` names: its host and, with
    /// Facebook Login, its version. The account is still `me`; see
    /// [`InstagramClient::into_account`].
    pub fn for_source(
        http: &'a reqwest::Client,
        source: &crate::config::SourceConfig,
        token: &'a Token,
    ) -> Self {
        let client = InstagramClient::new(http, &source.api_base, token);
        match source.kind {
            SourceKind::Instagram => client,
            SourceKind::Facebook => {
                let mut client = client.facebook(&source.api_version);
                client.discover = source.username.clone();
                client
            }
        }
    }

    /// Also reads the account's profile (name, picture, counts), for a profile header.
    pub fn with_profile(mut self, profile: bool) -> Self {
        self.profile = profile;
        self
    }

    /// The account node this client reads (`me`, or an Instagram business account's id).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Reads the account with this id instead of `me` (a Facebook-Login
    /// Instagram business account; ids are digits, checked by the config).
    pub fn for_user(mut self, id: &str) -> Self {
        self.user = id.to_string();
        self
    }

    /// Which flavour of the API this client speaks.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// The token this client sends.
    pub(super) fn token(&self) -> &Token {
        self.token
    }

    /// A copy that also scrubs `secret` (an app secret sent in a query) from every message.
    pub(super) fn with_secret<'b>(&'b self, secret: &'b Token) -> InstagramClient<'b> {
        InstagramClient {
            secret: Some(secret),
            http: self.http,
            api_base: self.api_base.clone(),
            token: self.token,
            kind: self.kind,
            version: self.version.clone(),
            user: self.user.clone(),
            discover: self.discover.clone(),
            relinks: Default::default(),
            profile: self.profile,
            retry: self.retry,
            pace: Mutex::new(None),
            notes: Mutex::new(Vec::new()),
            sent: self.sent,
        }
    }

    /// Uses `policy` for retries instead of the default.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Warnings gathered so far (rate-limit usage), emptied by the call.
    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.notes.lock().expect("notes lock"))
    }

    /// The account the feed shows: the token's own (`GET /me?fields=id,username`,
    /// plus [`PROFILE_FIELDS`] for a header, without them if the host has
    /// none), or the one Business Discovery reads.
    pub async fn me(&self) -> Result<Account, Error> {
        if self.discover.is_some() {
            return self.discovered_account().await;
        }
        let plain = || self.endpoint(&self.user, &[("fields", "id,username")]);
        if !self.profile {
            let me: wire::User = self.get(plain()).await?;
            return Account::from_api(me.id, me.username);
        }
        let url = self.endpoint(&self.user, &[("fields", PROFILE_FIELDS)]);
        match self.get::<wire::User>(url).await {
            Ok(me) => account(me),
            Err(Error::Api(ApiError::Graph { code: 100, .. })) => {
                self.notes.lock().expect("notes lock").push(
                    "the API serves no profile (name, picture, counts) for this account; the header shows the username only".into(),
                );
                let me: wire::User = self.get(plain()).await?;
                Account::from_api(me.id, me.username)
            }
            Err(e) => Err(e),
        }
    }

    /// The account and its type (`BUSINESS`, `MEDIA_CREATOR`, `PERSONAL`), when the API reports it.
    pub async fn me_with_type(&self) -> Result<(Account, Option<String>), Error> {
        if self.kind == SourceKind::Facebook {
            // The Facebook-Login IG User node has no account_type: it is a business account.
            return Ok((self.me().await?, None));
        }
        let url = self.endpoint(&self.user, &[("fields", "id,username,account_type")]);
        match self.get::<wire::User>(url).await {
            Ok(me) => Ok((Account::from_api(me.id, me.username)?, me.account_type)),
            // Graph's Facebook-Login node has no account_type: ask without it.
            Err(Error::Api(ApiError::Graph { code: 100, .. })) => Ok((self.me().await?, None)),
            Err(e) => Err(e),
        }
    }

    /// A download URL of the newest post's image, to check the media hosts.
    pub async fn newest_media_url(&self) -> Result<Option<Url>, Error> {
        if self.discover.is_some() {
            let found = self
                .discovery_call(Some(("id,media_type,media_url,thumbnail_url", 1, None)))
                .await?;
            return Ok(found
                .media
                .and_then(|p| p.data.into_iter().next())
                .and_then(|m| {
                    let link = if m.media_type.as_deref() == Some("VIDEO") {
                        m.thumbnail_url
                    } else {
                        m.media_url
                    };
                    parse_url(link.as_deref())
                }));
        }
        let url = self.endpoint(
            &format!("{}/media", self.user),
            &[
                ("fields", "id,media_type,media_url,thumbnail_url"),
                ("limit", "1"),
            ],
        );
        let page: wire::MediaPage = self.get(url).await?;
        Ok(page.data.into_iter().next().and_then(|m| {
            let link = if m.media_type.as_deref() == Some("VIDEO") {
                m.thumbnail_url
            } else {
                m.media_url
            };
            parse_url(link.as_deref())
        }))
    }

    /// `GET /refresh_access_token?grant_type=ig_refresh_token`: a new 60-day token
    /// for a long-lived one that is at least 24 hours old and not expired.
    pub async fn refresh(&self) -> Result<IssuedToken, Error> {
        let url = self.endpoint(
            "refresh_access_token",
            &[("grant_type", "ig_refresh_token")],
        );
        let t: wire::TokenResponse = self.get(url).await?;
        IssuedToken::from_wire(t)
    }

    /// `GET /access_token?grant_type=ig_exchange_token`: trades the client's
    /// short-lived token for a long-lived one, with the app secret.
    pub async fn exchange(&self, app_secret: &Token) -> Result<IssuedToken, Error> {
        let client = self.with_secret(app_secret);
        let url = client.endpoint(
            "access_token",
            &[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", app_secret.expose()),
            ],
        );
        let t: wire::TokenResponse = client.get(url).await?;
        IssuedToken::from_wire(t)
    }

    /// A fresh download URL for one asset whose signed CDN link expired (or,
    /// as `<media-id>:video`, a video file's):
    /// `GET /{media-id}?fields=media_type,media_url,thumbnail_url`, one item only.
    pub async fn fresh_url(&self, asset_id: &str) -> Result<Url, Error> {
        if self.discover.is_some() {
            return self.rediscovered_url(asset_id).await;
        }
        // `<id>:poster` wants a video's thumbnail, `<id>:video` its file.
        let (node, poster) = match asset_id.strip_suffix(":poster") {
            Some(id) => (id, true),
            None => (asset_id.strip_suffix(":video").unwrap_or(asset_id), false),
        };
        // Media ids are digits; anything else never reaches a URL path.
        if !crate::model::is_graph_id(node) {
            return Err(ApiError::Unexpected {
                url: url_for_display(&self.api_base),
                status: 200,
                reason: format!("the media id {node:?} is not a string of digits"),
            }
            .into());
        }
        let url = self.endpoint(node, &[("fields", "id,media_type,media_url,thumbnail_url")]);
        let media: wire::Media = self.get(url).await?;
        let link = if poster {
            media.thumbnail_url
        } else {
            media.media_url
        };
        parse_url(link.as_deref()).ok_or_else(|| {
            ApiError::Unexpected {
                url: url_for_display(&self.api_base),
                status: 200,
                reason: format!("media {node} came back without a download URL"),
            }
            .into()
        })
    }

    fn scrub(&self, text: &str) -> String {
        let text = self.token.scrub(text);
        match self.secret {
            Some(s) => s.scrub(&text),
            None => text,
        }
    }

    /// Server text as it may be shown: secrets scrubbed (before cutting, so no
    /// part of one survives), control characters escaped, length bounded.
    pub(super) fn shown(&self, text: &str) -> String {
        printable(&self.scrub(text)).into_owned()
    }

    /// Fetches the account and the posts `want` keeps: page after page until
    /// `max_posts` of them pass its filter, `scan_limit` posts were read, the
    /// posts get older than `filter.since`, or the account has no more; then
    /// every pinned post the pages did not reach, by its id. Posts come back
    /// in the API's order (newest first), pinned extras last.
    pub async fn fetch(&self, want: &Selection, counts: bool) -> Result<Fetched, Error> {
        if self.discover.is_some() {
            return self.fetch_discovered(want, counts).await;
        }
        let mut read = Reading {
            ..Reading::default()
        };
        let account = self.me().await?;
        let page_size = page_size(want);
        let (page, fields) = self.first_page(page_size, counts).await?;
        let first_page_links_on = page.paging.as_ref().is_some_and(|p| p.next.is_some());
        self.read_pages(page, want, &mut read).await?;
        self.check_answer(&read, first_page_links_on)?;
        if read.scanned >= want.scan_limit && read.shown < want.max_posts && !want.filter.is_open()
        {
            tracing::info!(
                "read {} posts (source.scan_limit) and {} passed the filter",
                read.scanned,
                read.shown
            );
        }
        self.read_pinned(want, &fields, &account, &mut read).await?;
        self.read_known_embeds(want, &fields, &mut read).await?;
        Ok(read.into_fetched(account, self.take_notes()))
    }

    /// `path` under the API base and version, with `query`.
    pub(super) fn endpoint(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self
            .api_base
            .join(&format!("{}{path}", self.version))
            .expect("paths of digits and words join");
        url.query_pairs_mut().extend_pairs(query);
        url
    }

    /// Accepts a `paging.next` link only on the configured origin, and replaces
    /// whatever token it carries with ours.
    pub(super) fn checked_next(&self, next: &str) -> Result<Url, Error> {
        let url = Url::parse(next).map_err(|e| ApiError::Unexpected {
            url: url_for_display(&self.api_base),
            status: 200,
            reason: format!("paging.next is not a URL ({e})"),
        })?;
        if url.origin() != self.api_base.origin() {
            return Err(ApiError::ForeignNext {
                expected: self.api_base.origin().ascii_serialization(),
                got: url.origin().ascii_serialization(),
            }
            .into());
        }
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "access_token")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut clean = url.clone();
        clean.query_pairs_mut().clear().extend_pairs(kept);
        Ok(clean)
    }
}

#[cfg(test)]
mod tests {
    use super::convert::{MAX_CAPTION_CHARS, permalink};
    use super::paging::PageGuard;
    use super::*;
    use crate::model::AssetRole;

    #[test]
    fn paging_ends_on_a_repeat_or_a_run_of_pages_without_new_posts() {
        let next = |c: &str| {
            Url::parse(&format!(
                "https://graph.instagram.com/me/media?after={c}&limit=10"
            ))
            .unwrap()
        };
        let message = |e: Error| e.to_string();
        let ids = |range: std::ops::Range<usize>| -> Vec<String> {
            range
                .map(|i| (17_900_000_000_000_000 + i).to_string())
                .collect()
        };

        let mut g = PageGuard::new();
        g.read(ids(0..10).iter().map(String::as_str));
        g.admit(&next("a")).unwrap();
        g.read(ids(10..20).iter().map(String::as_str));
        let e = message(g.admit(&next("a")).unwrap_err());
        assert!(e.contains("already read") && e.contains("20 posts"), "{e}");

        // Empty pages, or the same posts again under new cursors: no progress.
        let mut g = PageGuard::new();
        g.read(ids(0..5).iter().map(String::as_str));
        g.admit(&next("a")).unwrap();
        g.read([]);
        g.admit(&next("b")).unwrap();
        g.read(ids(0..5).iter().map(String::as_str));
        g.admit(&next("c")).unwrap();
        g.read(ids(3..4).iter().map(String::as_str));
        let e = message(g.admit(&next("d")).unwrap_err());
        assert!(e.contains("3 pages in a row brought no new post"), "{e}");

        // One new post a page (a server filtering after it paginates) goes on
        // as long as it brings posts: the page count is no limit.
        let mut g = PageGuard::new();
        for page in 0..500 {
            g.read(ids(page..page + 1).iter().map(String::as_str));
            g.admit(&next(&page.to_string())).unwrap();
        }
    }

    #[test]
    fn parses_the_api_timestamp_form() {
        let t = parse_timestamp("2017-08-31T18:10:00+0000").unwrap();
        assert_eq!(t.to_rfc3339(), "2017-08-31T18:10:00+00:00");
        assert!(parse_timestamp("2017-08-31T18:10:00Z").is_some());
        assert!(parse_timestamp("yesterday").is_none());
    }

    #[test]
    fn permalinks_other_than_instagram_are_dropped() {
        assert!(permalink(Some("https://www.instagram.com/p/abc/")).is_some());
        assert!(permalink(Some("javascript:alert(1)")).is_none());
        assert!(permalink(Some("https://evil.example/p/abc/")).is_none());
        assert!(permalink(Some("http://www.instagram.com/p/abc/")).is_none());
    }

    fn media(json: &str) -> wire::Media {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn video_uses_its_poster_and_carousel_children_become_assets() {
        let (p, _) = convert(media(
            r#"{"id":"1","media_type":"VIDEO","thumbnail_url":"https://x.cdninstagram.com/p.jpg","timestamp":"2020-01-01T00:00:00+0000"}"#,
        ))
        .unwrap();
        assert_eq!(p.assets[0].id, "1:poster");
        assert_eq!(p.assets[0].role, AssetRole::VideoPoster);

        let (p, w) = convert(media(
            r#"{"id":"2","media_type":"CAROUSEL_ALBUM","timestamp":"2020-01-01T00:00:00+0000",
                "children":{"data":[{"id":"21","media_type":"IMAGE","media_url":"https://x.cdninstagram.com/a.jpg"},
                                    {"id":"22","media_type":"VIDEO","thumbnail_url":"https://x.cdninstagram.com/b.jpg"},
                                    {"id":"23","media_type":"VIDEO"}]}}"#,
        ))
        .unwrap();
        let ids: Vec<_> = p.assets.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["21", "22:poster"]);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("23"));
    }

    #[test]
    fn an_album_of_thousands_costs_twenty_downloads() {
        let children: Vec<_> = (0..2000)
            .map(|i| serde_json::json!({"id": format!("{}", 1000 + i), "media_type": "IMAGE", "media_url": format!("https://x.cdninstagram.com/{i}.jpg")}))
            .collect();
        let m = serde_json::json!({"id": "9", "media_type": "CAROUSEL_ALBUM",
            "timestamp": "2020-01-01T00:00:00+0000", "children": {"data": children}});
        let (p, w) = convert(media(&m.to_string())).unwrap();
        assert_eq!(p.assets.len(), MAX_ALBUM_ITEMS);
        assert!(w[0].contains("2000 items"), "{w:?}");
    }

    #[test]
    fn copyrighted_video_without_poster_is_skipped_with_reason() {
        let err = convert(media(
            r#"{"id":"3","media_type":"VIDEO","timestamp":"2020-01-01T00:00:00+0000"}"#,
        ))
        .unwrap_err();
        assert!(err.contains("post 3") && err.contains("poster"), "{err}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn opt(s: impl Strategy<Value = String>) -> impl Strategy<Value = Option<String>> {
            prop_oneof![Just(None), s.prop_map(Some)]
        }

        fn any_text() -> impl Strategy<Value = String> {
            prop_oneof![
                ".{0,40}",
                Just("https://www.instagram.com/p/abc/".to_string()),
                Just("https://scontent.cdninstagram.com/x.jpg?oe=1".to_string()),
                Just("2017-08-31T18:10:00+0000".to_string()),
                Just("javascript:alert(1)".to_string()),
            ]
        }

        fn media() -> impl Strategy<Value = serde_json::Value> {
            let kind = prop_oneof![
                Just("IMAGE".to_string()),
                Just("VIDEO".to_string()),
                Just("CAROUSEL_ALBUM".to_string()),
                ".{0,8}"
            ];
            (
                prop_oneof!["[0-9]{1,19}", ".{0,20}"],
                opt(kind),
                opt(any_text()),
                opt(any_text()),
                opt(any_text()),
                opt(any_text()),
                opt(".{0,300}"),
                proptest::collection::vec((".{0,6}", opt(any_text())), 0..4),
            )
                .prop_map(|(id, kind, url, thumb, link, ts, caption, children)| {
                    let mut m = serde_json::json!({ "id": id });
                    for (k, v) in [
                        ("media_type", kind),
                        ("media_url", url),
                        ("thumbnail_url", thumb),
                        ("permalink", link),
                        ("timestamp", ts),
                        ("caption", caption),
                    ] {
                        if let Some(v) = v {
                            m[k] = serde_json::json!(v);
                        }
                    }
                    if !children.is_empty() {
                        let data: Vec<_> = children
                            .into_iter()
                            .map(|(id, url)| serde_json::json!({"id": id, "media_type": "IMAGE", "media_url": url}))
                            .collect();
                        m["children"] = serde_json::json!({ "data": data });
                    }
                    m
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// Any media object either becomes a sound post or a warning naming it; never a panic.
            #[test]
            fn api_media_converts_or_is_skipped_with_its_id(m in media()) {
                let id = m["id"].as_str().unwrap().to_string();
                let wire: wire::Media = serde_json::from_value(m).unwrap();
                match convert(wire) {
                    Ok((post, _)) => {
                        prop_assert!(!post.assets.is_empty());
                        prop_assert!(crate::model::is_graph_id(&post.id));
                        prop_assert!(post.assets.iter().all(|a| crate::model::is_asset_id(&a.id)));
                        let year = chrono::Datelike::year(&post.timestamp);
                        prop_assert!((1..=9999).contains(&year));
                        let xml_safe = |t: &Option<String>| t.as_deref().is_none_or(|t| t == crate::model::strip_xml_invalid(t));
                        prop_assert!(xml_safe(&post.caption) && xml_safe(&post.alt_text));
                        if let Some(link) = &post.permalink {
                            prop_assert_eq!(link.host_str(), Some("www.instagram.com"));
                            prop_assert_eq!(link.scheme(), "https");
                        }
                        prop_assert!(post.caption.as_ref().is_none_or(|c| c.chars().count() <= MAX_CAPTION_CHARS));
                    }
                    Err(w) => {
                        let named = w.contains(&format!("post {}", printable(&id)));
                        prop_assert!(named, "warning does not name the post: {}", w);
                        prop_assert!(!w.contains(|c: char| c.is_control()), "raw control character in {:?}", w);
                    }
                }
            }

            /// Arbitrary bytes as a page never panic the parser.
            #[test]
            fn arbitrary_page_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
                let _ = serde_json::from_slice::<wire::MediaPage>(&bytes);
                let _ = serde_json::from_slice::<wire::ErrorBody>(&bytes);
            }
        }
    }
}
