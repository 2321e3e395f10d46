//! Paging guards: a listing that never ends, repeats a cursor or sends empty
//! pages stops with an error instead of paging forever.

use url::Url;

use crate::error::{ApiError, Error};

/// Ends paging that would never end by itself: a server answering empty
/// pages with a `next` link forever, sending back a page already read, or
/// pages of posts already read under new cursors. Paging is bounded by
/// progress, never by an assumed page size: the Graph API filters after it
/// paginates, so a page may hold far fewer posts than `limit` asked for and
/// still be followed by more.
pub(super) struct PageGuard {
    /// The cursors (or links) of the pages read.
    seen: std::collections::HashSet<String>,
    /// The post ids read, to tell progress from a page sent again.
    ids: std::collections::HashSet<String>,
    pages: usize,
    /// Whether the page read last brought a post id not read before.
    progressed: bool,
    /// Pages in a row that brought no new post.
    stalled: usize,
}

/// Pages in a row that bring no new post yet link to more: the API may send
/// an empty last page, never a run of them.
pub(super) const MAX_STALLED_PAGES: usize = 3;

impl PageGuard {
    /// A guard for a listing whose first page is read.
    pub(super) fn new() -> Self {
        PageGuard {
            seen: Default::default(),
            ids: Default::default(),
            pages: 1,
            progressed: true,
            stalled: 0,
        }
    }

    /// Notes the post ids of the page just read, before its link is followed.
    pub(super) fn read<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        let before = self.ids.len();
        self.ids.extend(ids.into_iter().map(str::to_owned));
        self.progressed = self.ids.len() > before;
    }

    /// Whether the page at `next` may be read.
    pub(super) fn admit(&mut self, next: &Url) -> Result<(), Error> {
        // The cursor is what names the page; the rest of the link may vary.
        let key = next
            .query_pairs()
            .find(|(k, _)| k == "after")
            .map_or_else(|| next.to_string(), |(_, v)| format!("after={v}"));
        self.admit_key(key)
    }

    /// Whether the page after `cursor` may be read (a nested edge, which
    /// pages by cursor alone).
    pub(super) fn admit_cursor(&mut self, cursor: &str) -> Result<(), Error> {
        self.admit_key(format!("after={cursor}"))
    }

    fn admit_key(&mut self, key: String) -> Result<(), Error> {
        let endless = |reason: String| ApiError::EndlessPaging {
            reason,
            pages: self.pages,
            posts: self.ids.len(),
        };
        if !self.seen.insert(key) {
            return Err(endless("a next-page link names a page already read".into()).into());
        }
        self.stalled = if self.progressed { 0 } else { self.stalled + 1 };
        if self.stalled >= MAX_STALLED_PAGES {
            return Err(endless(format!(
                "{MAX_STALLED_PAGES} pages in a row brought no new post yet link to more"
            ))
            .into());
        }
        self.pages += 1;
        Ok(())
    }
}
