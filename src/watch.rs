//! What a file change means for `feedgen watch`: a pure classifier, tested
//! without real file events.
//!
//! Every rebuild in watch mode is the ordinary incremental build, which already
//! does the least work its inputs allow (a theme edit decodes nothing; a new
//! width encodes only the new variants). The classifier decides whether a
//! change matters at all and whether the API may be called: only when the
//! source settings change (another account, another host, another filter),
//! never for a theme or an overrides file (hidden, pinned and edited posts are
//! re-arranged from the snapshot).

use std::path::{Path, PathBuf};

use crate::config::{Config, FeedConfig, FilterConfig, SourceConfig, TokenConfig};

/// Which kinds of input changed in one debounced batch of events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// `feedgen.toml` itself.
    pub config: bool,
    /// A file of `output.theme_dir` or an `output.extra_css` file.
    pub theme: bool,
    /// A token file.
    pub token: bool,
    /// An overrides file (`filter.overrides`).
    pub overrides: bool,
    /// A content file `embed.scan` reads (a page may name other posts now).
    pub content: bool,
}

impl ChangeSet {
    /// Whether anything relevant changed.
    pub fn any(&self) -> bool {
        self.config || self.theme || self.token || self.overrides || self.content
    }

    /// A short description for the rebuild line ("theme", "config, token").
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.config {
            parts.push("config");
        }
        if self.theme {
            parts.push("theme");
        }
        if self.token {
            parts.push("token file");
        }
        if self.overrides {
            parts.push("overrides");
        }
        if self.content {
            parts.push("content");
        }
        parts.join(", ")
    }
}

/// Editor and tool droppings that never count as a change.
pub fn is_temp_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return true;
    };
    name.starts_with(".#")
        || name.starts_with(".feedgen-")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.ends_with(".crdownload")
        || name == "4913"
        || (name.starts_with('#') && name.ends_with('#'))
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| {
        // A deleted file: canonicalise its folder instead.
        match (p.parent(), p.file_name()) {
            (Some(dir), Some(name)) => std::fs::canonicalize(dir)
                .map(|d| d.join(name))
                .unwrap_or_else(|_| p.to_path_buf()),
            _ => p.to_path_buf(),
        }
    })
}

/// Classifies changed paths against the config (`config_path` is its file).
/// The output folders, the cache and anything inside them never count.
pub fn classify(paths: &[PathBuf], config_path: &Path, config: &Config) -> ChangeSet {
    let mut ignored: Vec<PathBuf> = config
        .feeds
        .iter()
        .map(|f| canonical(&f.output.dir))
        .collect();
    ignored.push(canonical(&config.cache_dir));
    let config_file = canonical(config_path);
    let theme_dirs: Vec<PathBuf> = config
        .feeds
        .iter()
        .filter_map(|f| f.output.theme_dir.as_deref().map(canonical))
        .collect();
    let files = |pick: &dyn Fn(&FeedConfig) -> Vec<PathBuf>| -> Vec<PathBuf> {
        config
            .feeds
            .iter()
            .flat_map(pick)
            .map(|p| canonical(&p))
            .collect()
    };
    let extra = files(&|f| f.output.extra_css.clone());
    let token_files = files(&|f| f.token.file.iter().cloned().collect());
    let overrides = files(&|f| f.filter.overrides.iter().cloned().collect());
    let scans: Vec<(PathBuf, glob::Pattern)> = config
        .feeds
        .iter()
        .flat_map(|f| {
            let root = canonical(&f.embed.root);
            f.embed
                .scan
                .iter()
                .filter_map(move |p| Some((root.clone(), glob::Pattern::new(p).ok()?)))
        })
        .collect();
    let scanned = |p: &Path| {
        scans.iter().any(|(root, pattern)| {
            p.strip_prefix(root)
                .is_ok_and(|rel| pattern.matches_path(rel))
        })
    };
    let mut set = ChangeSet::default();
    for raw in paths {
        if is_temp_file(raw) {
            continue;
        }
        let p = canonical(raw);
        if ignored.iter().any(|dir| p.starts_with(dir)) {
            continue;
        }
        if p == config_file {
            set.config = true;
        } else if theme_dirs.iter().any(|d| p.starts_with(d)) || extra.contains(&p) {
            set.theme = true;
        } else if token_files.contains(&p) {
            set.token = true;
        } else if overrides.contains(&p) {
            set.overrides = true;
        } else if scanned(&p) {
            set.content = true;
        }
    }
    set
}

/// Whether a config change needs the API: a feed was added, or the account,
/// where it is read from, or which posts are wanted changed. Everything else
/// re-renders (and re-encodes) from the snapshots.
pub fn needs_fetch(before: &Config, after: &Config) -> bool {
    after.feeds.iter().any(|b| {
        let Some(a) = before.feeds.iter().find(|a| a.name == b.name) else {
            return true;
        };
        source_needs_fetch(&a.source, &b.source)
            // The profile (avatar, counts) is fetched only while a header is shown.
            || (b.output.header && !a.output.header)
            || token_needs_fetch(&a.token, &b.token)
            || FilterConfig {
                overrides: None,
                ..a.filter.clone()
            } != FilterConfig {
                overrides: None,
                ..b.filter.clone()
            }
            || b.embed.posts.iter().any(|c| !a.embed.posts.contains(c))
            || b.embed.scan != a.embed.scan
    })
}

/// The folders `feedgen watch` watches for `embed.scan`: each pattern's
/// literal start (`content` of `content/**/*.md`), recursively when the
/// rest of the pattern crosses folders.
pub fn scan_roots(feed: &FeedConfig) -> Vec<(PathBuf, bool)> {
    feed.embed
        .scan
        .iter()
        .map(|pattern| {
            let mut dir = feed.embed.root.clone();
            let mut parts = pattern.split('/').peekable();
            while let Some(part) = parts.next_if(|p| !p.contains(['*', '?', '[', '{'])) {
                if parts.peek().is_none() {
                    break; // the last part is a file name
                }
                dir.push(part);
            }
            let rest: Vec<&str> = parts.collect();
            (dir, rest.len() > 1 || rest.iter().any(|p| p.contains("**")))
        })
        .collect()
}

/// Whether the posts `embed` would embed, read again, include any not in
/// `before` (then the API is asked: a new post needs finding).
pub fn new_embeds(before: &crate::embed::Wanted, now: &crate::embed::Wanted) -> bool {
    now.codes().any(|c| !before.contains(c))
}

/// Whether a `[source]` change needs a fetch. Every field is named (no `..`),
/// so a new key cannot be added without deciding here.
fn source_needs_fetch(x: &SourceConfig, y: &SourceConfig) -> bool {
    let SourceConfig {
        kind,
        api_base,
        api_version,
        ig_user_id,
        page_id,
        username,
        counts,
        token,
        max_posts,
        scan_limit: _, // a deeper scan is for the next fetch, not a reason for one
        media_hosts,
        offline: _, // going offline or online changes where the build reads, not what
        snapshot_dir,
        export,
        export_max_age: _, // when to say the export is old, not what it holds
    } = y;
    *kind != x.kind
        || *api_base != x.api_base
        || *api_version != x.api_version
        || *ig_user_id != x.ig_user_id
        || *page_id != x.page_id
        || *username != x.username
        || (*counts && !x.counts)
        || *token != x.token
        || *max_posts > x.max_posts
        || *media_hosts != x.media_hosts
        || *snapshot_dir != x.snapshot_dir
        || *export != x.export
}

/// Whether a `[token]` change needs a fetch; every field named, as above.
fn token_needs_fetch(x: &TokenConfig, y: &TokenConfig) -> bool {
    let TokenConfig {
        env_var,
        env: _, // read once when watch starts; it cannot change while it runs
        file,
        state_file: _, // where the refreshed token is kept, not which account
        policy: _,     // when to refresh, not what to read
    } = y;
    *file != x.file || *env_var != x.env_var
}

/// Parses `30s`, `15m`, `2h` (the `--refetch-every` values).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (num, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 30s, 15m or 2h"))?;
    let secs = match unit {
        "s" => n,
        "m" | "" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{text}`: use s, m or h, e.g. 15m")),
    };
    if secs < 60 {
        return Err(format!(
            "`{text}` is shorter than a minute; the API's rate limits call for 1m or more"
        ));
    }
    Ok(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (tempfile::TempDir, PathBuf, Config) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        for d in [
            "theme",
            "public/feed/media",
            ".feedgen-cache/media",
            "content",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let toml = "[output]\ntheme_dir = \"theme\"\nextra_css = [\"extra.css\"]\n[token]\nfile = \"token.txt\"\n[filter]\noverrides = \"overrides.toml\"\n";
        std::fs::write(root.join("feedgen.toml"), toml).unwrap();
        let config = Config::load(&root.join("feedgen.toml")).unwrap();
        (dir, root, config)
    }

    #[test]
    fn each_kind_of_input_is_recognised() {
        let (_d, root, c) = site();
        let cfg = root.join("feedgen.toml");
        let classify = |p: &str| classify(&[root.join(p)], &cfg, &c);
        assert_eq!(
            classify("feedgen.toml"),
            ChangeSet {
                config: true,
                ..Default::default()
            }
        );
        assert_eq!(
            classify("theme/dark.css"),
            ChangeSet {
                theme: true,
                ..Default::default()
            }
        );
        assert_eq!(
            classify("extra.css"),
            ChangeSet {
                theme: true,
                ..Default::default()
            }
        );
        assert_eq!(
            classify("token.txt"),
            ChangeSet {
                token: true,
                ..Default::default()
            }
        );
        assert_eq!(
            classify("overrides.toml"),
            ChangeSet {
                overrides: true,
                ..Default::default()
            }
        );
        assert!(
            !classify("content/post.md").any(),
            "other site files are the SSG's business"
        );
    }

    #[test]
    fn output_cache_and_temp_files_never_count() {
        let (_d, root, c) = site();
        let cfg = root.join("feedgen.toml");
        for p in [
            "public/feed/feed.html",
            "public/feed/media/abc.webp",
            ".feedgen-cache/manifest.json",
            "theme/.dark.css.swp",
            "theme/dark.css~",
            "theme/4913",
            "theme/.#dark.css",
            "theme/.feedgen-tmp-123",
        ] {
            assert!(!classify(&[root.join(p)], &cfg, &c).any(), "{p}");
        }
    }

    #[test]
    fn only_source_changes_call_the_api() {
        let base = Config::parse("", Path::new("/s")).unwrap();
        let theme = Config::parse(
            "[output]\ntheme = \"dark\"\n[images]\nwidths = [200]\n",
            Path::new("/s"),
        )
        .unwrap();
        assert!(!needs_fetch(&base, &theme));
        let account = Config::parse(
            "[source]\napi_base = \"https://graph.example.com\"\n",
            Path::new("/s"),
        )
        .unwrap();
        assert!(needs_fetch(&base, &account));
        let more = Config::parse("[source]\nmax_posts = 50\n", Path::new("/s")).unwrap();
        assert!(
            needs_fetch(&base, &more),
            "more posts than the snapshot holds"
        );
        let fewer = Config::parse("[source]\nmax_posts = 6\n", Path::new("/s")).unwrap();
        assert!(!needs_fetch(&base, &fewer));
        let filtered = Config::parse("[filter]\nexclude_reels = true\n", Path::new("/s")).unwrap();
        assert!(
            needs_fetch(&base, &filtered),
            "a filter decides what is fetched"
        );
        let curated = Config::parse("[filter]\noverrides = \"o.toml\"\n", Path::new("/s")).unwrap();
        assert!(
            !needs_fetch(&base, &curated),
            "overrides re-arrange the snapshot"
        );
        let other = Config::parse(
            "[source]\nkind = \"facebook\"\nusername = \"bluebottle\"\n",
            Path::new("/s"),
        )
        .unwrap();
        let fb = Config::parse("[source]\nkind = \"facebook\"\n", Path::new("/s")).unwrap();
        assert!(needs_fetch(&fb, &other), "another account");
        let header = Config::parse("[output]\nheader = true\n", Path::new("/s")).unwrap();
        assert!(
            needs_fetch(&base, &header),
            "the profile is read for a header"
        );
        assert!(
            !needs_fetch(&header, &base),
            "dropping it needs nothing new"
        );
        let two = Config::parse("[[feed]]\nname = \"a\"\n", Path::new("/s")).unwrap();
        assert!(needs_fetch(&base, &two), "a new feed has no snapshot yet");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m").unwrap().as_secs(), 900);
        assert_eq!(parse_duration("2h").unwrap().as_secs(), 7200);
        assert!(parse_duration("10s").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
