//! Which posts a feed shows, and in what order: the `[filter]` of the config
//! and the site's overrides file.
//!
//! # Concepts
//!
//! - **Filter** (`[filter]`): post types, hashtags to require or refuse, a date
//!   range, reels in or out. Applied while the feed is fetched, so a build reads
//!   further pages until `source.max_posts` posts pass it (or `source.scan_limit`
//!   posts were read, or the posts get older than `filter.since`), and never
//!   downloads an image of a post it does not show.
//! - **Overrides file** (`filter.overrides`, checked into the site): posts
//!   hidden or pinned by media id or permalink, and replacement alt text or
//!   captions per post. A pinned post is shown first even when the filter
//!   would leave it out; a hidden one never is. A pinned post older than the
//!   posts read is fetched by its id (`GET /{media-id}`).
//! - **Order of work**: [`Selection::wants`] decides while fetching,
//!   [`Selection::apply`] arranges what was fetched (or what the snapshot holds,
//!   offline). The snapshot keeps posts as the API sent them, before the
//!   overrides, so taking an override out takes its effect out too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::{FeedConfig, FilterConfig};
use crate::error::{ConfigError, Error};
use crate::model::{Post, code_of, link_code, shortcode};
use crate::text::hashtags;

/// A post named in the overrides file: by media id, or by its permalink's shortcode.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PostRef {
    /// A media id (digits), as in `feed.json`.
    Id(String),
    /// The shortcode of a `https://www.instagram.com/p/<code>/` (or `/reel/`, `/tv/`) link.
    Shortcode(String),
}

impl PostRef {
    /// Reads an id or a permalink as written in the overrides file.
    pub fn parse(text: &str) -> Result<PostRef, String> {
        let t = text.trim();
        if crate::model::is_graph_id(t) {
            return Ok(PostRef::Id(t.to_string()));
        }
        link_code(t)
            .map(PostRef::Shortcode)
            .ok_or_else(|| {
                format!(
                    "`{t}` is neither a media id (digits, as in feed.json) nor a post link such as https://www.instagram.com/p/SHORTCODE/"
                )
            })
    }

    /// Whether `post` is the post named.
    pub fn matches(&self, post: &Post) -> bool {
        match self {
            PostRef::Id(id) => post.id == *id,
            PostRef::Shortcode(code) => post
                .permalink
                .as_ref()
                .and_then(shortcode)
                .is_some_and(|c| c == *code),
        }
    }
}

/// The overrides file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverrides {
    #[serde(default)]
    hide: Vec<String>,
    #[serde(default)]
    pin: Vec<String>,
    #[serde(default)]
    post: BTreeMap<String, RawPostEdit>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPostEdit {
    alt: Option<String>,
    caption: Option<String>,
}

/// What the overrides file replaces for one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostEdit {
    /// The post.
    pub post: PostRef,
    /// New alt text for its images.
    pub alt: Option<String>,
    /// New caption; an empty one removes the caption.
    pub caption: Option<String>,
}

/// The site's overrides file, parsed and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Posts never shown.
    pub hide: Vec<PostRef>,
    /// Posts shown first, in this order.
    pub pin: Vec<PostRef>,
    /// Replacements per post.
    pub edits: Vec<PostEdit>,
}

impl Overrides {
    /// Reads an overrides file; every problem names the file, the entry and the fix.
    pub fn load(path: &Path) -> Result<Overrides, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::invalid(
                "filter.overrides",
                &format!(
                    "cannot read the overrides file {}: {e}. Create it (it may be empty) or remove filter.overrides",
                    path.display()
                ),
            )
        })?;
        Overrides::parse(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: Some(path.to_path_buf()),
                message,
            }
            .into(),
            ConfigError::Invalid { reason, .. } => ConfigError::invalid(
                "filter.overrides",
                &format!("in {}: {reason}", path.display()),
            )
            .into(),
            other => other.into(),
        })
    }

    /// Parses the text of an overrides file.
    pub fn parse(text: &str) -> Result<Overrides, ConfigError> {
        let raw: RawOverrides = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: None,
            message: e.to_string(),
        })?;
        let refs = |key: &str, list: Vec<String>| -> Result<Vec<PostRef>, ConfigError> {
            let mut out: Vec<PostRef> = Vec::new();
            for t in list {
                let r = PostRef::parse(&t)
                    .map_err(|why| ConfigError::invalid(key, &format!("{key}: {why}")))?;
                if !out.contains(&r) {
                    out.push(r);
                }
            }
            Ok(out)
        };
        let hide = refs("hide", raw.hide)?;
        let pin = refs("pin", raw.pin)?;
        if let Some(both) = pin.iter().find(|p| hide.contains(p)) {
            return Err(ConfigError::invalid(
                "pin",
                &format!("{both:?} is both hidden and pinned; keep it in one of the two lists"),
            ));
        }
        let mut edits = Vec::new();
        for (key, edit) in raw.post {
            let post = PostRef::parse(&key)
                .map_err(|why| ConfigError::invalid("post", &format!("[post.\"{key}\"]: {why}")))?;
            if edit.alt.as_deref().is_some_and(|a| a.trim().is_empty()) {
                return Err(ConfigError::invalid(
                    "post",
                    &format!(
                        "[post.\"{key}\"]: alt is empty; describe the image, or remove the line to keep the default alt text"
                    ),
                ));
            }
            if edit.alt.is_none() && edit.caption.is_none() {
                return Err(ConfigError::invalid(
                    "post",
                    &format!("[post.\"{key}\"]: give `alt`, `caption` or both"),
                ));
            }
            edits.push(PostEdit {
                post,
                alt: edit.alt.map(|a| a.trim().to_string()),
                caption: edit.caption,
            });
        }
        Ok(Overrides { hide, pin, edits })
    }
}

/// What a feed shows: its filter, its overrides and its size.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// `[filter]`.
    pub filter: FilterConfig,
    /// The overrides file's content (empty without one).
    pub overrides: Overrides,
    /// Where the overrides came from, for messages.
    pub overrides_file: Option<PathBuf>,
    /// `source.max_posts`.
    pub max_posts: usize,
    /// `source.scan_limit`.
    pub scan_limit: usize,
    /// Posts embedded one by one (`[embed]`): kept while paging, whatever
    /// the filter says, but never shown in the feed for that.
    pub embeds: crate::embed::Wanted,
    /// The media ids the last snapshot found embedded posts under, by
    /// shortcode: the API host reads such a post directly instead of paging to it.
    pub embed_ids: BTreeMap<String, String>,
}

impl Selection {
    /// The selection of a feed, reading its overrides file.
    pub fn of(feed: &FeedConfig) -> Result<Selection, Error> {
        let overrides = match &feed.filter.overrides {
            Some(path) => Overrides::load(path)?,
            None => Overrides::default(),
        };
        Ok(Selection {
            filter: feed.filter.clone(),
            overrides,
            overrides_file: feed.filter.overrides.clone(),
            max_posts: feed.source.max_posts,
            scan_limit: feed.source.scan_limit,
            // The build fills these in: the scan warns, the snapshot knows ids.
            embeds: Default::default(),
            embed_ids: Default::default(),
        })
    }

    /// Shows every post, newest first, up to `max_posts` (no filter, no overrides).
    pub fn newest(max_posts: usize) -> Selection {
        Selection {
            max_posts,
            scan_limit: max_posts,
            ..Selection::default()
        }
    }

    /// Whether `post` passes `[filter]`.
    pub fn passes_filter(&self, post: &Post) -> bool {
        let f = &self.filter;
        if !f.types.contains(&post.kind)
            || (f.exclude_reels && post.reel)
            || (f.only_reels && !post.reel)
            // As Instagram's profile grid: a reel not shared to it stays in the Reels tab.
            || (!f.unshared_reels && post.reel && post.shared_to_feed == Some(false))
        {
            return false;
        }
        if f.since.is_some_and(|s| post.timestamp < s)
            || f.until.is_some_and(|u| post.timestamp > u)
        {
            return false;
        }
        if f.include_hashtags.is_empty() && f.exclude_hashtags.is_empty() {
            return true;
        }
        let tags = post.caption.as_deref().map(hashtags).unwrap_or_default();
        let has = |list: &[String]| list.iter().any(|t| tags.contains(t));
        (f.include_hashtags.is_empty() || has(&f.include_hashtags)) && !has(&f.exclude_hashtags)
    }

    /// Whether the overrides hide `post`.
    pub fn hidden(&self, post: &Post) -> bool {
        self.overrides.hide.iter().any(|r| r.matches(post))
    }

    /// The place of `post` among the pinned ones, if it is pinned.
    pub fn pin_rank(&self, post: &Post) -> Option<usize> {
        self.overrides.pin.iter().position(|r| r.matches(post))
    }

    /// Whether a fetch keeps `post` as a candidate.
    pub fn wants(&self, post: &Post) -> bool {
        !self.hidden(post) && (self.pin_rank(post).is_some() || self.passes_filter(post))
    }

    /// Whether every post after `post` (older, as the API lists newest first)
    /// is before `filter.since`, so reading further is pointless.
    pub fn past_since(&self, post: &Post) -> bool {
        self.filter.since.is_some_and(|s| post.timestamp < s)
    }

    /// Whether `post` is one the site embeds.
    pub fn embedded(&self, post: &Post) -> bool {
        !self.embeds.is_empty() && code_of(post).is_some_and(|c| self.embeds.contains(&c))
    }

    /// Whether a wanted embed is neither among `found` (shortcodes read so
    /// far) nor, when posts can be read by id, known by its id.
    pub fn embeds_pending(&self, found: &std::collections::HashSet<String>, by_id: bool) -> bool {
        self.embeds
            .codes()
            .any(|c| !(found.contains(c) || by_id && self.embed_ids.contains_key(c)))
    }

    /// Pinned media ids: fetched one by one when the listing does not reach them.
    pub fn pinned_ids(&self) -> impl Iterator<Item = &str> {
        self.overrides.pin.iter().filter_map(|r| match r {
            PostRef::Id(id) => Some(id.as_str()),
            PostRef::Shortcode(_) => None,
        })
    }

    /// Pinned permalinks no post in `posts` matches (they cannot be fetched by link).
    pub fn missing_pinned_links(&self, posts: &[Post]) -> Vec<String> {
        self.overrides
            .pin
            .iter()
            .filter_map(|r| match r {
                PostRef::Shortcode(code) if !posts.iter().any(|p| r.matches(p)) => {
                    Some(format!("https://www.instagram.com/p/{code}/"))
                }
                _ => None,
            })
            .collect()
    }

    /// The posts shown, in order: hidden ones out, the filter applied (pinned
    /// posts pass), pinned ones first in pin order, then the rest as given;
    /// at most `max_posts`; alt text and captions replaced.
    pub fn apply(&self, posts: &[Post]) -> Vec<Post> {
        let mut pinned: Vec<(usize, &Post)> = Vec::new();
        let mut rest: Vec<&Post> = Vec::new();
        for post in posts.iter().filter(|p| self.wants(p)) {
            match self.pin_rank(post) {
                // A pinned post that comes twice (listed, and fetched by id) shows once.
                Some(rank) if pinned.iter().any(|(r, _)| *r == rank) => {}
                Some(rank) => pinned.push((rank, post)),
                None => rest.push(post),
            }
        }
        pinned.sort_by_key(|(rank, _)| *rank);
        pinned
            .into_iter()
            .map(|(_, p)| p)
            .chain(rest)
            .take(self.max_posts)
            .map(|p| self.edited(p))
            .collect()
    }

    /// `post` with the overrides file's alt text and caption for it.
    pub fn edited(&self, post: &Post) -> Post {
        let mut post = post.clone();
        let edits: Vec<&PostEdit> = self
            .overrides
            .edits
            .iter()
            .filter(|e| e.post.matches(&post))
            .collect();
        for edit in edits {
            if let Some(alt) = &edit.alt {
                post.alt_text = Some(alt.clone());
            }
            if let Some(caption) = &edit.caption {
                post.caption = (!caption.trim().is_empty()).then(|| caption.clone());
            }
        }
        post
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Asset, AssetRole, PostKind};
    use chrono::TimeZone;

    fn post(id: &str, kind: PostKind, day: u32, caption: Option<&str>) -> Post {
        Post {
            id: id.into(),
            kind,
            caption: caption.map(String::from),
            alt_text: None,
            permalink: Some(
                url::Url::parse(&format!("https://www.instagram.com/p/Code{id}/")).unwrap(),
            ),
            timestamp: chrono::Utc
                .with_ymd_and_hms(2024, 5, day, 12, 0, 0)
                .unwrap(),
            reel: false,
            shared_to_feed: None,
            like_count: None,
            comments_count: None,
            video: None,
            assets: vec![Asset {
                id: id.into(),
                role: AssetRole::Image,
                url: None,
                original: None,
            }],
        }
    }

    fn ids(posts: &[Post]) -> Vec<&str> {
        posts.iter().map(|p| p.id.as_str()).collect()
    }

    fn posts() -> Vec<Post> {
        let mut reel = post("4", PostKind::Video, 27, Some("new reel #travel"));
        reel.reel = true;
        vec![
            post("5", PostKind::Image, 28, Some("Lake #Travel #ad")),
            reel,
            post("3", PostKind::Carousel, 20, Some("album #food")),
            post("2", PostKind::Video, 10, None),
            post("1", PostKind::Image, 2, Some("#travel at last")),
        ]
    }

    #[test]
    fn the_filter_keeps_types_tags_dates_and_reels_apart() {
        let mut s = Selection::newest(10);
        assert_eq!(ids(&s.apply(&posts())), ["5", "4", "3", "2", "1"]);
        s.filter.types = vec![PostKind::Image, PostKind::Carousel];
        assert_eq!(ids(&s.apply(&posts())), ["5", "3", "1"]);
        s.filter = FilterConfig {
            include_hashtags: vec!["travel".into()],
            exclude_hashtags: vec!["ad".into()],
            ..FilterConfig::default()
        };
        assert_eq!(ids(&s.apply(&posts())), ["4", "1"]);
        s.filter = FilterConfig {
            exclude_reels: true,
            since: Some(chrono::Utc.with_ymd_and_hms(2024, 5, 10, 0, 0, 0).unwrap()),
            until: Some(chrono::Utc.with_ymd_and_hms(2024, 5, 27, 23, 0, 0).unwrap()),
            ..FilterConfig::default()
        };
        assert_eq!(ids(&s.apply(&posts())), ["3", "2"]);
        assert!(s.past_since(&posts()[4]) && !s.past_since(&posts()[3]));
    }

    #[test]
    fn overrides_hide_pin_and_edit_by_id_or_link() {
        let o = Overrides::parse(
            r#"
hide = ["https://www.instagram.com/p/Code5/?igsh=abc", "2"]
pin = ["1", "instagram.com/reel/Code3"]
[post."1"]
alt = "A kayak at dawn"
[post."https://www.instagram.com/p/Code4/"]
caption = ""
"#,
        )
        .unwrap();
        let mut s = Selection {
            overrides: o,
            ..Selection::newest(3)
        };
        // Pinned first, in pin order, even past the filter; hidden never; at most 3.
        s.filter.types = vec![PostKind::Image];
        let shown = s.apply(&posts());
        assert_eq!(ids(&shown), ["1", "3"]);
        assert_eq!(shown[0].alt_text.as_deref(), Some("A kayak at dawn"));
        s.filter = FilterConfig::default();
        let shown = s.apply(&posts());
        assert_eq!(ids(&shown), ["1", "3", "4"]);
        assert_eq!(shown[2].caption, None, "an empty caption removes it");
        assert!(s.wants(&posts()[4]) && !s.wants(&posts()[0]));
        assert_eq!(s.pinned_ids().collect::<Vec<_>>(), ["1"]);
        assert_eq!(s.missing_pinned_links(&posts()[..2]).len(), 1);
    }

    #[test]
    fn bad_overrides_say_which_entry_and_what_to_write() {
        for (text, needle) in [
            (
                "hide = [\"https://example.com/p/x/\"]",
                "neither a media id",
            ),
            ("pin = [\"12\"]\nhide = [\"12\"]", "both hidden and pinned"),
            ("[post.\"12\"]\nalt = \" \"", "alt is empty"),
            ("[post.\"12\"]", "give `alt`, `caption` or both"),
            ("[post.\"nope\"]\nalt = \"x\"", "[post.\"nope\"]"),
            ("hidden = []", "unknown field `hidden`"),
        ] {
            let err = Overrides::parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
