//! Reading the media listing: the first page (falling back to the fields
//! every host serves), the pages after it under the [`PageGuard`], the check
//! that the answer is one, and the pinned posts older than the pages read.

use crate::error::{ApiError, Error};
use crate::model::{Account, Feed, Post};
use crate::secret::{printable, url_for_display};
use crate::select::Selection;
use crate::source::instagram::paging::PageGuard;
use crate::source::instagram::{
    BASE_FIELDS, COUNT_FIELDS, EXTRA_FIELDS, Fetched, InstagramClient, LeftOut, MAX_ALBUM_ITEMS,
    MAX_PAGE_SIZE, convert,
};
use crate::source::wire;

/// What the listing gave so far, carried from one step of a fetch to the next.
#[derive(Default)]
pub(super) struct Reading {
    pub(super) posts: Vec<Post>,
    pub(super) warnings: Vec<String>,
    pub(super) unusable: Vec<LeftOut>,
    /// Posts the API sent, usable or not.
    pub(super) scanned: usize,
    /// Posts that count towards `max_posts` (pinned ones do not).
    pub(super) shown: usize,
    /// The shortcodes of the embedded posts read.
    pub(super) embedded: std::collections::HashSet<String>,
}

impl Reading {
    /// What the fetch gives back: the account with the posts read, the
    /// client's notes (rate-limit usage) before the reading's own warnings.
    pub(super) fn into_fetched(mut self, account: Account, mut notes: Vec<String>) -> Fetched {
        notes.append(&mut self.warnings);
        Fetched {
            feed: Feed {
                account,
                posts: self.posts,
            },
            warnings: notes,
            unusable: self.unusable,
        }
    }
}

/// Posts asked for per page: with an open filter exactly what the feed shows
/// (plus the curated ones); a filter may pass few posts per page, so then
/// fewer, fuller pages.
pub(super) fn page_size(want: &Selection) -> usize {
    let curated = want.overrides.pin.len() + want.overrides.hide.len();
    let size = if want.filter.is_open() && want.embeds.is_empty() {
        want.max_posts + curated
    } else {
        MAX_PAGE_SIZE
    };
    size.min(MAX_PAGE_SIZE)
}

impl<'a> InstagramClient<'a> {
    /// The first page of `/media` and the fields that worked: the
    /// Instagram-Login extras are dropped when the host says they do not exist.
    pub(super) async fn first_page(
        &self,
        page_size: usize,
        counts: bool,
    ) -> Result<(wire::MediaPage, String), Error> {
        let limit = page_size.to_string();
        let extras = if counts {
            format!("{EXTRA_FIELDS},{COUNT_FIELDS}")
        } else {
            EXTRA_FIELDS.to_string()
        };
        let media = format!("{}/media", self.user);
        let fields = format!("{BASE_FIELDS},{extras}");
        let first = self.endpoint(&media, &[("fields", &fields), ("limit", &limit)]);
        match self.get(first).await {
            Ok(page) => Ok((page, fields)),
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
                let fields = BASE_FIELDS.to_string();
                let plain = self.endpoint(&media, &[("fields", &fields), ("limit", &limit)]);
                Ok((self.get(plain).await?, fields))
            }
            Err(e) => Err(e),
        }
    }

    /// Reads `page` and the pages it links to until the feed is full, a post
    /// is older than `source.since`, `scan_limit` posts were read, or the
    /// listing ends.
    pub(super) async fn read_pages(
        &self,
        mut page: wire::MediaPage,
        want: &Selection,
        read: &mut Reading,
    ) -> Result<(), Error> {
        let mut paging = PageGuard::new();
        loop {
            paging.read(page.data.iter().map(|m| m.id.as_str()));
            for m in std::mem::take(&mut page.data) {
                if self.read_post(m, want, read).await? {
                    return Ok(());
                }
            }
            let Some(next) = page.paging.take().and_then(|p| p.next) else {
                return Ok(());
            };
            let next = self.checked_next(&next)?;
            paging.admit(&next)?;
            page = self.get(next).await?;
        }
    }

    /// Takes one post of a page if the selection wants it; `true` when
    /// reading should stop here.
    pub(super) async fn read_post(
        &self,
        mut m: wire::Media,
        want: &Selection,
        read: &mut Reading,
    ) -> Result<bool, Error> {
        read.scanned += 1;
        let raw_id = printable(&m.id).into_owned();
        if let Some(w) = self.more_children(&mut m).await? {
            read.warnings.push(w);
        }
        match convert(m) {
            Ok((post, mut w)) => {
                let older = want.past_since(&post);
                let shown = want.wants(&post);
                let embedded = want.embedded(&post);
                if shown || embedded {
                    read.warnings.append(&mut w);
                    if shown {
                        read.shown += usize::from(want.pin_rank(&post).is_none());
                    }
                    if embedded {
                        read.embedded.extend(crate::model::code_of(&post));
                    }
                    read.posts.push(post);
                }
                if older && !self.embeds_pending(want, read) {
                    return Ok(true);
                }
            }
            // Unreadable, so the filter cannot judge it: say so either way.
            Err(w) => {
                read.warnings.push(w.clone());
                read.unusable.push(LeftOut {
                    id: raw_id,
                    reason: w,
                });
            }
        }
        Ok(
            (read.shown >= want.max_posts && !self.embeds_pending(want, read))
                || read.scanned >= want.scan_limit,
        )
    }

    /// Whether paging must go on for an embedded post: one not read yet,
    /// and (on the account's own host) not known by its id either.
    fn embeds_pending(&self, want: &Selection, read: &Reading) -> bool {
        want.embeds_pending(&read.embedded, self.discover.is_none())
    }

    /// Embedded posts the pages did not reach but the last snapshot knew by
    /// id: one request each. The answer must carry the same shortcode (an
    /// id is only a hint); a post the API no longer has (code 100) is gone.
    pub(super) async fn read_known_embeds(
        &self,
        want: &Selection,
        fields: &str,
        read: &mut Reading,
    ) -> Result<(), Error> {
        let missing: Vec<(String, String)> = want
            .embed_ids
            .iter()
            .filter(|(code, _)| want.embeds.contains(code) && !read.embedded.contains(*code))
            .map(|(c, id)| (c.clone(), id.clone()))
            .collect();
        for (code, id) in missing {
            let url = self.endpoint(&id, &[("fields", fields)]);
            match self.get::<wire::Media>(url).await {
                Ok(m) => match convert(m) {
                    Ok((post, mut w)) if crate::model::code_of(&post).as_deref() == Some(&code) => {
                        read.warnings.append(&mut w);
                        read.embedded.insert(code);
                        read.posts.push(post);
                    }
                    Ok(_) => read.warnings.push(format!(
                        "embedded post {code}: media {id} is no longer that post; it is looked for by paging on the next build"
                    )),
                    Err(w) => read.warnings.push(format!("embedded post {code}: {w}")),
                },
                Err(Error::Api(ApiError::Graph { code: 100, .. })) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Refuses an answer that is not one: posts, none of them usable (a
    /// change of the API's shape, not an account that emptied itself), or
    /// empty pages that still linked to more. Publishing it would blank the feed.
    pub(super) fn check_answer(
        &self,
        read: &Reading,
        first_page_links_on: bool,
    ) -> Result<(), Error> {
        let media_url = url_for_display(&self.endpoint(&format!("{}/media", self.user), &[]));
        let scanned = read.scanned;
        if scanned > 0 && read.unusable.len() == scanned {
            return Err(ApiError::Unexpected {
                url: media_url,
                status: 200,
                reason: format!(
                    "none of the {scanned} posts it sent could be read (the first: {})",
                    read.unusable[0].reason
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
        Ok(())
    }

    /// Pinned posts older than the pages read: one request each, and no more
    /// than the feed can show.
    pub(super) async fn read_pinned(
        &self,
        want: &Selection,
        fields: &str,
        account: &Account,
        read: &mut Reading,
    ) -> Result<(), Error> {
        let mut missing: Vec<String> = want
            .pinned_ids()
            .filter(|id| !read.posts.iter().any(|p| p.id == *id))
            .map(str::to_string)
            .collect();
        if missing.len() > want.max_posts {
            read.warnings.push(format!(
                "{} pinned posts are older than the posts read; only the first {} (source.max_posts) are fetched",
                missing.len(),
                want.max_posts
            ));
            missing.truncate(want.max_posts);
        }
        for id in missing {
            let url = self.endpoint(&id, &[("fields", fields)]);
            match self.get::<wire::Media>(url).await {
                Ok(m) => match convert(m) {
                    Ok((post, mut w)) => {
                        read.warnings.append(&mut w);
                        read.posts.push(post);
                    }
                    Err(w) => {
                        let reason = format!("pinned {w}");
                        read.warnings.push(reason.clone());
                        read.unusable.push(LeftOut {
                            id: id.clone(),
                            reason,
                        });
                    }
                },
                Err(e @ Error::Token { .. }) => return Err(e),
                Err(e) => read.warnings.push(format!(
                    "pinned post {id} could not be read, so it is not shown: {e}{}",
                    if matches!(&e, Error::Api(ApiError::Graph { code: 100, .. })) {
                        format!(" (is it a post of @{}?)", account.username)
                    } else {
                        String::new()
                    }
                )),
            }
        }
        for link in want.missing_pinned_links(&read.posts) {
            read.warnings.push(format!(
                "pinned post {link} is not among the {} newest posts read, so it is not shown; pin it by its media id (the `id` in the JSON data file) and feedgen fetches it directly",
                read.scanned
            ));
        }
        Ok(())
    }

    /// Reads the rest of an album's items when its `children` edge has a
    /// next page (on the API host only, up to [`MAX_ALBUM_ITEMS`]). A failure
    /// other than the token's keeps the items already read, and is the warning returned.
    async fn more_children(&self, m: &mut wire::Media) -> Result<Option<String>, Error> {
        let id = printable(&m.id).into_owned();
        let Some(children) = m.children.as_mut() else {
            return Ok(None);
        };
        if self.discover.is_some() {
            // A discovered account's album cannot be read on its own: the inline items are all.
            children.paging = None;
            return Ok(None);
        }
        let mut next = children.paging.take().and_then(|p| p.next);
        while let Some(link) = next.take() {
            if children.data.len() >= MAX_ALBUM_ITEMS {
                break;
            }
            let url = self.checked_next(&link)?;
            match self.get::<wire::Children>(url).await {
                Ok(page) if !page.data.is_empty() => {
                    children.data.extend(page.data);
                    next = page.paging.and_then(|p| p.next);
                }
                Ok(_) => {}
                Err(e @ Error::Token { .. }) => return Err(e),
                Err(e) => {
                    return Ok(Some(format!(
                        "post {id}: more album items could not be read ({e}); the first {} are shown",
                        children.data.len()
                    )));
                }
            }
        }
        Ok(None)
    }
}
