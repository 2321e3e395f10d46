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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use url::Url;

use super::wire;
use crate::error::{ApiError, Error, TokenProblem};
use crate::http::{describe, read_capped};
use crate::kinds::SourceKind;
use crate::model::{Account, Asset, AssetRole, Feed, Post, PostKind};
use crate::retry::{
    Attempts, RetryPolicy, THROTTLE_CODES, USAGE_SLOWDOWN_PERCENT, retry_after, usage,
};
use crate::secret::{Token, printable, url_for_display};
use crate::select::Selection;

/// Media fields of the Basic Display protocol, which the Instagram API with
/// Instagram Login still serves on the same route.
pub const BASE_FIELDS: &str = "id,caption,media_type,media_url,permalink,thumbnail_url,timestamp,username,children{id,media_type,media_url,thumbnail_url}";
/// Instagram-Login extras; dropped automatically if the API says they do not exist.
pub const EXTRA_FIELDS: &str = "alt_text,media_product_type";
/// Asked for too with `source.counts`.
pub const COUNT_FIELDS: &str = "like_count,comments_count";
/// The API caps `limit` at 100 per page.
pub const MAX_PAGE_SIZE: usize = 100;
/// Largest API response body read (a page of 100 posts is ~100 KB).
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Items of an album read: Instagram allows 20; a server sending 2,000
/// would otherwise cost 2,000 downloads.
pub const MAX_ALBUM_ITEMS: usize = 20;
/// Caption length kept: Instagram allows 2,200 characters; anything far beyond is hostile.
const MAX_CAPTION_CHARS: usize = 4_400;

/// What a fetch produced: the feed, plus per-item warnings (skipped posts).
#[derive(Debug)]
pub struct Fetched {
    /// The account and its posts, newest first, with download URLs on the assets.
    pub feed: Feed,
    /// Items skipped or trimmed, each naming the media id.
    pub warnings: Vec<String>,
    /// How many API requests were made.
    pub requests: usize,
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

/// The outcome of a failed attempt.
enum Failure {
    /// Retry, waiting at least the hint if the server gave one.
    Retryable(Error, Option<Duration>),
    /// Stop.
    Final(Error),
}

/// Notes in the error that retries were made.
fn gave_up(error: Error, retries: u32) -> Error {
    if retries == 0 {
        return error;
    }
    let note = format!(" (gave up after {retries} retries)");
    match error {
        Error::Api(ApiError::Network { url, reason }) => ApiError::Network {
            url,
            reason: reason + &note,
        }
        .into(),
        Error::Api(ApiError::Graph {
            url,
            status,
            code,
            subcode,
            message,
            hint,
        }) => ApiError::Graph {
            url,
            status,
            code,
            subcode,
            message: message + &note,
            hint,
        }
        .into(),
        Error::Api(ApiError::Unexpected {
            url,
            status,
            reason,
        }) => ApiError::Unexpected {
            url,
            status,
            reason: reason + &note,
        }
        .into(),
        other => other,
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
            SourceKind::Facebook => client.facebook(&source.api_version),
        }
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

    /// The account the token belongs to (`GET /me?fields=id,username`).
    pub async fn me(&self) -> Result<Account, Error> {
        let mut requests = 0;
        let me: wire::User = self
            .get(
                self.endpoint(&self.user, &[("fields", "id,username")]),
                &mut requests,
            )
            .await?;
        Account::from_api(me.id, me.username)
    }

    /// The account and its type (`BUSINESS`, `MEDIA_CREATOR`, `PERSONAL`), when the API reports it.
    pub async fn me_with_type(&self) -> Result<(Account, Option<String>), Error> {
        if self.kind == SourceKind::Facebook {
            // The Facebook-Login IG User node has no account_type: it is a business account.
            return Ok((self.me().await?, None));
        }
        let mut requests = 0;
        let url = self.endpoint(&self.user, &[("fields", "id,username,account_type")]);
        match self.get::<wire::User>(url, &mut requests).await {
            Ok(me) => Ok((Account::from_api(me.id, me.username)?, me.account_type)),
            // Graph's Facebook-Login node has no account_type: ask without it.
            Err(Error::Api(ApiError::Graph { code: 100, .. })) => Ok((self.me().await?, None)),
            Err(e) => Err(e),
        }
    }

    /// A download URL of the newest post's image, to check the media hosts.
    pub async fn newest_media_url(&self) -> Result<Option<Url>, Error> {
        let mut requests = 0;
        let url = self.endpoint(
            &format!("{}/media", self.user),
            &[
                ("fields", "id,media_type,media_url,thumbnail_url"),
                ("limit", "1"),
            ],
        );
        let page: wire::MediaPage = self.get(url, &mut requests).await?;
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
        let mut requests = 0;
        let url = self.endpoint(
            "refresh_access_token",
            &[("grant_type", "ig_refresh_token")],
        );
        let t: wire::TokenResponse = self.get(url, &mut requests).await?;
        IssuedToken::from_wire(t)
    }

    /// `GET /access_token?grant_type=ig_exchange_token`: trades the client's
    /// short-lived token for a long-lived one, with the app secret.
    pub async fn exchange(&self, app_secret: &Token) -> Result<IssuedToken, Error> {
        let client = self.with_secret(app_secret);
        let mut requests = 0;
        let url = client.endpoint(
            "access_token",
            &[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", app_secret.expose()),
            ],
        );
        let t: wire::TokenResponse = client.get(url, &mut requests).await?;
        IssuedToken::from_wire(t)
    }

    /// A fresh download URL for one asset whose signed CDN link expired:
    /// `GET /{media-id}?fields=media_type,media_url,thumbnail_url`, one item only.
    pub async fn fresh_url(&self, asset_id: &str) -> Result<Url, Error> {
        let (node, poster) = match asset_id.strip_suffix(":poster") {
            Some(id) => (id, true),
            None => (asset_id, false),
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
        let mut requests = 0;
        let url = self.endpoint(node, &[("fields", "id,media_type,media_url,thumbnail_url")]);
        let media: wire::Media = self.get(url, &mut requests).await?;
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
        let mut requests = 1;
        let account = self.me().await?;

        // A filter may pass few posts per page: then fewer, fuller pages.
        let curated = want.overrides.pin.len() + want.overrides.hide.len();
        let page_size = if want.filter.is_open() {
            want.max_posts + curated
        } else {
            MAX_PAGE_SIZE
        };
        let limit = page_size.min(MAX_PAGE_SIZE).to_string();
        let extras = if counts {
            format!("{EXTRA_FIELDS},{COUNT_FIELDS}")
        } else {
            EXTRA_FIELDS.to_string()
        };
        let media = format!("{}/media", self.user);
        let mut fields = format!("{BASE_FIELDS},{extras}");
        let first = self.endpoint(&media, &[("fields", &fields), ("limit", &limit)]);
        let mut page: wire::MediaPage = match self.get(first, &mut requests).await {
            Err(Error::Api(ApiError::Graph {
                code: 100, message, ..
            })) if message.contains("nonexisting field") => {
                tracing::debug!(
                    "the API lacks the Instagram-Login extra fields; asking without them"
                );
                if counts {
                    self.notes.lock().expect("notes lock").push(
                        "the API serves no like or comment counts for this account; the feed is shown without them".into(),
                    );
                }
                fields = BASE_FIELDS.to_string();
                let plain = self.endpoint(&media, &[("fields", &fields), ("limit", &limit)]);
                self.get(plain, &mut requests).await?
            }
            other => other?,
        };

        let mut warnings = Vec::new();
        let mut unusable = Vec::new();
        let mut posts: Vec<Post> = Vec::new();
        let (mut scanned, mut shown) = (0, 0);
        let first_page_links_on = page.paging.as_ref().is_some_and(|p| p.next.is_some());
        let mut paging = PageGuard::new(want.scan_limit, page_size.min(MAX_PAGE_SIZE));
        'pages: loop {
            for mut m in std::mem::take(&mut page.data) {
                scanned += 1;
                let raw_id = printable(&m.id).into_owned();
                self.more_children(&mut m, &mut requests, &mut warnings)
                    .await?;
                match convert(m) {
                    Ok((post, mut w)) => {
                        let older = want.past_since(&post);
                        if want.wants(&post) {
                            warnings.append(&mut w);
                            shown += usize::from(want.pin_rank(&post).is_none());
                            posts.push(post);
                        }
                        if older {
                            break 'pages;
                        }
                    }
                    // Unreadable, so the filter cannot judge it: say so either way.
                    Err(w) => {
                        warnings.push(w.clone());
                        unusable.push(LeftOut {
                            id: raw_id,
                            reason: w,
                        });
                    }
                }
                if shown >= want.max_posts || scanned >= want.scan_limit {
                    break 'pages;
                }
            }
            let Some(next) = page.paging.take().and_then(|p| p.next) else {
                break;
            };
            let next = self.checked_next(&next)?;
            paging.admit(&next, scanned)?;
            page = self.get(next, &mut requests).await?;
        }
        // An answer that is not one: posts, none of them usable (a change of
        // the API's shape, not an account that emptied itself), or empty pages
        // that still linked to more. Publishing it would blank the feed.
        let media_url = url_for_display(&self.endpoint(&media, &[]));
        if scanned > 0 && unusable.len() == scanned {
            return Err(ApiError::Unexpected {
                url: media_url,
                status: 200,
                reason: format!(
                    "none of the {scanned} posts it sent could be read (the first: {})",
                    unusable[0].reason
                ),
            }
            .into());
        }
        if scanned == 0 && first_page_links_on {
            return Err(ApiError::Unexpected {
                url: media_url,
                status: 200,
                reason: "it sent no posts, yet linked to more pages".into(),
            }
            .into());
        }
        if scanned >= want.scan_limit && shown < want.max_posts && !want.filter.is_open() {
            tracing::info!(
                "read {scanned} posts (source.scan_limit) and {shown} passed the filter"
            );
        }

        // Pinned posts older than the pages read: one request each, and no
        // more than the feed can show.
        let mut missing: Vec<String> = want
            .pinned_ids()
            .filter(|id| !posts.iter().any(|p| p.id == *id))
            .map(str::to_string)
            .collect();
        if missing.len() > want.max_posts {
            warnings.push(format!(
                "{} pinned posts are older than the posts read; only the first {} (source.max_posts) are fetched",
                missing.len(),
                want.max_posts
            ));
            missing.truncate(want.max_posts);
        }
        for id in missing {
            let url = self.endpoint(&id, &[("fields", &fields)]);
            match self.get::<wire::Media>(url, &mut requests).await {
                Ok(m) => match convert(m) {
                    Ok((post, mut w)) => {
                        warnings.append(&mut w);
                        posts.push(post);
                    }
                    Err(w) => {
                        let reason = format!("pinned {w}");
                        warnings.push(reason.clone());
                        unusable.push(LeftOut {
                            id: id.clone(),
                            reason,
                        });
                    }
                },
                Err(e @ Error::Token { .. }) => return Err(e),
                Err(e) => warnings.push(format!(
                    "pinned post {id} could not be read, so it is not shown: {e}{}",
                    if matches!(&e, Error::Api(ApiError::Graph { code: 100, .. })) {
                        format!(" (is it a post of @{}?)", account.username)
                    } else {
                        String::new()
                    }
                )),
            }
        }
        for link in want.missing_pinned_links(&posts) {
            warnings.push(format!(
                "pinned post {link} is not among the {scanned} newest posts read, so it is not shown; pin it by its media id (the `id` in the JSON data file) and feedgen fetches it directly"
            ));
        }
        let mut notes = self.take_notes();
        notes.append(&mut warnings);
        Ok(Fetched {
            feed: Feed { account, posts },
            warnings: notes,
            requests,
            unusable,
        })
    }

    /// Reads the rest of an album's items when its `children` edge has a
    /// next page (on the API host only, up to [`MAX_ALBUM_ITEMS`]). A failure
    /// other than the token's keeps the items already read, with a warning.
    async fn more_children(
        &self,
        m: &mut wire::Media,
        requests: &mut usize,
        warnings: &mut Vec<String>,
    ) -> Result<(), Error> {
        let id = printable(&m.id).into_owned();
        let Some(children) = m.children.as_mut() else {
            return Ok(());
        };
        let mut next = children.paging.take().and_then(|p| p.next);
        while let Some(link) = next.take() {
            if children.data.len() >= MAX_ALBUM_ITEMS {
                break;
            }
            let url = self.checked_next(&link)?;
            match self.get::<wire::Children>(url, requests).await {
                Ok(page) if !page.data.is_empty() => {
                    children.data.extend(page.data);
                    next = page.paging.and_then(|p| p.next);
                }
                Ok(_) => {}
                Err(e @ Error::Token { .. }) => return Err(e),
                Err(e) => warnings.push(format!(
                    "post {id}: more album items could not be read ({e}); the first {} are shown",
                    children.data.len()
                )),
            }
        }
        Ok(())
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

    pub(super) async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        requests: &mut usize,
    ) -> Result<T, Error> {
        self.get_as(url, requests, true).await
    }

    /// [`Self::get`], optionally without `access_token` (the token exchange
    /// carries the token in a parameter of its own).
    pub(super) async fn get_as<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        requests: &mut usize,
        send_token: bool,
    ) -> Result<T, Error> {
        let shown = url_for_display(&url);
        let mut with_token = url;
        if send_token {
            with_token
                .query_pairs_mut()
                .append_pair("access_token", self.token.expose());
        }
        let mut attempts = Attempts::new(self.retry);
        loop {
            let pace = *self.pace.lock().expect("pace lock");
            if let Some(p) = pace {
                tokio::time::sleep(p).await;
            }
            *requests += 1;
            if let Some(sent) = self.sent {
                sent.fetch_add(1, Ordering::Relaxed);
            }
            tracing::debug!(url = %shown, "GET");
            let (error, hint) = match self.attempt(&with_token, &shown).await {
                Ok(v) => return Ok(v),
                Err(Failure::Final(e)) => return Err(e),
                Err(Failure::Retryable(e, hint)) => (e, hint),
            };
            match attempts.next_delay(hint) {
                Some(delay) => {
                    tracing::info!("{error}; retrying in {:.1} s", delay.as_secs_f64());
                    tokio::time::sleep(delay).await;
                }
                None => return Err(gave_up(error, attempts.retries())),
            }
        }
    }

    /// One request: the parsed answer, or the error and whether to retry it.
    async fn attempt<T: serde::de::DeserializeOwned>(
        &self,
        url: &Url,
        shown: &str,
    ) -> Result<T, Failure> {
        let network = |reason: String| {
            Failure::Retryable(
                ApiError::Network {
                    url: shown.to_string(),
                    reason: self.shown(&reason),
                }
                .into(),
                None,
            )
        };
        let response = self.http.get(url.clone()).send().await.map_err(|e| {
            // A request that cannot even be built fails the same way every time.
            let builder = e.is_builder();
            match network(describe(e)) {
                Failure::Retryable(error, _) if builder => Failure::Final(error),
                other => other,
            }
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut hint = retry_after(&headers);
        if let Some(u) = usage(&headers) {
            if let Some(regain) = u.regain {
                hint = Some(hint.map_or(regain, |h| h.max(regain)));
            }
            if u.percent >= USAGE_SLOWDOWN_PERCENT {
                let mut pace = self.pace.lock().expect("pace lock");
                if pace.is_none() {
                    self.notes.lock().expect("notes lock").push(format!(
                        "the API reports {}% of this app's rate limit used; spacing out the remaining calls",
                        u.percent
                    ));
                    *pace = Some(self.retry.base_delay * 4);
                }
            }
        }
        let body = read_capped(response, MAX_BODY_BYTES)
            .await
            .map_err(|reason| {
                // The same answer would be just as large: no retry.
                let over = reason.contains("-byte limit");
                match network(reason) {
                    Failure::Retryable(error, _) if over => Failure::Final(error),
                    other => other,
                }
            })?;

        // Graph reports some errors with HTTP 200 (code 200 "API access deactivated").
        if let Ok(err) = serde_json::from_slice::<wire::ErrorBody>(&body)
            && (err.error.is_some() || err.error_message.is_some())
        {
            let transient = err.error.as_ref().and_then(|g| g.is_transient) == Some(true);
            let error = self.classify(err, status, shown);
            let retry = match &error {
                Error::Api(ApiError::Graph { code, .. }) => {
                    transient
                        || status >= 500
                        || matches!(code, 1 | 2)
                        || THROTTLE_CODES.contains(code)
                }
                _ => false,
            };
            return Err(if retry {
                Failure::Retryable(error, hint)
            } else {
                Failure::Final(error)
            });
        }
        if !(200..300).contains(&status) {
            let error = ApiError::Unexpected {
                url: shown.to_string(),
                status,
                reason: format!("not a Graph error response: {}", self.snippet(&body)),
            }
            .into();
            return Err(if status >= 500 || status == 429 {
                Failure::Retryable(error, hint)
            } else {
                Failure::Final(error)
            });
        }
        // A garbled page (a proxy cut it short, invalid UTF-8) is worth one more try.
        serde_json::from_slice(&body).map_err(|e| {
            Failure::Retryable(
                ApiError::Unexpected {
                    url: shown.to_string(),
                    status,
                    // serde quotes the offending value: a server that echoes the
                    // request URL into a typed field would otherwise print the token.
                    reason: format!(
                        "the JSON does not have the documented shape ({})",
                        self.shown(&e.to_string())
                    ),
                }
                .into(),
                None,
            )
        })
    }

    /// Whether `url` reads the account itself (`/me`, `/me/media`, or the
    /// business account's id), where "Unsupported get request" means the token
    /// may not read the account; on a single post it means that post is gone.
    fn is_account_node(&self, url: &str) -> bool {
        let Ok(url) = Url::parse(url) else {
            return false;
        };
        let base = self.api_base.path().trim_end_matches('/');
        let rest = url.path().strip_prefix(base).unwrap_or(url.path());
        let rest = rest.trim_start_matches('/');
        let rest = rest.strip_prefix(self.version.as_str()).unwrap_or(rest);
        let node = rest.strip_suffix("/media").unwrap_or(rest);
        node == "me" || node == self.user
    }

    fn snippet(&self, body: &[u8]) -> String {
        // Scrubbed whole, then cut: cutting first could leave half a token.
        let text = String::from_utf8_lossy(body);
        let text = self.shown(text.trim());
        if text.is_empty() {
            "empty body".into()
        } else {
            format!("`{text}`")
        }
    }

    fn classify(&self, body: wire::ErrorBody, status: u16, url: &str) -> Error {
        let (code, subcode, message) = match body.error {
            Some(g) => (
                g.code.unwrap_or(0),
                g.error_subcode,
                g.message.unwrap_or_default(),
            ),
            None => (
                body.code.unwrap_or(i64::from(status)),
                None,
                format!(
                    "{}: {}",
                    body.error_type.unwrap_or_default(),
                    body.error_message.unwrap_or_default()
                ),
            ),
        };
        let message = self.shown(&message);
        let basic_display = {
            let t = self.token.expose();
            t.starts_with("IGQV") || t.starts_with("IGQW")
        };
        let token_error = |problem| Error::Token {
            problem,
            login: self.kind,
            detail: Some(message.clone()),
        };
        match (code, subcode) {
            (190, _) | (100, _) if basic_display => token_error(TokenProblem::BasicDisplayRetired),
            (190, _) => token_error(problem_190(subcode, &message)),
            (100, _) if unsupported(&message) && self.is_account_node(url) => {
                token_error(TokenProblem::Unsupported)
            }
            (10, _) | (200..=299, _) => token_error(TokenProblem::Permission),
            _ => {
                let hint = match code {
                    c if THROTTLE_CODES.contains(&c) => Some(
                        "The API is throttling this app or account; wait an hour before the next build (rebuild from the last snapshot with --offline meanwhile)".to_string(),
                    ),
                    1 | 2 => Some("A temporary API failure; retry later".to_string()),
                    _ => None,
                };
                ApiError::Graph {
                    url: url.to_string(),
                    status,
                    code,
                    subcode,
                    message,
                    hint,
                }
                .into()
            }
        }
    }
}

/// What a code-190 answer means: by its subcode when there is one (Meta's
/// error-handling guide), else by the documented phrases of its message, as
/// graph.instagram.com often sends no subcode ("Session has expired on …").
fn problem_190(subcode: Option<i64>, message: &str) -> TokenProblem {
    let says = |phrases: &[&str]| {
        let m = message.to_ascii_lowercase();
        phrases.iter().any(|p| m.contains(p))
    };
    match subcode {
        Some(463) => TokenProblem::Expired,
        Some(460) => TokenProblem::Invalidated,
        Some(458) => TokenProblem::Deauthorized,
        Some(459 | 464) => TokenProblem::AccountCheckpoint,
        Some(467) => TokenProblem::Invalid,
        _ if says(&["session has expired", "has expired"]) => TokenProblem::Expired,
        _ if says(&[
            "has been invalidated",
            "session was invalidated",
            "changed their password",
            "changed the password",
            "session does not match",
        ]) =>
        {
            TokenProblem::Invalidated
        }
        _ if says(&["has not authorized", "not authorized application"]) => {
            TokenProblem::Deauthorized
        }
        _ if says(&["cannot parse access token", "malformed access token"]) => {
            TokenProblem::Invalid
        }
        _ => TokenProblem::Refused,
    }
}

/// Whether a code-100 message is the "Unsupported get request" family.
fn unsupported(message: &str) -> bool {
    message.contains("Unsupported get request")
        || message.contains("Unsupported request - method type")
}

/// Ends paging that would never end by itself: a server answering empty
/// pages with a `next` link forever, or sending back a page already read.
struct PageGuard {
    seen: std::collections::HashSet<String>,
    pages: usize,
    max_pages: usize,
    /// Pages in a row that held no post, and the posts read before them.
    empty_run: usize,
    posts_before: usize,
}

/// Empty pages in a row that still link to more: the API may send one (its
/// last page), never a run of them.
const MAX_EMPTY_PAGES: usize = 3;

impl PageGuard {
    /// Room for twice the pages `scan_limit` posts fill at `page_size` a
    /// page (the API's pages may come short), plus a few.
    fn new(scan_limit: usize, page_size: usize) -> Self {
        PageGuard {
            seen: Default::default(),
            pages: 1,
            max_pages: scan_limit.div_ceil(page_size.max(1)) * 2 + 3,
            empty_run: 0,
            posts_before: 0,
        }
    }

    /// Whether the page at `next` may be read, `posts` read so far.
    fn admit(&mut self, next: &Url, posts: usize) -> Result<(), Error> {
        // The cursor is what names the page; the rest of the link may vary.
        let key = next
            .query_pairs()
            .find(|(k, _)| k == "after")
            .map_or_else(|| next.to_string(), |(_, v)| format!("after={v}"));
        let endless = |reason: String| ApiError::EndlessPaging {
            reason,
            pages: self.pages,
            posts,
        };
        if !self.seen.insert(key) {
            return Err(endless("a next-page link names a page already read".into()).into());
        }
        self.empty_run = if posts == self.posts_before {
            self.empty_run + 1
        } else {
            0
        };
        self.posts_before = posts;
        if self.empty_run >= MAX_EMPTY_PAGES {
            return Err(endless(format!(
                "{MAX_EMPTY_PAGES} empty pages in a row still link to more"
            ))
            .into());
        }
        if self.pages >= self.max_pages {
            return Err(endless(format!(
                "more next-page links than the {} pages source.scan_limit needs",
                self.max_pages
            ))
            .into());
        }
        self.pages += 1;
        Ok(())
    }
}

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
fn parse_url(s: Option<&str>) -> Option<Url> {
    s.and_then(|s| Url::parse(s).ok())
}

/// Only links to instagram.com posts are kept; anything else is not rendered.
fn permalink(s: Option<&str>) -> Option<Url> {
    parse_url(s).filter(crate::model::is_post_permalink)
}

fn child_asset(child: &wire::Media, post_id: &str) -> Result<Asset, String> {
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
fn convert(m: wire::Media) -> Result<(Post, Vec<String>), String> {
    let mut warnings = Vec::new();
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
    let (kind, assets) = match m.media_type.as_deref() {
        Some("IMAGE") => {
            let url = parse_url(m.media_url.as_deref())
                .ok_or_else(|| format!("post {id}: image without media_url; skipped"))?;
            let asset = Asset {
                id: id.clone(),
                role: AssetRole::Image,
                url: Some(url),
                original: None,
            };
            (PostKind::Image, vec![asset])
        }
        Some("VIDEO") => {
            let url = parse_url(m.thumbnail_url.as_deref()).ok_or_else(|| {
                format!("post {id}: video without a poster image (thumbnail_url); skipped")
            })?;
            let asset = Asset {
                id: format!("{id}:poster"),
                role: AssetRole::VideoPoster,
                url: Some(url),
                original: None,
            };
            (PostKind::Video, vec![asset])
        }
        Some("CAROUSEL_ALBUM") => {
            let mut assets = Vec::new();
            match &m.children {
                Some(children) if !children.data.is_empty() => {
                    if children.data.len() > MAX_ALBUM_ITEMS {
                        warnings.push(format!(
                            "post {id}: an album of {} items, more than Instagram allows ({MAX_ALBUM_ITEMS}); only the first {MAX_ALBUM_ITEMS} are shown",
                            children.data.len()
                        ));
                    }
                    let mut left_out = Vec::new();
                    for child in children.data.iter().take(MAX_ALBUM_ITEMS) {
                        match child_asset(child, &id) {
                            Ok(a) => assets.push(a),
                            Err(w) => left_out.push(w),
                        }
                    }
                    // Live answers may carry children as ids only; the album's
                    // own media_url is its cover, which is better than nothing.
                    let cover = assets
                        .is_empty()
                        .then(|| parse_url(m.media_url.as_deref()))
                        .flatten();
                    match cover {
                        Some(url) => {
                            warnings.push(format!(
                                "post {id}: its album items came without images; the album's cover is shown"
                            ));
                            assets.push(Asset {
                                id: id.clone(),
                                role: AssetRole::Image,
                                url: Some(url),
                                original: None,
                            });
                        }
                        None => warnings.append(&mut left_out),
                    }
                }
                // Without children the album's own media_url is its first image.
                _ => {
                    if let Some(url) = parse_url(m.media_url.as_deref()) {
                        assets.push(Asset {
                            id: id.clone(),
                            role: AssetRole::Image,
                            url: Some(url),
                            original: None,
                        });
                    }
                }
            }
            if assets.is_empty() {
                return Err(format!("post {id}: carousel without any image; skipped"));
            }
            (PostKind::Carousel, assets)
        }
        other => {
            return Err(format!(
                "post {id}: unknown media_type {:?}; skipped",
                printable(other.unwrap_or(""))
            ));
        }
    };
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
    let post = Post {
        permalink,
        alt_text: m.alt_text.filter(|a| !a.trim().is_empty()),
        caption,
        id,
        kind,
        timestamp,
        reel,
        like_count: m.like_count,
        comments_count: m.comments_count,
        assets,
    };
    let mut post = post;
    post.check()?;
    Ok((post, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_ends_on_a_repeat_a_run_of_empty_pages_or_the_page_cap() {
        let next = |c: &str| {
            Url::parse(&format!(
                "https://graph.instagram.com/me/media?after={c}&limit=10"
            ))
            .unwrap()
        };
        let message = |e: Error| e.to_string();

        let mut g = PageGuard::new(100, 10);
        g.admit(&next("a"), 10).unwrap();
        let e = message(g.admit(&next("a"), 20).unwrap_err());
        assert!(e.contains("already read") && e.contains("20 posts"), "{e}");

        let mut g = PageGuard::new(100, 10);
        g.admit(&next("a"), 5).unwrap();
        g.admit(&next("b"), 5).unwrap();
        g.admit(&next("c"), 5).unwrap();
        let e = message(g.admit(&next("d"), 5).unwrap_err());
        assert!(e.contains("3 empty pages in a row"), "{e}");

        // One post a page (a server dribbling): 2 x 10 + 3 pages, then an error.
        let mut g = PageGuard::new(100, 10);
        let mut pages = 1;
        let e = loop {
            match g.admit(&next(&pages.to_string()), pages) {
                Ok(()) => pages += 1,
                Err(e) => break message(e),
            }
        };
        assert_eq!(pages, 23);
        assert!(e.contains("23 pages source.scan_limit needs"), "{e}");
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
