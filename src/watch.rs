//! What a file change means for `feedgen watch`: a pure classifier, tested
//! without real file events.
//!
//! Every rebuild in watch mode is the ordinary incremental build, which already
//! does the least work its inputs allow (a theme edit decodes nothing; a new
//! width encodes only the new variants). The classifier decides whether a
//! change matters at all and whether the API may be called: only when the
//! source settings change (another account, another host), never for a theme.

use std::path::{Path, PathBuf};

use crate::config::Config;

/// Which kinds of input changed in one debounced batch of events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// `feedgen.toml` itself.
    pub config: bool,
    /// A file of `output.theme_dir` or an `output.extra_css` file.
    pub theme: bool,
    /// The token file.
    pub token: bool,
}

impl ChangeSet {
    /// Whether anything relevant changed.
    pub fn any(&self) -> bool {
        self.config || self.theme || self.token
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
/// The output folder, the cache and anything inside them never count.
pub fn classify(paths: &[PathBuf], config_path: &Path, config: &Config) -> ChangeSet {
    let out = canonical(&config.output.dir);
    let cache = canonical(&config.cache_dir);
    let config_file = canonical(config_path);
    let theme_dir = config.output.theme_dir.as_deref().map(canonical);
    let extra: Vec<PathBuf> = config
        .output
        .extra_css
        .iter()
        .map(|p| canonical(p))
        .collect();
    let token_file = config.token.file.as_deref().map(canonical);
    let mut set = ChangeSet::default();
    for raw in paths {
        if is_temp_file(raw) {
            continue;
        }
        let p = canonical(raw);
        if p.starts_with(&out) || p.starts_with(&cache) {
            continue;
        }
        if p == config_file {
            set.config = true;
        } else if theme_dir.as_ref().is_some_and(|d| p.starts_with(d)) || extra.contains(&p) {
            set.theme = true;
        } else if token_file.as_ref() == Some(&p) {
            set.token = true;
        }
    }
    set
}

/// Whether a config change needs the API: the account or where it is read
/// from changed. Everything else re-renders (and re-encodes) from the snapshot.
pub fn needs_fetch(before: &Config, after: &Config) -> bool {
    let (a, b) = (&before.source, &after.source);
    a.api_base != b.api_base
        || a.token != b.token
        || b.max_posts > a.max_posts
        || a.media_hosts != b.media_hosts
        || a.snapshot_dir != b.snapshot_dir
        || before.token.file != after.token.file
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
        let toml = "[output]\ntheme_dir = \"theme\"\nextra_css = [\"extra.css\"]\n[token]\nfile = \"token.txt\"\n";
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
            "[source]\napi_base = \"https://graph.facebook.com\"\n",
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
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m").unwrap().as_secs(), 900);
        assert_eq!(parse_duration("2h").unwrap().as_secs(), 7200);
        assert!(parse_duration("10s").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
