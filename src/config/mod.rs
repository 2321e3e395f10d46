//! `feedgen.toml`: parsed strictly, with defaults in one place.
//!
//! # Concepts
//!
//! - **Feeds.** A file without `[[feed]]` describes one feed with its
//!   `[source]`, `[images]`, `[output]`, `[token]` and `[filter]` tables. With
//!   `[[feed]]` tables, those top-level tables become the defaults every feed
//!   starts from, and each `[[feed]]` (a `name` plus its own `[feed.source]`,
//!   `[feed.output]`, …) overrides them key by key. `[cache]`, `[http]` and
//!   `[build]` are shared by the whole run: one HTTP client, one content store.
//! - **Strictness.** Unknown keys are errors (a typo must not silently fall back
//!   to a default), and the TOML error names the line and column. Relative
//!   paths are resolved against the folder of the config file, so a build works
//!   from any working directory.
//! - **Layers.** Environment variables (`FEEDGEN_*`) are applied on top by
//!   [`Config::apply_env`]; command-line flags go on top of that.
//! - **Layout.** Each table has its file (`source`, `images`, `output`,
//!   `token`, `filter`, `http`) holding its resolved struct, its raw form as
//!   written, its defaults and its checks (`from_raw`); `env` is the
//!   environment layer. This file reads the text, layers `[[feed]]` tables over
//!   the top-level ones and assembles each feed from its tables.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

use crate::error::ConfigError;
pub use crate::kinds::{EncodeSettings, ImageFormat, SourceKind};
use crate::secret::Issuer;

/// The annotated config `feedgen init` writes: every key with its default
/// and a line on what it does (a test keeps it equal to the real defaults).
pub const EXAMPLE_CONFIG: &str = include_str!("../../feedgen.example.toml");

mod env;
mod explain;
mod filter;
mod http;
mod images;
mod output;
mod source;
mod token;

pub use env::EnvOverrides;
pub use filter::FilterConfig;
use filter::RawFilter;
pub use http::HttpConfig;
use http::{RawHttp, http_config};
use images::RawImages;
pub use images::{DEFAULT_VIDEO_MAX_MB, DEFAULT_WIDTHS, ImageConfig, Profile, VideoMode};
use output::RawOutput;
pub use output::{
    DEFAULT_OUT_DIR, DEFAULT_SIZES, Layout, OutputConfig, Privacy, Theme, check_lang,
    check_selector,
};
pub use source::{
    DEFAULT_API_BASE, DEFAULT_FACEBOOK_API_BASE, DEFAULT_FACEBOOK_API_VERSION, DEFAULT_MAX_POSTS,
    DEFAULT_SCAN_LIMIT, MAX_SCAN_LIMIT, MAX_USERNAME_CHARS, SourceConfig, check_secure_base,
    check_username,
};
use source::{RawSource, validate_api_base, validate_host};
use token::RawToken;
pub use token::{
    DEFAULT_REFRESH_DAYS_LEFT, DEFAULT_TOKEN_ENV, DEFAULT_WARN_DAYS_LEFT, RefreshPolicy,
    TokenConfig,
};

/// The cache folder (snapshot, originals, manifest), relative to the config file.
pub const DEFAULT_CACHE_DIR: &str = ".feedgen-cache";
/// How many feeds a run builds at once.
pub const DEFAULT_CONCURRENCY: usize = 2;
/// Default `build.deadline`: 15 minutes, ten times a cold build of 200 photos
/// on 2 cores; a scheduled CI job should end well before its own time limit.
pub const DEFAULT_DEADLINE_SECS: u64 = 900;
/// The name of the one feed of a file without `[[feed]]` tables.
pub const DEFAULT_FEED_NAME: &str = "default";

/// The whole configuration file, validated, with every path absolute.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The feeds, in file order; a file without `[[feed]]` has one, named [`DEFAULT_FEED_NAME`].
    pub feeds: Vec<FeedConfig>,
    /// Timeouts and retries of the one HTTP client a run shares.
    pub http: HttpConfig,
    /// The cache folder: the content store (`media/`) shared by every feed, and
    /// each feed's snapshot, manifest and token state.
    pub cache_dir: PathBuf,
    /// How many feeds are built at once (`build.concurrency`).
    pub concurrency: usize,
    /// How long a whole run may take (`build.deadline`): a stalled API or CDN
    /// would otherwise cost every request's timeout times its retries.
    pub deadline: std::time::Duration,
    /// Whether the file uses `[[feed]]` tables (reports then name each feed).
    pub named_feeds: bool,
}

/// Everything one feed needs: its account, images, output, token and filter.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedConfig {
    /// The feed's name (`[[feed]] name`), used in reports and its cache folder.
    pub name: String,
    /// Where the feed comes from.
    pub source: SourceConfig,
    /// How images are resized and encoded.
    pub images: ImageConfig,
    /// What is written, and where.
    pub output: OutputConfig,
    /// Where the token comes from and how it is kept alive.
    pub token: TokenConfig,
    /// Which posts are shown.
    pub filter: FilterConfig,
    /// The manifest of the variants this feed's images already have.
    pub manifest: PathBuf,
}

// ---- the file as written: every key optional, unknown keys refused ----

/// The whole file. Parsed first, from the text, so that every unknown key or
/// wrong type is reported with its line and column.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    source: RawSource,
    #[serde(default)]
    images: RawImages,
    #[serde(default)]
    output: RawOutput,
    #[serde(default)]
    token: RawToken,
    #[serde(default)]
    filter: RawFilter,
    #[serde(default)]
    cache: RawCache,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    build: RawBuild,
    #[serde(default)]
    feed: Vec<RawFeed>,
}

/// One `[[feed]]`: a name and the tables it overrides. The tables are parsed
/// here only to report mistakes with their line; the values are taken from the
/// layered table ([`RawSettings`]).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawFeed {
    name: String,
    #[serde(default)]
    source: RawSource,
    #[serde(default)]
    images: RawImages,
    #[serde(default)]
    output: RawOutput,
    #[serde(default)]
    token: RawToken,
    #[serde(default)]
    filter: RawFilter,
}

/// The tables of one feed after layering its `[[feed]]` over the top-level ones.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default)]
    source: RawSource,
    #[serde(default)]
    images: RawImages,
    #[serde(default)]
    output: RawOutput,
    #[serde(default)]
    token: RawToken,
    #[serde(default)]
    filter: RawFilter,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBuild {
    concurrency: Option<usize>,
    deadline: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCache {
    dir: Option<PathBuf>,
}

fn valid_feed_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    name.len() <= 64
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Lays `over` onto `base` key by key; tables merge, everything else is replaced.
fn layer(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => layer(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Where a feed's files go when the config does not say.
#[derive(Debug, Clone, Copy)]
enum Placement<'a> {
    /// The one feed of a file without `[[feed]]`: the paths feedgen always used.
    Single,
    /// A `[[feed]]`: its own folder in the cache, and (unless it sets them)
    /// `output.dir` and `output.base_url` of the top level plus its name.
    Named {
        own_dir: bool,
        own_base_url: bool,
        /// Whether the feed sets `output.data_file` itself.
        own_data_file: bool,
        name: &'a str,
    },
}

/// Where a feed's paths resolve: relative ones from the config file's folder,
/// its own records inside the cache, its output by its [`Placement`].
struct Places<'a> {
    base_dir: &'a Path,
    cache_dir: &'a Path,
    placement: Placement<'a>,
    records: PathBuf,
}

impl Places<'_> {
    fn resolve(&self, p: PathBuf) -> PathBuf {
        resolve(self.base_dir, p)
    }
}

impl Config {
    /// Writes the output to `out` instead (`build --out`): the one feed's folder,
    /// or with several feeds, the folder that holds one per feed, by name.
    pub fn set_output_root(&mut self, out: &Path) -> Result<(), ConfigError> {
        if let [one] = self.feeds.as_mut_slice() {
            one.output.dir = out.to_path_buf();
        } else {
            for feed in &mut self.feeds {
                feed.output.dir = out.join(&feed.name);
            }
        }
        self.check_places()
    }

    /// Refuses files that would overwrite each other or be published: the
    /// data file on a token state, a token file or a snapshot, or inside an
    /// output folder (replaced whole on every build, and published); a token
    /// state, a token file or a snapshot inside an output folder. Checked
    /// across feeds too, after every layer (file, environment, `--out`).
    pub fn check_places(&self) -> Result<(), ConfigError> {
        use output::resolved;
        let named = |feed: &FeedConfig, key: &str| {
            if self.named_feeds {
                format!("{key} of the feed `{}`", feed.name)
            } else {
                key.to_string()
            }
        };
        for a in &self.feeds {
            for b in &self.feeds {
                let out = resolved(&b.output.dir);
                let inside_out = |key: &str, path: &Path| -> Result<(), ConfigError> {
                    if resolved(path).starts_with(&out) {
                        return Err(ConfigError::invalid(
                            key,
                            &format!(
                                "{} is inside {} ({}), which feedgen publishes and replaces whole on every build; point {key} outside it",
                                path.display(),
                                named(b, "output.dir"),
                                b.output.dir.display()
                            ),
                        ));
                    }
                    Ok(())
                };
                inside_out("token.state", &a.token.state_file)?;
                inside_out("source.snapshot", &a.source.snapshot_dir)?;
                if let Some(file) = &a.token.file {
                    inside_out("token.file", file)?;
                }
                let Some(data) = &a.output.data_file else {
                    continue;
                };
                inside_out("output.data_file", data)?;
                let data = resolved(data);
                let mut others = vec![
                    ("token.state", resolved(&b.token.state_file), false),
                    ("source.snapshot", resolved(&b.source.snapshot_dir), true),
                ];
                if let Some(file) = &b.token.file {
                    others.push(("token.file", resolved(file), false));
                }
                for (key, other, folder) in others {
                    if data == other || (folder && data.starts_with(&other)) {
                        return Err(ConfigError::invalid(
                            "output.data_file",
                            &format!(
                                "{} is also {}; the build would overwrite one with the other. Give output.data_file a file of its own, e.g. \"data/feedgen.json\"",
                                data.display(),
                                named(b, key)
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads and validates a config file; relative paths are taken from its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let base = if base.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            base
        };
        Config::parse(&text, &base).map_err(|e| e.in_file(path))
    }

    /// Parses config text; relative paths are resolved against `base_dir`.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        let parse_error = |e: toml::de::Error| ConfigError::Parse {
            path: None,
            message: redact_token_values(text, &explain::explain(text, &e)),
        };
        let file: RawFile = toml::from_str(text).map_err(parse_error)?;
        let cache_dir = resolve(
            base_dir,
            file.cache
                .dir
                .unwrap_or_else(|| PathBuf::from(DEFAULT_CACHE_DIR)),
        );
        let http = http_config(file.http)?;
        let concurrency = file.build.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        if !(1..=16).contains(&concurrency) {
            return Err(ConfigError::invalid(
                "build.concurrency",
                "must be between 1 and 16 feeds at once",
            ));
        }
        let deadline = file.build.deadline.unwrap_or(DEFAULT_DEADLINE_SECS);
        if !(1..=86_400).contains(&deadline) {
            return Err(ConfigError::invalid(
                "build.deadline",
                "must be between 1 and 86400 seconds",
            ));
        }
        let named_feeds = !file.feed.is_empty();
        let feeds = if named_feeds {
            // The text parsed strictly above; as a table it is layered per feed.
            let doc: toml::Table = text.parse().map_err(parse_error)?;
            named_feeds_of(doc, &file.feed, base_dir, &cache_dir, parse_error)?
        } else {
            let settings = RawSettings {
                source: file.source,
                images: file.images,
                output: file.output,
                token: file.token,
                filter: file.filter,
            };
            vec![FeedConfig::from_raw(
                settings,
                DEFAULT_FEED_NAME,
                Placement::Single,
                base_dir,
                &cache_dir,
            )?]
        };
        let config = Config {
            feeds,
            http,
            cache_dir,
            concurrency,
            deadline: std::time::Duration::from_secs(deadline),
            named_feeds,
        };
        config.check_places()?;
        Ok(config)
    }

    /// Applies `FEEDGEN_*` values on top of the file's values, feed by feed.
    pub fn apply_env(&mut self, env: &EnvOverrides) -> Result<(), ConfigError> {
        for feed in &mut self.feeds {
            feed.apply_env(env)?;
        }
        self.check_places()
    }

    /// Keeps only the feeds named (all when `names` is empty), in file order.
    pub fn select(&mut self, names: &[String]) -> Result<(), ConfigError> {
        if names.is_empty() {
            return Ok(());
        }
        for n in names {
            if !self.feeds.iter().any(|f| f.name == *n) {
                return Err(ConfigError::invalid(
                    "--feed",
                    &format!(
                        "no feed is named `{n}`; the config has {}",
                        self.feed_names()
                    ),
                ));
            }
        }
        self.feeds.retain(|f| names.contains(&f.name));
        Ok(())
    }

    /// The one feed, for commands that act on a single one (the token commands).
    pub fn single(&self) -> Result<&FeedConfig, ConfigError> {
        match self.feeds.as_slice() {
            [one] => Ok(one),
            _ => Err(ConfigError::invalid(
                "--feed",
                &format!(
                    "the config has several feeds ({}); choose one with --feed NAME",
                    self.feed_names()
                ),
            )),
        }
    }

    /// The feed names, for messages: `` `a`, `b` ``.
    pub fn feed_names(&self) -> String {
        self.feeds
            .iter()
            .map(|f| format!("`{}`", f.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Every extra media host of every feed: one HTTP client serves them all.
    pub fn media_hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = self
            .feeds
            .iter()
            .flat_map(|f| f.source.media_hosts.iter().cloned())
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }
}

/// toml's errors quote the offending line: a mistake next to
/// `token = "IGAA…"` would print the token. Every string on a line that
/// mentions `token`, the whole value of such a line (a forgotten quote is
/// itself the mistake toml shows), and every word anywhere that looks like an
/// access token (`IGAA…`, `IGQV…`, `EAA…`: one pasted into a multi-line
/// string) is replaced in `message` by `[redacted]`.
fn redact_token_values(text: &str, message: &str) -> String {
    let mut message = message.to_string();
    let mut redact = |value: &str| {
        if value.len() >= 8 {
            message = message.replace(value, crate::secret::REDACTED);
        }
    };
    for line in text.lines() {
        if line.contains("token") {
            for quote in ['"', '\''] {
                let parts: Vec<&str> = line.split(quote).collect();
                // Odd parts are inside quotes (the closing one may be missing).
                for value in parts.iter().skip(1).step_by(2) {
                    redact(value);
                }
            }
            if let Some((_, value)) = line.split_once('=') {
                let value = value.split(" #").next().unwrap_or(value);
                redact(value.trim().trim_matches(['"', '\'']));
            }
        }
        for word in line.split(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-') {
            if Issuer::of(word).is_some() && word.len() >= 20 {
                redact(word);
            }
        }
    }
    message
}

fn resolve(base_dir: &Path, p: PathBuf) -> PathBuf {
    if p.is_absolute() { p } else { base_dir.join(p) }
}

/// The `[[feed]]` tables, each layered over the top-level tables of `doc`
/// (`[cache]`, `[http]` and `[build]` are the run's, not a feed's).
fn named_feeds_of(
    mut doc: toml::Table,
    raw: &[RawFeed],
    base_dir: &Path,
    cache_dir: &Path,
    parse_error: impl Fn(toml::de::Error) -> ConfigError,
) -> Result<Vec<FeedConfig>, ConfigError> {
    let tables = match doc.remove("feed") {
        Some(toml::Value::Array(a)) => a,
        _ => Vec::new(),
    };
    for shared_only in ["cache", "http", "build"] {
        doc.remove(shared_only);
    }
    let mut feeds: Vec<FeedConfig> = Vec::new();
    for (raw, table) in raw.iter().zip(tables) {
        let name = raw.name.as_str();
        check_feed_name(name, &feeds)?;
        let mut own = match table {
            toml::Value::Table(t) => t,
            _ => toml::Table::new(),
        };
        own.remove("name");
        let sets = |table: &str, key: &str| own.get(table).and_then(|t| t.get(key)).is_some();
        let placement = Placement::Named {
            own_dir: sets("output", "dir"),
            own_base_url: sets("output", "base_url"),
            own_data_file: sets("output", "data_file"),
            name,
        };
        let mut merged = doc.clone();
        layer(&mut merged, own);
        let settings: RawSettings = merged.try_into().map_err(&parse_error)?;
        let feed = FeedConfig::from_raw(settings, name, placement, base_dir, cache_dir)
            .map_err(|e| e.in_feed(name))?;
        feeds.push(feed);
    }
    check_distinct(&feeds)?;
    Ok(feeds)
}

/// A feed name names a cache folder: checked, and unique among `feeds`.
fn check_feed_name(name: &str, feeds: &[FeedConfig]) -> Result<(), ConfigError> {
    if !valid_feed_name(name) {
        return Err(ConfigError::invalid(
            "feed.name",
            &format!(
                "`{name}` is not a feed name: use lowercase letters, digits, `-` and `_` (it names the feed's cache folder)"
            ),
        ));
    }
    if feeds.iter().any(|f| f.name == name) {
        return Err(ConfigError::invalid(
            "feed.name",
            &format!("two feeds are named `{name}`; give each its own name"),
        ));
    }
    Ok(())
}

/// Feeds replace their output folder whole and keep their own records: no two may share one.
fn check_distinct(feeds: &[FeedConfig]) -> Result<(), ConfigError> {
    for (i, a) in feeds.iter().enumerate() {
        for b in &feeds[i + 1..] {
            let clash = |key: &str, x: &Path, y: &Path| -> Result<(), ConfigError> {
                if x.starts_with(y) || y.starts_with(x) {
                    return Err(ConfigError::invalid(
                        key,
                        &format!(
                            "the feeds `{}` and `{}` would share {} (or one would sit inside the other's); each feed needs its own",
                            a.name,
                            b.name,
                            x.display()
                        ),
                    ));
                }
                Ok(())
            };
            clash("output.dir", &a.output.dir, &b.output.dir)?;
            clash(
                "source.snapshot",
                &a.source.snapshot_dir,
                &b.source.snapshot_dir,
            )?;
            clash("token.state", &a.token.state_file, &b.token.state_file)?;
        }
    }
    Ok(())
}

impl FeedConfig {
    fn from_raw(
        raw: RawSettings,
        name: &str,
        placement: Placement<'_>,
        base_dir: &Path,
        cache_dir: &Path,
    ) -> Result<FeedConfig, ConfigError> {
        // Where this feed keeps its own records inside the shared cache.
        let records = match placement {
            Placement::Single => cache_dir.to_path_buf(),
            Placement::Named { name, .. } => cache_dir.join("feeds").join(name),
        };
        let places = Places {
            base_dir,
            cache_dir,
            placement,
            records,
        };
        // In file order, so the first bad key of the file is the one reported.
        Ok(FeedConfig {
            name: name.to_string(),
            source: SourceConfig::from_raw(raw.source, &places)?,
            images: ImageConfig::from_raw(raw.images)?,
            output: OutputConfig::from_raw(raw.output, &places)?,
            token: TokenConfig::from_raw(raw.token, &places)?,
            filter: FilterConfig::from_raw(raw.filter, &places)?,
            manifest: places.records.join("manifest.json"),
        })
    }

    /// Applies `FEEDGEN_*` values on top of this feed's values.
    pub fn apply_env(&mut self, env: &EnvOverrides) -> Result<(), ConfigError> {
        if let Some(t) = env.tokens.get(&self.token.env_var) {
            self.token.env = Some(t.clone());
        }
        // The token file variable belongs with FEEDGEN_TOKEN: a feed that names
        // its own variable keeps its own token.file.
        if let Some(f) = &env.token_file
            && self.token.env_var == DEFAULT_TOKEN_ENV
        {
            // Relative to the working directory, like every other environment path.
            self.token.file = Some(PathBuf::from(f));
        }
        let (var, value) = match self.source.kind {
            SourceKind::Instagram => ("FEEDGEN_API_BASE", &env.api_base),
            SourceKind::Facebook => ("FEEDGEN_FACEBOOK_API_BASE", &env.facebook_api_base),
        };
        if let Some(base) = value {
            let url = Url::parse(base.trim())
                .map_err(|e| ConfigError::invalid(var, &format!("not a URL ({e})")))?;
            validate_api_base(&url, self.source.kind)
                .map_err(|why| ConfigError::invalid(var, &why))?;
            self.source.api_base = url;
        }
        if let Some(hosts) = &env.media_hosts {
            for h in hosts.split(',').map(str::trim).filter(|h| !h.is_empty()) {
                validate_host(h)
                    .map_err(|why| ConfigError::invalid("FEEDGEN_MEDIA_HOSTS", &why))?;
                if !self.source.media_hosts.iter().any(|x| x == h) {
                    self.source.media_hosts.push(h.to_string());
                }
            }
        }
        Ok(())
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PostKind;

    fn parse(t: &str) -> Result<Config, ConfigError> {
        Config::parse(t, Path::new("/site"))
    }

    /// The error text of a config that must be refused.
    fn err(t: &str) -> String {
        parse(t).unwrap_err().to_string()
    }

    fn one(t: &str) -> FeedConfig {
        let mut c = parse(t).unwrap();
        assert_eq!(c.feeds.len(), 1);
        c.feeds.remove(0)
    }

    #[test]
    fn a_username_is_one_instagram_name_for_facebook_sources_only() {
        let fb = |name: &str| format!("[source]\nkind = \"facebook\"\nusername = \"{name}\"\n");
        assert_eq!(
            one(&fb("@blue.bottle_1")).source.username.as_deref(),
            Some("blue.bottle_1"),
            "a leading @ is dropped"
        );
        // Anything that could change the nested field expansion, or is no name.
        for bad in [
            "",
            "@",
            "x){id}",
            "a,b",
            "a b",
            "a{b}",
            "ünï",
            &"a".repeat(31),
        ] {
            let e = err(&fb(bad));
            assert!(
                e.contains("source.username") && e.contains("is not an Instagram username"),
                "{bad}: {e}"
            );
        }
        let e = err("[source]\nusername = \"bluebottle\"\n");
        assert!(e.contains("source.kind = \"facebook\""), "{e}");
    }

    #[test]
    fn show_more_needs_at_least_one_post_before_it() {
        let e = err("[output]\ninitial = 0\n");
        assert!(
            e.contains("output.initial") && e.contains("at least 1"),
            "{e}"
        );
        assert_eq!(one("[output]\ninitial = 1\n").output.initial, Some(1));
        assert_eq!(one("").output.initial, None);
    }

    #[test]
    fn empty_config_gets_defaults() {
        let c = parse("").unwrap();
        let f = &c.feeds[0];
        assert_eq!(f.name, DEFAULT_FEED_NAME);
        assert_eq!(f.source.api_base.as_str(), "https://graph.instagram.com/");
        assert_eq!(f.source.kind, SourceKind::Instagram);
        assert_eq!(f.images.widths, vec![320, 640, 1080]);
        assert_eq!(f.output.dir, PathBuf::from("/site/public/feed"));
        // The paths a one-feed config always had, so existing caches keep working.
        assert_eq!(
            f.source.snapshot_dir,
            PathBuf::from("/site/.feedgen-cache/snapshot")
        );
        assert_eq!(
            f.token.state_file,
            PathBuf::from("/site/.feedgen-cache/token-state.json")
        );
        assert_eq!(
            f.manifest,
            PathBuf::from("/site/.feedgen-cache/manifest.json")
        );
        assert!(f.filter.is_open());
        assert!(!c.named_feeds);
    }

    #[test]
    fn unknown_key_names_line_and_expected_keys() {
        let err = parse("[images]\nwidth = [1]\n").unwrap_err().to_string();
        assert!(err.contains("line 2, column 1"), "{err}");
        assert!(
            err.contains("unknown key `width` in [images]; did you mean `widths`?"),
            "{err}"
        );
        let err = parse("[[feed]]\nname = \"a\"\n[feed.http]\ntimeout = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("[http] is shared by every feed"), "{err}");
    }

    #[test]
    fn bad_values_name_the_key() {
        for (text, needle) in [
            ("[images]\nwidths = [0]\n", "images.widths"),
            (
                "[source]\napi_base = \"http://example.com\"\n",
                "plain http",
            ),
            ("[output]\nhtml = \"../x.html\"\n", "output.html"),
        ] {
            let e = err(text);
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn env_overrides_file() {
        let mut c = parse("[source]\ntoken = \"from-file-token\"\n").unwrap();
        c.apply_env(
            &EnvOverrides {
                api_base: Some("http://127.0.0.1:9/".into()),
                media_hosts: Some("127.0.0.1:9, cdn.example.com".into()),
                ..EnvOverrides::default()
            }
            .with_token("FEEDGEN_TOKEN", "from-env-token"),
        )
        .unwrap();
        let f = &c.feeds[0];
        assert_eq!(f.token.env.as_ref().unwrap().expose(), "from-env-token");
        assert_eq!(f.source.token.as_ref().unwrap().expose(), "from-file-token");
        assert_eq!(f.source.api_base.as_str(), "http://127.0.0.1:9/");
        assert_eq!(f.source.media_hosts, vec!["127.0.0.1:9", "cdn.example.com"]);
    }

    #[test]
    fn a_parse_error_never_shows_the_token() {
        for (text, secret) in [
            (
                "[source]\ntoken = IGAAsecret1234567890\n",
                "IGAAsecret1234567890",
            ),
            (
                "[source]\ntoken = 12345678901234567890\n",
                "12345678901234567890",
            ),
            (
                "[source]\ntoken = \"IGAAsecret1234567890\n",
                "IGAAsecret1234567890",
            ),
            (
                "[source]\ntoken = \"\"\"\nIGAAsecret1234567890abc\n\"\"\"\nmax_posts = \"x\"\n",
                "IGAAsecret1234567890abc",
            ),
            (
                "[source]\ncounts = yes # IGAAsecret1234567890abc\n",
                "IGAAsecret1234567890abc",
            ),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(!err.contains(secret), "{text}: {err}");
        }
    }

    #[test]
    fn the_annotated_example_lists_every_default() {
        assert_eq!(parse(EXAMPLE_CONFIG).unwrap(), parse("").unwrap());
    }

    #[test]
    fn legacy_platform_api_is_recognised() {
        let err = parse("[source]\napi_base = \"https://api.instagram.com/v1\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("2020-06-29"), "{err}");
    }

    const TWO: &str = r##"
[images]
widths = [320, 640]
[output]
dir = "static/feed"
base_url = "/feed/"
layout = "masonry"
[filter]
exclude_hashtags = ["#Ad"]

[[feed]]
name = "photos"
[feed.filter]
types = ["image", "carousel"]

[[feed]]
name = "shop"
[feed.source]
kind = "facebook"
ig_user_id = "17841400000000002"
counts = true
[feed.token]
env = "FEEDGEN_TOKEN_SHOP"
[feed.output]
layout = "carousel"
dir = "static/shop-feed"
"##;

    #[test]
    fn feeds_layer_their_tables_over_the_top_level_ones() {
        let c = parse(TWO).unwrap();
        assert!(c.named_feeds);
        let [photos, shop] = c.feeds.as_slice() else {
            panic!("two feeds")
        };
        assert_eq!(photos.name, "photos");
        // Inherited, key by key.
        assert_eq!(photos.images.widths, vec![320, 640]);
        assert_eq!(shop.images.widths, vec![320, 640]);
        assert_eq!(photos.output.layout, Layout::Masonry);
        assert_eq!(shop.output.layout, Layout::Carousel);
        assert_eq!(photos.filter.exclude_hashtags, vec!["ad"]);
        assert_eq!(shop.filter.exclude_hashtags, vec!["ad"]);
        assert_eq!(
            photos.filter.types,
            vec![PostKind::Image, PostKind::Carousel]
        );
        assert_eq!(shop.filter.types.len(), 3);
        // Own folders: the shared output folder plus the name, unless set.
        assert_eq!(photos.output.dir, PathBuf::from("/site/static/feed/photos"));
        assert_eq!(photos.output.base_url, "/feed/photos/");
        assert_eq!(shop.output.dir, PathBuf::from("/site/static/shop-feed"));
        assert_eq!(
            photos.source.snapshot_dir,
            PathBuf::from("/site/.feedgen-cache/feeds/photos/snapshot")
        );
        assert_eq!(
            shop.token.state_file,
            PathBuf::from("/site/.feedgen-cache/feeds/shop/token-state.json")
        );
        assert_eq!(shop.source.kind, SourceKind::Facebook);
        assert_eq!(shop.source.api_base.as_str(), "https://graph.facebook.com/");
        assert_eq!(shop.source.api_version, DEFAULT_FACEBOOK_API_VERSION);
        assert!(shop.source.counts && !photos.source.counts);
        assert_eq!(shop.token.env_var, "FEEDGEN_TOKEN_SHOP");
        assert_eq!(photos.token.env_var, DEFAULT_TOKEN_ENV);
    }

    #[test]
    fn each_feed_reads_its_own_token_variable_and_api_host() {
        let mut c = parse(TWO).unwrap();
        c.apply_env(
            &EnvOverrides {
                api_base: Some("http://127.0.0.1:7/".into()),
                facebook_api_base: Some("http://127.0.0.1:8/".into()),
                token_file: Some("token.txt".into()),
                ..EnvOverrides::default()
            }
            .with_token("FEEDGEN_TOKEN", "instagram-token-1")
            .with_token("FEEDGEN_TOKEN_SHOP", "facebook-token-2"),
        )
        .unwrap();
        let (photos, shop) = (&c.feeds[0], &c.feeds[1]);
        assert_eq!(
            photos.token.env.as_ref().unwrap().expose(),
            "instagram-token-1"
        );
        assert_eq!(
            shop.token.env.as_ref().unwrap().expose(),
            "facebook-token-2"
        );
        assert_eq!(photos.source.api_base.as_str(), "http://127.0.0.1:7/");
        assert_eq!(shop.source.api_base.as_str(), "http://127.0.0.1:8/");
        assert_eq!(photos.token.file, Some(PathBuf::from("token.txt")));
        assert_eq!(
            shop.token.file, None,
            "FEEDGEN_TOKEN_FILE goes with FEEDGEN_TOKEN"
        );
    }

    #[test]
    fn feeds_may_not_share_folders_or_names() {
        for (text, needle) in [
            (
                "[[feed]]\nname = \"a\"\n[feed.output]\ndir = \"out\"\n[[feed]]\nname = \"b\"\n[feed.output]\ndir = \"out/b\"\n",
                "`a` and `b` would share",
            ),
            (
                "[[feed]]\nname = \"a\"\n[[feed]]\nname = \"a\"\n",
                "two feeds are named `a`",
            ),
            (
                "[[feed]]\nname = \"My Feed\"\n",
                "`My Feed` is not a feed name",
            ),
        ] {
            let e = err(text);
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn a_bad_value_in_a_feed_names_the_feed() {
        let err = parse("[[feed]]\nname = \"shop\"\n[feed.source]\nmax_posts = 0\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`source.max_posts`") && err.contains("feed `shop`"),
            "{err}"
        );
    }

    #[test]
    fn filter_values_are_checked_and_normalised() {
        let f = one(
            "[filter]\ninclude_hashtags = [\"#Travel\", \"travel\"]\nsince = 2024-05-01\nuntil = \"2024-05-31\"\n",
        );
        assert_eq!(f.filter.include_hashtags, vec!["travel"]);
        assert_eq!(
            f.filter.since.unwrap().to_rfc3339(),
            "2024-05-01T00:00:00+00:00"
        );
        assert_eq!(
            f.filter.until.unwrap().to_rfc3339(),
            "2024-05-31T23:59:59+00:00"
        );
        assert!(!f.filter.is_open());
        for (text, key) in [
            ("[filter]\ntypes = []\n", "filter.types"),
            ("[filter]\nsince = \"last week\"\n", "filter.since"),
            (
                "[filter]\nsince = 2024-06-01\nuntil = 2024-05-01\n",
                "filter.until",
            ),
            (
                "[filter]\nexclude_hashtags = [\"two words\"]\n",
                "filter.exclude_hashtags",
            ),
            (
                "[source]\nmax_posts = 50\nscan_limit = 10\n",
                "source.scan_limit",
            ),
            ("[source]\nig_user_id = \"123\"\n", "source.ig_user_id"),
            (
                "[source]\nkind = \"facebook\"\nig_user_id = \"12ab\"\n",
                "source.ig_user_id",
            ),
            (
                "[source]\nkind = \"facebook\"\napi_version = \"21\"\n",
                "source.api_version",
            ),
            ("[token]\nenv = \"FEEDGEN_API_BASE\"\n", "token.env"),
            ("[token]\nenv = \"lower\"\n", "token.env"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(key), "{text}: {err}");
        }
        let err = parse("[filter]\ntypes = [\"reel\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown variant `reel`"), "{err}");
    }

    #[test]
    fn the_wrong_host_for_the_source_kind_says_which_to_use() {
        let err = parse("[source]\napi_base = \"https://graph.facebook.com\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("source.kind = \\\"facebook\\\"")
                || err.contains("source.kind = \"facebook\""),
            "{err}"
        );
        let err = parse(
            "[source]\nkind = \"facebook\"\nfacebook_api_base = \"https://graph.instagram.com\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("source.facebook_api_base"), "{err}");
    }

    #[test]
    fn select_and_single_explain_the_feed_names() {
        let mut c = parse(TWO).unwrap();
        let err = c.single().unwrap_err().to_string();
        assert!(
            err.contains("`photos`, `shop`") && err.contains("--feed"),
            "{err}"
        );
        let err = c.clone().select(&["nope".into()]).unwrap_err().to_string();
        assert!(err.contains("no feed is named `nope`"), "{err}");
        c.select(&["shop".into()]).unwrap();
        assert_eq!(c.single().unwrap().name, "shop");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn line() -> impl Strategy<Value = String> {
            let key = prop_oneof![
                Just("[source]"),
                Just("[images]"),
                Just("[output]"),
                Just("[token]"),
                Just("[http]"),
                Just("[cache]"),
                Just("[filter]"),
                Just("[[feed]]"),
                Just("[feed.source]"),
                Just("name ="),
                Just("max_posts ="),
                Just("widths ="),
                Just("quality ="),
                Just("formats ="),
                Just("dir ="),
                Just("api_base ="),
                Just("html ="),
                Just("timeout ="),
                Just("since ="),
                Just("types ="),
                Just("refresh_days_left ="),
                Just("bogus ="),
            ];
            let value = prop_oneof![
                Just("".to_string()),
                Just("0".to_string()),
                Just("-1".to_string()),
                Just("99999999999".to_string()),
                Just("[320, 640]".to_string()),
                Just("[]".to_string()),
                Just("[\"webp\", \"gif\"]".to_string()),
                Just("\"../x\"".to_string()),
                Just("\"a\"".to_string()),
                Just("2024-01-01".to_string()),
                Just("\"http://evil.example\"".to_string()),
                ".{0,12}",
            ];
            (key, value).prop_map(|(k, v)| {
                if k.starts_with('[') {
                    k.to_string()
                } else {
                    format!("{k} {v}")
                }
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// Any text is a config or an error that says where or which key; never a panic.
            #[test]
            fn config_text_parses_or_explains(lines in proptest::collection::vec(line(), 0..8)) {
                let text = lines.join("\n");
                if let Err(e) = Config::parse(&text, Path::new("/site")) {
                    let msg = e.to_string();
                    prop_assert!(msg.contains("line") || msg.contains('`'), "{}", msg);
                }
            }

            #[test]
            fn arbitrary_text_never_panics(text in ".{0,200}") {
                let _ = Config::parse(&text, Path::new("/site"));
            }
        }
    }
}
