//! `feedgen.toml`: parsed strictly, then laid in layers over the defaults.
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
//!   paths in the file are resolved against its folder, so a build works from
//!   any working directory; paths from the environment, against the working
//!   directory.
//! - **Layers.** One order, in [`Config::parse_with`]: each table's
//!   `impl Default` (the only place defaults live), the file's top-level
//!   tables, the feed's `[[feed]]`, then the environment (`FEEDGEN_*`) and
//!   the command line ([`Overrides`]). Each table is a layer type with every
//!   key optional (the `layer` module), read from the text in one parse; each step
//!   destructures every key, so a key that is not handled fails to compile.
//! - **Layout.** Each table has its file (`source`, `images`, `output`,
//!   `token`, `filter`, `http`) holding its resolved struct, its layer, its
//!   `impl Default`, `from_layer` and `check`; `env` is the environment
//!   layer. This file lays the layers over each other and checks what spans
//!   tables and feeds.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::ConfigError;
pub use crate::kinds::{EncodeSettings, ImageFormat, SourceKind};

/// The annotated config `feedgen init` writes: every key with its default
/// and a line on what it does (a test keeps it equal to the real defaults).
pub const EXAMPLE_CONFIG: &str = include_str!("../../feedgen.example.toml");

mod layer;

mod embed;
mod env;
mod explain;
mod filter;
mod http;
mod images;
mod output;
mod places;
mod source;
mod token;
mod values;

use embed::EmbedLayer;
pub use embed::{EmbedConfig, MAX_EMBEDS};
pub use env::EnvOverrides;
pub use filter::FilterConfig;
use filter::FilterLayer;
pub use http::HttpConfig;
use http::HttpLayer;
use images::ImagesLayer;
pub use images::{DEFAULT_VIDEO_MAX_MB, DEFAULT_WIDTHS, ImageConfig, Profile, VideoMode};
use output::OutputLayer;
pub use output::{DEFAULT_OUT_DIR, DEFAULT_SIZES, Layout, OutputConfig, Privacy, Theme, Tile};
use places::{Placement, Places, check_distinct, check_feed_name};
use source::SourceLayer;
pub use source::{
    DEFAULT_API_BASE, DEFAULT_FACEBOOK_API_BASE, DEFAULT_FACEBOOK_API_VERSION, DEFAULT_MAX_POSTS,
    DEFAULT_SCAN_LIMIT, MAX_SCAN_LIMIT, MAX_USERNAME_CHARS, SourceConfig, check_secure_base,
    check_username,
};
use token::TokenLayer;
pub use token::{
    DEFAULT_REFRESH_DAYS_LEFT, DEFAULT_TOKEN_ENV, DEFAULT_WARN_DAYS_LEFT, RefreshPolicy,
    TokenConfig,
};
pub use values::{check_lang, check_selector};

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
    /// Single posts embedded in the site's pages.
    pub embed: EmbedConfig,
    /// The manifest of the variants this feed's images already have.
    pub manifest: PathBuf,
}

/// The layers over the file: the environment and the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The `FEEDGEN_*` values (tests pass their own; the program reads the process's).
    pub env: EnvOverrides,
    /// `--feed NAME`: only these feeds, in file order (every feed when empty).
    pub feeds: Vec<String>,
    /// `build --out DIR`: the one feed's output folder, or with several
    /// feeds, the folder that holds one per feed, by name.
    pub out: Option<PathBuf>,
}

// ---- the file as written: one parse, every key optional, unknown keys refused ----

/// The whole file. Parsed once, from the text, so that every unknown key or
/// wrong type is reported with its line and column. The six feed tables
/// are repeated rather than flattened: serde's `flatten` loses the list of
/// expected keys that an unknown-key error needs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLayer {
    #[serde(default)]
    source: SourceLayer,
    #[serde(default)]
    images: ImagesLayer,
    #[serde(default)]
    output: OutputLayer,
    #[serde(default)]
    token: TokenLayer,
    #[serde(default)]
    filter: FilterLayer,
    #[serde(default)]
    embed: EmbedLayer,
    #[serde(default)]
    cache: CacheLayer,
    #[serde(default)]
    http: HttpLayer,
    #[serde(default)]
    build: BuildLayer,
    #[serde(default)]
    feed: Vec<NamedLayer>,
}

/// One `[[feed]]`: a name and the tables it lays over the top level's.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamedLayer {
    name: String,
    #[serde(default)]
    source: SourceLayer,
    #[serde(default)]
    images: ImagesLayer,
    #[serde(default)]
    output: OutputLayer,
    #[serde(default)]
    token: TokenLayer,
    #[serde(default)]
    filter: FilterLayer,
    #[serde(default)]
    embed: EmbedLayer,
}

/// The six tables of one feed, as one place (the top level, a `[[feed]]`) wrote them.
#[derive(Debug, Default, Clone)]
struct FeedLayer {
    source: SourceLayer,
    images: ImagesLayer,
    output: OutputLayer,
    token: TokenLayer,
    filter: FilterLayer,
    embed: EmbedLayer,
}

impl FeedLayer {
    /// Lays a `[[feed]]`'s tables over these, key by key.
    fn apply(&mut self, over: FeedLayer) {
        let FeedLayer {
            source,
            images,
            output,
            token,
            filter,
            embed,
        } = over;
        self.source.apply(source);
        self.images.apply(images);
        self.output.apply_feed(output);
        self.token.apply(token);
        self.filter.apply(filter);
        self.embed.apply(embed);
    }
}

layer::layer! {
    /// `[build]`: how the run is scheduled.
    BuildLayer {
        concurrency: usize,
        deadline: u64,
    }
}

layer::layer! {
    /// `[cache]`: where the cache lives.
    CacheLayer {
        dir: PathBuf,
    }
}

impl Config {
    /// Reads and validates a config file; relative paths are taken from its
    /// folder. No environment or command-line layer: see [`Config::load_with`].
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::load_with(path, &Overrides::default())
    }

    /// Reads a config file and lays `over` (the environment, the command
    /// line) on top of it.
    pub fn load_with(path: &Path, over: &Overrides) -> Result<Config, ConfigError> {
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
        Config::parse_with(&text, &base, over).map_err(|e| e.in_file(path))
    }

    /// Parses config text; relative paths are resolved against `base_dir`.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        Config::parse_with(text, base_dir, &Overrides::default())
    }

    /// Parses config text and lays every layer in order: defaults, the
    /// top-level tables, each `[[feed]]`, then (for the feeds `over`
    /// selects) the environment and `--out`. What spans feeds is checked last.
    pub fn parse_with(
        text: &str,
        base_dir: &Path,
        over: &Overrides,
    ) -> Result<Config, ConfigError> {
        Config::laid(text, base_dir, over)
            .map_err(|e| e.at_line(|key, feed| explain::line_of(text, key, feed)))
    }

    /// [`Config::parse_with`], before its errors are given their line.
    fn laid(text: &str, base_dir: &Path, over: &Overrides) -> Result<Config, ConfigError> {
        let file: FileLayer = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: None,
            message: explain::redact_token_values(text, &explain::explain(text, &e)),
        })?;
        let FileLayer {
            source,
            images,
            output,
            token,
            filter,
            embed,
            cache,
            http,
            build,
            feed,
        } = file;
        let CacheLayer { dir } = cache;
        let cache_dir = resolve(
            base_dir,
            dir.unwrap_or_else(|| PathBuf::from(DEFAULT_CACHE_DIR)),
        );
        let http = HttpConfig::from_layer(http)?;
        let (concurrency, deadline) = run_schedule(build)?;
        let top = FeedLayer {
            source,
            images,
            output,
            token,
            filter,
            embed,
        };
        let named_feeds = !feed.is_empty();
        let mut feeds = if named_feeds {
            named_feeds_of(&top, feed, base_dir, &cache_dir)?
        } else {
            vec![FeedConfig::from_layer(
                top,
                DEFAULT_FEED_NAME,
                Placement::Single,
                base_dir,
                &cache_dir,
            )?]
        };
        select(&mut feeds, &over.feeds)?;
        for feed in &mut feeds {
            feed.apply_env(&over.env)?;
        }
        if let Some(out) = &over.out {
            if let [one] = feeds.as_mut_slice() {
                one.output.dir = out.clone();
            } else {
                for feed in &mut feeds {
                    feed.output.dir = out.join(&feed.name);
                }
            }
        }
        let config = Config {
            feeds,
            http,
            cache_dir,
            concurrency,
            deadline,
            named_feeds,
        };
        config.check_places()?;
        Ok(config)
    }

    /// The one feed, for commands that act on a single one (the token commands).
    pub fn single(&self) -> Result<&FeedConfig, ConfigError> {
        match self.feeds.as_slice() {
            [one] => Ok(one),
            _ => Err(ConfigError::invalid(
                "--feed",
                &format!(
                    "the config has several feeds ({}); choose one with --feed NAME",
                    feed_names(&self.feeds)
                ),
            )),
        }
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

/// `[build]`: how many feeds at once, and how long the run may take.
fn run_schedule(build: BuildLayer) -> Result<(usize, std::time::Duration), ConfigError> {
    let BuildLayer {
        concurrency,
        deadline,
    } = build;
    let concurrency = concurrency.unwrap_or(DEFAULT_CONCURRENCY);
    if !(1..=16).contains(&concurrency) {
        return Err(ConfigError::invalid(
            "build.concurrency",
            "must be between 1 and 16 feeds at once",
        ));
    }
    let deadline = deadline.unwrap_or(DEFAULT_DEADLINE_SECS);
    if !(1..=86_400).contains(&deadline) {
        return Err(ConfigError::invalid(
            "build.deadline",
            "must be between 1 and 86400 seconds",
        ));
    }
    Ok((concurrency, std::time::Duration::from_secs(deadline)))
}

/// Keeps only the feeds named (all when `names` is empty), in file order.
fn select(feeds: &mut Vec<FeedConfig>, names: &[String]) -> Result<(), ConfigError> {
    for n in names {
        if !feeds.iter().any(|f| f.name == *n) {
            return Err(ConfigError::invalid(
                "--feed",
                &format!(
                    "no feed is named `{n}`; the config has {}",
                    feed_names(feeds)
                ),
            ));
        }
    }
    if !names.is_empty() {
        feeds.retain(|f| names.contains(&f.name));
    }
    Ok(())
}

/// The feed names, for messages: `` `a`, `b` ``.
fn feed_names(feeds: &[FeedConfig]) -> String {
    feeds
        .iter()
        .map(|f| format!("`{}`", f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn resolve(base_dir: &Path, p: PathBuf) -> PathBuf {
    if p.is_absolute() { p } else { base_dir.join(p) }
}

/// The `[[feed]]` tables, each laid over the top-level tables.
fn named_feeds_of(
    top: &FeedLayer,
    named: Vec<NamedLayer>,
    base_dir: &Path,
    cache_dir: &Path,
) -> Result<Vec<FeedConfig>, ConfigError> {
    let mut feeds: Vec<FeedConfig> = Vec::new();
    for layer in named {
        let NamedLayer {
            name,
            source,
            images,
            output,
            token,
            filter,
            embed,
        } = layer;
        check_feed_name(&name, &feeds)?;
        let placement = Placement::Named {
            own_dir: output.dir.is_some(),
            own_base_url: output.base_url.is_some(),
            own_data_file: output.data_file.is_some(),
            name: &name,
        };
        let mut tables = top.clone();
        tables.apply(FeedLayer {
            source,
            images,
            output,
            token,
            filter,
            embed,
        });
        let feed = FeedConfig::from_layer(tables, &name, placement, base_dir, cache_dir)
            .map_err(|e| e.in_feed(&name))?;
        feeds.push(feed);
    }
    check_distinct(&feeds)?;
    Ok(feeds)
}

impl FeedConfig {
    /// One feed from its layered tables, each over its defaults and checked.
    fn from_layer(
        layer: FeedLayer,
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
        let FeedLayer {
            source,
            images,
            output,
            token,
            filter,
            embed,
        } = layer;
        // In file order, so the first bad key of the file is the one reported.
        Ok(FeedConfig {
            name: name.to_string(),
            source: SourceConfig::from_layer(source, &places)?,
            images: ImageConfig::from_layer(images)?,
            output: OutputConfig::from_layer(output, &places)?,
            token: TokenConfig::from_layer(token, &places)?,
            filter: FilterConfig::from_layer(filter, &places)?,
            embed: EmbedConfig::from_layer(embed, &places)?,
            manifest: places.records.join("manifest.json"),
        })
    }
}

#[cfg(test)]
mod tests;
