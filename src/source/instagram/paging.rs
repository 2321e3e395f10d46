//! Paging guards: a listing that never ends, repeats a cursor or sends empty
//! pages stops with an error instead of paging forever.

use super::*;

/// Ends paging that would never end by itself: a server answering empty
/// pages with a `next` link forever, or sending back a page already read.
pub(super) struct PageGuard {
    pub(super) seen: std::collections::HashSet<String>,
    pub(super) pages: usize,
    pub(super) max_pages: usize,
    /// Pages in a row that held no post, and the posts read before them.
    pub(super) empty_run: usize,
    pub(super) posts_before: usize,
}

/// Empty pages in a row that still link to more: the API may send one (its
/// last page), never a run of them.
pub(super) const MAX_EMPTY_PAGES: usize = 3;

impl PageGuard {
    /// Room for twice the pages `scan_limit` posts fill at `page_size` a
    /// page (the API's pages may come short), plus a few.
    pub(super) fn new(scan_limit: usize, page_size: usize) -> Self {
        PageGuard {
            seen: Default::default(),
            pages: 1,
            max_pages: scan_limit.div_ceil(page_size.max(1)) * 2 + 3,
            empty_run: 0,
            posts_before: 0,
        }
    }

    /// Whether the page at `next` may be read, `posts` read so far.
    pub(super) fn admit(&mut self, next: &Url, posts: usize) -> Result<(), Error> {
        // The cursor is what names the page; the rest of the link may vary.
        let key = next
            .query_pairs()
            .find(|(k, _)| k == "after")
            .map_or_else(|| next.to_string(), |(_, v)| format!("after={v}"));
        self.admit_key(key, posts)
    }

    /// Whether the page after `cursor` may be read (a nested edge, which
    /// pages by cursor alone), `posts` read so far.
    pub(super) fn admit_cursor(&mut self, cursor: &str, posts: usize) -> Result<(), Error> {
        self.admit_key(format!("after={cursor}"), posts)
    }

    fn admit_key(&mut self, key: String, posts: usize) -> Result<(), Error> {
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
