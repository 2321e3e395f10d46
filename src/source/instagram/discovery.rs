//! Business Discovery (Facebook Login): another public Business or Creator
//! account's profile and media, read with your own account's token.
//!
//! One nested request per page, `GET /{your-ig-user-id}?fields=business_discovery.username(NAME){profile,media.limit(N){...}}`.
//! The nested media edge carries cursors only, never a `next` link, so the
//! next page is the same call with `.after(CURSOR)` on the edge; reading
//! stops on an empty page, a page without an `after` cursor, once the
//! profile's `media_count` posts were read, or where a listing of your own
//! account would stop. The media ids it returns cannot be read one by one
//! (insufficient permission), so an expired CDN link is renewed by reading
//! the pages again ([`InstagramClient::fresh_url`]), and a pinned post must
//! be among the posts read.

use std::collections::HashMap;

use url::Url;

use crate::error::{ApiError, Error};
use crate::model::Account;
use crate::secret::{printable, url_for_display};
use crate::select::Selection;
use crate::source::instagram::convert::account;
use crate::source::instagram::listing::{Reading, page_size};
use crate::source::instagram::paging::PageGuard;
use crate::source::instagram::{COUNT_FIELDS, Fetched, InstagramClient, MAX_PAGE_SIZE, convert};
use crate::source::wire;

/// Media fields asked of a discovered account: what a post shows, nothing of
/// the owner's (`username` is the account's own).
pub const DISCOVERY_MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,media_url,permalink,thumbnail_url,timestamp,children{id,media_type,media_url,thumbnail_url}";

/// The fields every report says Business Discovery serves: asked for when
/// the host refuses [`DISCOVERY_MEDIA_FIELDS`] (one crate's author saw
/// `thumbnail_url` refused); videos then come without posters.
pub const DISCOVERY_PLAIN_FIELDS: &str =
    "id,caption,media_type,media_url,permalink,timestamp,children{id,media_type,media_url}";

/// The profile fields of the discovered account.
pub const DISCOVERY_PROFILE_FIELDS: &str =
    "id,username,name,profile_picture_url,followers_count,media_count";

/// Longest `after` cursor taken from a nested page (real ones are ~100).
const MAX_CURSOR_LEN: usize = 1024;

/// The `after` cursor of a nested media page, checked: it is pasted into the
/// next call's field expansion (`.after(CURSOR)`), so only the alphabet the
/// Graph API's cursors use (base64url letters and `=` padding) is taken; a
/// cursor with `)`, `{`, `,` or anything else could rewrite the request.
fn next_cursor(paging: Option<wire::Paging>, url: &str) -> Result<Option<String>, Error> {
    let Some(after) = paging.and_then(|p| p.cursors).and_then(|c| c.after) else {
        return Ok(None);
    };
    let sound = !after.is_empty()
        && after.len() <= MAX_CURSOR_LEN
        && after
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='));
    if sound {
        Ok(Some(after))
    } else {
        Err(ApiError::Unexpected {
            url: url.to_string(),
            status: 200,
            reason: format!(
                "its paging cursor {} is not one (Graph cursors are letters, digits, `-`, `_` and `=`)",
                printable(&after.chars().take(60).collect::<String>())
            ),
        }
        .into())
    }
}

/// Renewed CDN links of a discovered account, read page by page as expired
/// links ask for them, so many expired images cost one re-read of a page.
#[derive(Default)]
pub(super) struct Relinks {
    urls: HashMap<String, Url>,
    after: Option<String>,
    pages: usize,
    done: bool,
}

/// Pages re-read at most to renew expired links.
const MAX_RELINK_PAGES: usize = 20;

impl InstagramClient<'_> {
    /// The username this client discovers, if it reads another account.
    pub fn discovering(&self) -> Option<&str> {
        self.discover.as_deref()
    }

    /// The `fields` value of one Business Discovery call: the profile and,
    /// with `media`, one page of the media edge after `after`.
    pub(super) fn discovery_fields(&self, media: Option<(&str, usize, Option<&str>)>) -> String {
        let name = self.discover.as_deref().unwrap_or_default();
        let mut inner = DISCOVERY_PROFILE_FIELDS.to_string();
        if let Some((fields, limit, after)) = media {
            inner.push_str(&format!(",media.limit({limit})"));
            if let Some(cursor) = after {
                inner.push_str(&format!(".after({cursor})"));
            }
            inner.push_str(&format!("{{{fields}}}"));
        }
        format!("business_discovery.username({name}){{{inner}}}")
    }

    /// One Business Discovery call on your own account's node.
    pub(super) async fn discovery_call(
        &self,
        media: Option<(&str, usize, Option<&str>)>,
    ) -> Result<wire::Discovered, Error> {
        let fields = self.discovery_fields(media);
        let url = self.endpoint(&self.user, &[("fields", &fields)]);
        let shown = url_for_display(&url);
        let answer: wire::DiscoveryAnswer = self.get(url).await?;
        answer.business_discovery.ok_or_else(|| {
            ApiError::Unexpected {
                url: shown,
                status: 200,
                reason: "the answer has no business_discovery object".into(),
            }
            .into()
        })
    }

    /// The discovered account's profile (no media).
    pub(super) async fn discovered_account(&self) -> Result<Account, Error> {
        let found = self.discovery_call(None).await?;
        account(found.user)
    }

    /// The discovered account and the posts `want` keeps, read through the
    /// nested media edge page by page.
    pub(super) async fn fetch_discovered(
        &self,
        want: &Selection,
        counts: bool,
    ) -> Result<Fetched, Error> {
        let mut read = Reading::default();
        let page_size = page_size(want);
        let with_counts = |f: &str| {
            if counts {
                format!("{f},{COUNT_FIELDS}")
            } else {
                f.to_string()
            }
        };
        let mut fields = with_counts(DISCOVERY_MEDIA_FIELDS);
        let first = match self.discovery_call(Some((&fields, page_size, None))).await {
            Err(Error::Api(ApiError::Graph { code: 100, .. })) => {
                read.warnings.push(format!(
                    "the API refused some media fields for @{}; asking for the basic ones, so videos come without posters and are left out",
                    self.discover.as_deref().unwrap_or_default()
                ));
                fields = with_counts(DISCOVERY_PLAIN_FIELDS);
                self.discovery_call(Some((&fields, page_size, None)))
                    .await?
            }
            other => other?,
        };
        let total = first.user.media_count;
        let account = account(first.user)?;
        let mut page = first.media.unwrap_or_default();
        let mut guard = PageGuard::new();
        'pages: loop {
            guard.read(page.data.iter().map(|m| m.id.as_str()));
            let empty = page.data.is_empty();
            for m in std::mem::take(&mut page.data) {
                if self.read_post(m, want, &mut read).await? {
                    break 'pages;
                }
            }
            let after = next_cursor(page.paging.take(), &url_for_display(&self.api_base))?;
            let Some(after) = after else { break };
            if empty || total.is_some_and(|t| read.scanned as u64 >= t) {
                break;
            }
            guard.admit_cursor(&after)?;
            let next = self
                .discovery_call(Some((&fields, page_size, Some(&after))))
                .await?;
            page = next.media.unwrap_or_default();
        }
        self.check_answer(&read, false)?;
        for id in want
            .pinned_ids()
            .filter(|id| !read.posts.iter().any(|p| p.id == *id))
        {
            read.warnings.push(format!(
                "pinned post {id} is not among the {} newest posts of @{} read, so it is not shown; another account's posts cannot be read one by one, so raise source.scan_limit to reach it",
                read.scanned, account.username
            ));
        }
        for link in want.missing_pinned_links(&read.posts) {
            read.warnings.push(format!(
                "pinned post {link} is not among the {} newest posts read, so it is not shown; raise source.scan_limit to reach it",
                read.scanned
            ));
        }
        Ok(read.into_fetched(account, self.take_notes()))
    }

    /// A fresh link for `asset_id` of a discovered account: the pages are
    /// read again from the newest (each page once per build, shared by every
    /// expired image), since the item itself cannot be read.
    pub(super) async fn rediscovered_url(&self, asset_id: &str) -> Result<Url, Error> {
        let mut relinks = self.relinks.lock().await;
        while !relinks.urls.contains_key(asset_id) && !relinks.done {
            let after = relinks.after.clone();
            let found = self
                .discovery_call(Some((
                    DISCOVERY_MEDIA_FIELDS,
                    MAX_PAGE_SIZE,
                    after.as_deref(),
                )))
                .await?;
            relinks.pages += 1;
            let page = found.media.unwrap_or_default();
            let empty = page.data.is_empty();
            for m in page.data {
                if let Ok((post, _)) = convert(m) {
                    if let Some(url) = post.video.and_then(|v| v.url) {
                        relinks.urls.insert(format!("{}:video", post.id), url);
                    }
                    for a in post.assets {
                        if let Some(url) = a.url {
                            relinks.urls.insert(a.id, url);
                        }
                    }
                }
            }
            let next = next_cursor(page.paging, &url_for_display(&self.api_base))?;
            relinks.done =
                empty || next.is_none() || next == after || relinks.pages >= MAX_RELINK_PAGES;
            relinks.after = next;
        }
        relinks.urls.get(asset_id).cloned().ok_or_else(|| {
            ApiError::Unexpected {
                url: url_for_display(&self.api_base),
                status: 200,
                reason: format!(
                    "image {asset_id} is no longer among the newest posts of @{}",
                    self.discover.as_deref().unwrap_or_default()
                ),
            }
            .into()
        })
    }
}
