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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::ConfigError;
use crate::http::is_loopback;
pub use crate::kinds::{EncodeSettings, ImageFormat, SourceKind};
use crate::model::PostKind;
use crate::secret::Token;

/// The graph host that serves the Instagram API with Instagram Login.
pub const DEFAULT_API_BASE: &str = "https://graph.instagram.com";
/// The graph host of the Instagram API with Facebook Login.
pub const DEFAULT_FACEBOOK_API_BASE: &str = "https://graph.facebook.com";
/// The Graph API version used in Facebook-Login paths (`/v25.0/...`).
pub const DEFAULT_FACEBOOK_API_VERSION: &str = "v25.0";
/// How many posts a build shows by default.
pub const DEFAULT_MAX_POSTS: usize = 24;
/// How many of the newest posts a build reads at most to find `max_posts` that pass the filter.
pub const DEFAULT_SCAN_LIMIT: usize = 500;
/// The API serves at most the 10,000 most recent media of an account.
pub const MAX_SCAN_LIMIT: usize = 10_000;
/// The widths of the responsive variants, in CSS pixels at DPR 1.
pub const DEFAULT_WIDTHS: [u32; 3] = [320, 640, 1080];
/// The output folder, relative to the config file.
pub const DEFAULT_OUT_DIR: &str = "public/feed";
/// The cache folder (snapshot, originals, manifest), relative to the config file.
pub const DEFAULT_CACHE_DIR: &str = ".feedgen-cache";
/// The `sizes` attribute matching the default grid CSS (3 columns from 640 px, max 1080 px wide).
pub const DEFAULT_SIZES: &str = "(min-width: 1080px) 360px, (min-width: 640px) 33vw, 50vw";
/// The variable that holds the token, unless a feed names another in `token.env`.
pub const DEFAULT_TOKEN_ENV: &str = "FEEDGEN_TOKEN";
/// How many feeds a run builds at once.
pub const DEFAULT_CONCURRENCY: usize = 2;
/// Default `build.deadline`: 15 minutes, ten times a cold build of 200 photos
/// on 2 cores; a scheduled CI job should end well before its own time limit.
pub const DEFAULT_DEADLINE_SECS: u64 = 900;
/// The name of the one feed of a file without `[[feed]]` tables.
pub const DEFAULT_FEED_NAME: &str = "default";

/// The variables feedgen reads for other purposes; a `token.env` may not name them.
const RESERVED_ENV: [&str; 8] = [
    "FEEDGEN_TOKEN_FILE",
    "FEEDGEN_API_BASE",
    "FEEDGEN_FACEBOOK_API_BASE",
    "FEEDGEN_MEDIA_HOSTS",
    "FEEDGEN_APP_SECRET",
    "FEEDGEN_APP_ID",
    "FEEDGEN_OAUTH_BASE",
    "FEEDGEN_LOG",
];

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

/// `[http]`: timeouts and the retry policy, for the API and the CDN alike.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    /// Whole-request timeout.
    pub timeout: std::time::Duration,
    /// Retries, backoff and the time budget of one request.
    pub retry: crate::retry::RetryPolicy,
}

/// `[token]`: token sources and the refresh policy.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenConfig {
    /// The variable the token is read from (`token.env`, default `FEEDGEN_TOKEN`).
    pub env_var: String,
    /// That variable's value (set by [`Config::apply_env`]); wins over every other source.
    pub env: Option<Token>,
    /// A file holding the token (`token.file`, `FEEDGEN_TOKEN_FILE`).
    pub file: Option<PathBuf>,
    /// The state file with the token in use, its expiry and refresh history (mode 0600).
    pub state_file: PathBuf,
    /// Refresh policy.
    pub policy: RefreshPolicy,
}

/// When to refresh and when to warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Refresh automatically during `build`.
    pub auto: bool,
    /// Refresh once fewer than this many days remain.
    pub refresh_days_left: i64,
    /// Warn once fewer than this many days remain.
    pub warn_days_left: i64,
}

/// Default: refresh when fewer than 30 of the 60 days remain.
pub const DEFAULT_REFRESH_DAYS_LEFT: i64 = 30;
/// Default: warn in the last 14 days.
pub const DEFAULT_WARN_DAYS_LEFT: i64 = 14;

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            auto: true,
            refresh_days_left: DEFAULT_REFRESH_DAYS_LEFT,
            warn_days_left: DEFAULT_WARN_DAYS_LEFT,
        }
    }
}

/// `[source]`: the Instagram account.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    /// Which API (and login) the feed uses.
    pub kind: SourceKind,
    /// Base URL of the graph host of that API (`source.api_base` or
    /// `source.facebook_api_base`; `FEEDGEN_API_BASE` or `FEEDGEN_FACEBOOK_API_BASE`).
    pub api_base: Url,
    /// The Graph API version in Facebook-Login paths, e.g. `v25.0`.
    pub api_version: String,
    /// Facebook source: the Instagram business account id; without it, it is
    /// discovered from the token's Pages.
    pub ig_user_id: Option<String>,
    /// Facebook source: the Page whose Instagram account to read, when the token sees several.
    pub page_id: Option<String>,
    /// Ask the API for like and comment counts (shown in the fragment and the JSON).
    pub counts: bool,
    /// The token, if written in the config (prefer `FEEDGEN_TOKEN` or a token file, which win).
    pub token: Option<Token>,
    /// At most this many posts are shown (after the filter).
    pub max_posts: usize,
    /// At most this many of the newest posts are read to find them.
    pub scan_limit: usize,
    /// Extra `host[:port]` entries allowed for media downloads (`FEEDGEN_MEDIA_HOSTS`).
    pub media_hosts: Vec<String>,
    /// Build from the recorded snapshot without any network access.
    pub offline: bool,
    /// Folder of the recorded snapshot: read when offline, written after each fetch.
    pub snapshot_dir: PathBuf,
}

/// `[filter]`: which posts are shown, and the file of per-post overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterConfig {
    /// Post types shown (all three by default).
    pub types: Vec<PostKind>,
    /// When not empty, only posts with at least one of these hashtags (lowercase, without `#`).
    pub include_hashtags: Vec<String>,
    /// Posts with any of these hashtags are never shown (lowercase, without `#`).
    pub exclude_hashtags: Vec<String>,
    /// Only posts published at or after this moment.
    pub since: Option<DateTime<Utc>>,
    /// Only posts published at or before this moment.
    pub until: Option<DateTime<Utc>>,
    /// Leave out reels (videos published as reels).
    pub exclude_reels: bool,
    /// The overrides file: posts hidden, pinned, or given other alt text or captions.
    pub overrides: Option<PathBuf>,
}

impl Default for FilterConfig {
    fn default() -> Self {
        FilterConfig {
            types: vec![PostKind::Image, PostKind::Video, PostKind::Carousel],
            include_hashtags: Vec::new(),
            exclude_hashtags: Vec::new(),
            since: None,
            until: None,
            exclude_reels: false,
            overrides: None,
        }
    }
}

impl FilterConfig {
    /// Whether the filter lets every post through (then a fetch stops at `max_posts`).
    pub fn is_open(&self) -> bool {
        *self
            == FilterConfig {
                overrides: self.overrides.clone(),
                ..FilterConfig::default()
            }
    }
}

/// `[images]`: the responsive variants.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageConfig {
    /// Target widths, ascending, deduplicated; never upscaled.
    pub widths: Vec<u32>,
    /// Formats, in the order the browser should prefer them; the last one is the `<img>` fallback.
    pub formats: Vec<ImageFormat>,
    /// Encoder settings: WebP and JPEG quality, WebP effort.
    pub encode: EncodeSettings,
    /// Make a placeholder (average colour, tiny preview) per image.
    pub placeholder: bool,
}

/// Named encoder settings: `balanced` (WebP q80 method 4) or `fast` (WebP q82 method 2,
/// about twice as fast for a few per cent more bytes at equal quality).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// WebP q80 method 4, JPEG q80.
    Balanced,
    /// WebP q82 method 2, JPEG q80.
    Fast,
}

impl Profile {
    /// The profile's encoder settings.
    pub fn settings(self) -> EncodeSettings {
        match self {
            Profile::Balanced => EncodeSettings {
                webp_quality: 80,
                jpeg_quality: 80,
                effort: 4,
            },
            Profile::Fast => EncodeSettings {
                webp_quality: 82,
                jpeg_quality: 80,
                effort: 2,
            },
        }
    }
}

/// `[output]`: the files a site includes.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputConfig {
    /// The folder feedgen owns and writes into.
    pub dir: PathBuf,
    /// Prefix for every URL in the HTML and JSON (media, CSS); e.g. `/feed/`.
    pub base_url: String,
    /// File name of the HTML fragment.
    pub html: String,
    /// File name of the JSON data file.
    pub json: String,
    /// File name of an optional standalone page wrapping the fragment.
    pub page: Option<String>,
    /// The `sizes` attribute of every image.
    pub sizes: String,
    /// Accessible label of the feed section (and the page title).
    pub label: String,
    /// Whether to write the theme's CSS and link it from the fragment.
    pub css: bool,
    /// How long a build waits for another one writing the same output folder.
    pub lock_timeout: std::time::Duration,
    /// How posts are laid out.
    pub layout: Layout,
    /// The built-in theme.
    pub theme: Theme,
    /// A folder whose `base.css`, `light.css`, … replace the built-in files of the same name.
    pub theme_dir: Option<PathBuf>,
    /// Stylesheets appended after the theme, in order.
    pub extra_css: Vec<PathBuf>,
    /// Show captions under the images.
    pub captions: bool,
    /// Longest caption shown, in user-perceived characters (graphemes).
    pub caption_length: usize,
    /// Link #hashtags and @mentions in shown captions to instagram.com.
    pub caption_links: bool,
    /// The site's absolute URL (e.g. `https://example.org/`): enables the JSON Feed and Atom files.
    pub site_url: Option<url::Url>,
    /// File name of the JSON Feed 1.1 file (written when `site_url` is set).
    pub jsonfeed: String,
    /// File name of the Atom file (written when `site_url` is set).
    pub atom: String,
    /// What to do when a Meta URL would load from the output: fail or warn.
    pub privacy: Privacy,
}

/// How the posts are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Square cells, images cropped to fill (the default).
    Grid,
    /// Columns of images at their own aspect ratio.
    Masonry,
    /// One scrolling row with scroll-snap.
    Carousel,
}

impl Layout {
    /// The name, as in config and CSS (`feedgen--grid`).
    pub fn name(self) -> &'static str {
        match self {
            Layout::Grid => "grid",
            Layout::Masonry => "masonry",
            Layout::Carousel => "carousel",
        }
    }

    /// The `sizes` attribute matching this layout in the base CSS.
    pub fn default_sizes(self) -> &'static str {
        match self {
            Layout::Grid | Layout::Masonry => DEFAULT_SIZES,
            Layout::Carousel => "(min-width: 640px) 320px, 80vw",
        }
    }
}

/// A built-in theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Dark text on white.
    Light,
    /// Light text on near-black.
    Dark,
    /// Light, or dark when the visitor's system prefers it.
    Auto,
    /// The page's own colours and fonts.
    Minimal,
}

impl Theme {
    /// The theme's file name in `themes/`.
    pub fn file(self) -> &'static str {
        match self {
            Theme::Light => "light.css",
            Theme::Dark => "dark.css",
            Theme::Auto => "auto.css",
            Theme::Minimal => "minimal.css",
        }
    }
}

/// The privacy check's verdict on a Meta URL in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Privacy {
    /// The build fails and publishes nothing (the default).
    Fail,
    /// The build publishes with a warning.
    Warn,
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
struct RawHttp {
    timeout: Option<u64>,
    retries: Option<u32>,
    backoff_ms: Option<u64>,
    retry_budget: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBuild {
    concurrency: Option<usize>,
    deadline: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    env: Option<String>,
    file: Option<PathBuf>,
    state: Option<PathBuf>,
    auto_refresh: Option<bool>,
    refresh_days_left: Option<i64>,
    warn_days_left: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    kind: Option<SourceKind>,
    api_base: Option<Url>,
    facebook_api_base: Option<Url>,
    api_version: Option<String>,
    ig_user_id: Option<String>,
    page_id: Option<String>,
    counts: Option<bool>,
    token: Option<String>,
    max_posts: Option<usize>,
    scan_limit: Option<usize>,
    media_hosts: Option<Vec<String>>,
    offline: Option<bool>,
    snapshot: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFilter {
    types: Option<Vec<PostKind>>,
    include_hashtags: Option<Vec<String>>,
    exclude_hashtags: Option<Vec<String>>,
    since: Option<RawDate>,
    until: Option<RawDate>,
    exclude_reels: Option<bool>,
    overrides: Option<PathBuf>,
}

/// A date as TOML writes it (`since = 2024-05-01`) or as a string (`"2024-05-01"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawDate {
    Toml(toml::value::Datetime),
    Text(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImages {
    widths: Option<Vec<u32>>,
    formats: Option<Vec<ImageFormat>>,
    profile: Option<Profile>,
    quality: Option<u8>,
    effort: Option<u8>,
    placeholder: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    dir: Option<PathBuf>,
    base_url: Option<String>,
    html: Option<String>,
    json: Option<String>,
    page: Option<String>,
    sizes: Option<String>,
    label: Option<String>,
    css: Option<bool>,
    lock_timeout: Option<u64>,
    layout: Option<Layout>,
    theme: Option<Theme>,
    theme_dir: Option<PathBuf>,
    extra_css: Option<Vec<PathBuf>>,
    captions: Option<bool>,
    caption_length: Option<usize>,
    caption_links: Option<bool>,
    site_url: Option<Url>,
    jsonfeed: Option<String>,
    atom: Option<String>,
    privacy: Option<Privacy>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCache {
    dir: Option<PathBuf>,
}

/// Values from the environment that override the config file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvOverrides {
    /// `FEEDGEN_API_BASE`: the graph host of `instagram` feeds.
    pub api_base: Option<String>,
    /// `FEEDGEN_FACEBOOK_API_BASE`: the graph host of `facebook` feeds.
    pub facebook_api_base: Option<String>,
    /// `FEEDGEN_MEDIA_HOSTS`, comma-separated.
    pub media_hosts: Option<String>,
    /// `FEEDGEN_TOKEN_FILE`: the token file of feeds that read `FEEDGEN_TOKEN`.
    pub token_file: Option<String>,
    /// Every variable a feed's `token.env` may name (`FEEDGEN_TOKEN` by default), by name.
    pub tokens: BTreeMap<String, Token>,
}

impl EnvOverrides {
    /// Reads the `FEEDGEN_*` variables of this process; empty ones count as unset.
    pub fn from_process_env() -> Self {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        // Which variables hold tokens is only known once the config is read, so
        // every one with a valid name is kept, as a Token that never prints.
        let tokens = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, v)| valid_env_name(k) && !v.trim().is_empty())
            .map(|(k, v)| (k, Token::new(v)))
            .collect();
        EnvOverrides {
            api_base: get("FEEDGEN_API_BASE"),
            facebook_api_base: get("FEEDGEN_FACEBOOK_API_BASE"),
            media_hosts: get("FEEDGEN_MEDIA_HOSTS"),
            token_file: get("FEEDGEN_TOKEN_FILE"),
            tokens,
        }
    }

    /// Sets a token variable (for tests and programs that do not use the process environment).
    pub fn with_token(mut self, var: &str, token: &str) -> Self {
        self.tokens.insert(var.to_string(), Token::new(token));
        self
    }
}

fn valid_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
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
enum Placement<'a> {
    /// The one feed of a file without `[[feed]]`: the paths feedgen always used.
    Single,
    /// A `[[feed]]`: its own folder in the cache, and (unless it sets them)
    /// `output.dir` and `output.base_url` of the top level plus its name.
    Named {
        own_dir: bool,
        own_base_url: bool,
        name: &'a str,
    },
}

impl Config {
    /// Writes the output to `out` instead (`build --out`): the one feed's folder,
    /// or with several feeds, the folder that holds one per feed, by name.
    pub fn set_output_root(&mut self, out: &Path) {
        if let [one] = self.feeds.as_mut_slice() {
            one.output.dir = out.to_path_buf();
        } else {
            for feed in &mut self.feeds {
                feed.output.dir = out.join(&feed.name);
            }
        }
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
            message: redact_token_values(text, &e.to_string()),
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
        let feeds = if !named_feeds {
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
        } else {
            // The text parsed strictly above; as a table it is layered per feed.
            let mut doc: toml::Table = text.parse().map_err(parse_error)?;
            let tables = match doc.remove("feed") {
                Some(toml::Value::Array(a)) => a,
                _ => Vec::new(),
            };
            for shared_only in ["cache", "http", "build"] {
                doc.remove(shared_only);
            }
            let mut feeds: Vec<FeedConfig> = Vec::new();
            for (raw, table) in file.feed.iter().zip(tables) {
                let name = raw.name.as_str();
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
                let mut own = match table {
                    toml::Value::Table(t) => t,
                    _ => toml::Table::new(),
                };
                own.remove("name");
                let sets =
                    |table: &str, key: &str| own.get(table).and_then(|t| t.get(key)).is_some();
                let placement = Placement::Named {
                    own_dir: sets("output", "dir"),
                    own_base_url: sets("output", "base_url"),
                    name,
                };
                let mut merged = doc.clone();
                layer(&mut merged, own);
                let settings: RawSettings = merged.try_into().map_err(parse_error)?;
                let feed = FeedConfig::from_raw(settings, name, placement, base_dir, &cache_dir)
                    .map_err(|e| e.in_feed(name))?;
                feeds.push(feed);
            }
            check_distinct(&feeds)?;
            feeds
        };
        Ok(Config {
            feeds,
            http,
            cache_dir,
            concurrency,
            deadline: std::time::Duration::from_secs(deadline),
            named_feeds,
        })
    }

    /// Applies `FEEDGEN_*` values on top of the file's values, feed by feed.
    pub fn apply_env(&mut self, env: &EnvOverrides) -> Result<(), ConfigError> {
        for feed in &mut self.feeds {
            feed.apply_env(env)?;
        }
        Ok(())
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
/// mentions `token` is replaced in `message` by `[redacted]`.
fn redact_token_values(text: &str, message: &str) -> String {
    let mut message = message.to_string();
    for line in text.lines().filter(|l| l.contains("token")) {
        for quote in ['"', '\''] {
            let parts: Vec<&str> = line.split(quote).collect();
            // Odd parts are inside quotes (the closing one may be missing).
            for value in parts.iter().skip(1).step_by(2) {
                if value.len() >= 8 {
                    message = message.replace(value, crate::secret::REDACTED);
                }
            }
        }
    }
    message
}

/// An `output.extra_css` entry is published as it is, world-readable: only a
/// `.css` file, and none inside the cache (which holds the token state).
fn extra_css_file(path: PathBuf, cache_dir: &Path) -> Result<PathBuf, ConfigError> {
    // Compared resolved where the files exist, so `..` and symlinks do not hide anything.
    let real = |p: &Path| {
        std::fs::canonicalize(p)
            .or_else(|e| match (p.parent(), p.file_name()) {
                // A file not written yet: its folder, resolved, decides.
                (Some(dir), Some(name)) => std::fs::canonicalize(dir).map(|d| d.join(name)),
                _ => Err(e),
            })
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let css = |p: &Path| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("css"));
    if !css(&path) || !css(&real(&path)) {
        return Err(ConfigError::invalid(
            "output.extra_css",
            &format!(
                "{} is not a .css file; extra_css files are published as part of the public stylesheet, so only stylesheets are taken",
                path.display()
            ),
        ));
    }
    if real(&path).starts_with(real(cache_dir)) {
        return Err(ConfigError::invalid(
            "output.extra_css",
            &format!(
                "{} is inside the cache folder {}, which holds the token state; keep your stylesheets with your site",
                path.display(),
                cache_dir.display()
            ),
        ));
    }
    Ok(path)
}

fn resolve(base_dir: &Path, p: PathBuf) -> PathBuf {
    if p.is_absolute() { p } else { base_dir.join(p) }
}

fn http_config(raw: RawHttp) -> Result<HttpConfig, ConfigError> {
    let defaults = crate::retry::RetryPolicy::default();
    let http = HttpConfig {
        timeout: std::time::Duration::from_secs(raw.timeout.unwrap_or(60)),
        retry: crate::retry::RetryPolicy {
            max_retries: raw.retries.unwrap_or(defaults.max_retries),
            base_delay: raw
                .backoff_ms
                .map_or(defaults.base_delay, std::time::Duration::from_millis),
            max_delay: defaults.max_delay,
            budget: raw
                .retry_budget
                .map_or(defaults.budget, std::time::Duration::from_secs),
        },
    };
    if http.timeout.is_zero() || http.timeout.as_secs() > 600 {
        return Err(ConfigError::invalid(
            "http.timeout",
            "must be between 1 and 600 seconds",
        ));
    }
    if http.retry.max_retries > 10 {
        return Err(ConfigError::invalid("http.retries", "must be at most 10"));
    }
    Ok(http)
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

fn parse_date(key: &str, raw: RawDate, end_of_day: bool) -> Result<DateTime<Utc>, ConfigError> {
    let text = match raw {
        RawDate::Toml(d) => d.to_string(),
        RawDate::Text(t) => t.trim().to_string(),
    };
    if let Ok(day) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        let time = if end_of_day {
            day.and_hms_opt(23, 59, 59)
        } else {
            day.and_hms_opt(0, 0, 0)
        };
        return Ok(time.expect("valid time of day").and_utc());
    }
    DateTime::parse_from_rfc3339(&text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            ConfigError::invalid(
                key,
                &format!(
                    "`{text}` is not a date: write 2024-05-01 (a whole day, UTC) or 2024-05-01T12:00:00Z"
                ),
            )
        })
}

fn hashtags(key: &str, raw: Option<Vec<String>>) -> Result<Vec<String>, ConfigError> {
    let mut tags = Vec::new();
    for t in raw.unwrap_or_default() {
        let tag = t.trim().trim_start_matches('#').to_lowercase();
        if tag.is_empty() || !tag.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(ConfigError::invalid(
                key,
                &format!(
                    "`{t}` is not a hashtag: give the word, with or without `#`, e.g. [\"travel\", \"#food\"]"
                ),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

fn digits(key: &str, v: Option<String>) -> Result<Option<String>, ConfigError> {
    match v {
        Some(id) if !crate::model::is_graph_id(&id) => Err(ConfigError::invalid(
            key,
            &format!("`{id}` is not an id: Graph ids are strings of digits"),
        )),
        other => Ok(other),
    }
}

impl FeedConfig {
    fn from_raw(
        raw: RawSettings,
        name: &str,
        placement: Placement<'_>,
        base_dir: &Path,
        cache_dir: &Path,
    ) -> Result<FeedConfig, ConfigError> {
        let resolve = |p: PathBuf| resolve(base_dir, p);
        // Where this feed keeps its own records inside the shared cache.
        let records = match placement {
            Placement::Single => cache_dir.to_path_buf(),
            Placement::Named { name, .. } => cache_dir.join("feeds").join(name),
        };

        let max_posts = raw.source.max_posts.unwrap_or(DEFAULT_MAX_POSTS);
        if max_posts == 0 {
            return Err(ConfigError::invalid(
                "source.max_posts",
                "must be at least 1",
            ));
        }
        let scan_limit = match raw.source.scan_limit {
            Some(n) if n < max_posts || n > MAX_SCAN_LIMIT => {
                return Err(ConfigError::invalid(
                    "source.scan_limit",
                    &format!(
                        "must be between source.max_posts ({max_posts}) and {MAX_SCAN_LIMIT} (the API lists at most the 10,000 newest media)"
                    ),
                ));
            }
            Some(n) => n,
            None => DEFAULT_SCAN_LIMIT.max(max_posts).min(MAX_SCAN_LIMIT),
        };
        let media_hosts = raw.source.media_hosts.unwrap_or_default();
        for h in &media_hosts {
            validate_host(h).map_err(|why| ConfigError::invalid("source.media_hosts", &why))?;
        }
        let kind = raw.source.kind.unwrap_or(SourceKind::Instagram);
        let (api_base, base_key) = match kind {
            SourceKind::Instagram => (
                raw.source
                    .api_base
                    .unwrap_or_else(|| Url::parse(DEFAULT_API_BASE).expect("valid default")),
                "source.api_base",
            ),
            SourceKind::Facebook => (
                raw.source.facebook_api_base.unwrap_or_else(|| {
                    Url::parse(DEFAULT_FACEBOOK_API_BASE).expect("valid default")
                }),
                "source.facebook_api_base",
            ),
        };
        validate_api_base(&api_base, kind).map_err(|why| ConfigError::invalid(base_key, &why))?;
        let api_version = raw
            .source
            .api_version
            .unwrap_or_else(|| DEFAULT_FACEBOOK_API_VERSION.to_string());
        let version_ok = api_version
            .strip_prefix('v')
            .and_then(|v| v.split_once('.'))
            .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok());
        if !version_ok {
            return Err(ConfigError::invalid(
                "source.api_version",
                &format!("`{api_version}` is not a Graph API version such as \"v25.0\""),
            ));
        }
        let ig_user_id = digits("source.ig_user_id", raw.source.ig_user_id)?;
        let page_id = digits("source.page_id", raw.source.page_id)?;
        if kind == SourceKind::Instagram && (ig_user_id.is_some() || page_id.is_some()) {
            return Err(ConfigError::invalid(
                if ig_user_id.is_some() {
                    "source.ig_user_id"
                } else {
                    "source.page_id"
                },
                "is for Facebook-Login sources only; set source.kind = \"facebook\", or remove it (an Instagram-Login token reads its own account)",
            ));
        }
        let source = SourceConfig {
            kind,
            api_base,
            api_version,
            ig_user_id,
            page_id,
            counts: raw.source.counts.unwrap_or(false),
            token: raw.source.token.map(Token::new),
            max_posts,
            scan_limit,
            media_hosts,
            offline: raw.source.offline.unwrap_or(false),
            snapshot_dir: raw
                .source
                .snapshot
                .map(resolve)
                .unwrap_or_else(|| records.join("snapshot")),
        };

        let mut widths = raw.images.widths.unwrap_or_else(|| DEFAULT_WIDTHS.to_vec());
        if widths.is_empty() || widths.iter().any(|&w| !(16..=4096).contains(&w)) {
            return Err(ConfigError::invalid(
                "images.widths",
                "give one or more widths between 16 and 4096, e.g. [320, 640, 1080]",
            ));
        }
        widths.sort_unstable();
        widths.dedup();
        let mut formats = raw
            .images
            .formats
            .unwrap_or_else(|| vec![ImageFormat::Webp, ImageFormat::Jpeg]);
        if formats.is_empty() {
            return Err(ConfigError::invalid(
                "images.formats",
                "give at least one of \"avif\", \"webp\", \"jpeg\"",
            ));
        }
        let mut seen = Vec::new();
        formats.retain(|f| {
            let new = !seen.contains(f);
            seen.push(*f);
            new
        });
        let mut encode = raw.images.profile.unwrap_or(Profile::Balanced).settings();
        if let Some(q) = raw.images.quality {
            encode.webp_quality = q;
            encode.jpeg_quality = q;
        }
        if let Some(e) = raw.images.effort {
            encode.effort = e;
        }
        let quality = encode.webp_quality;
        if encode.effort > 6 {
            return Err(ConfigError::invalid(
                "images.effort",
                "must be between 0 (fastest) and 6 (smallest files)",
            ));
        }
        if !(1..=100).contains(&quality) {
            return Err(ConfigError::invalid(
                "images.quality",
                "must be between 1 and 100",
            ));
        }

        let file_name = |key: &str, v: Option<String>, default: &str| {
            let name = v.unwrap_or_else(|| default.to_string());
            validate_file_name(&name)
                .map(|_| name)
                .map_err(|why| ConfigError::invalid(key, &why))
        };
        let layout = raw.output.layout.unwrap_or(Layout::Grid);
        let page = match raw.output.page {
            Some(p) if !p.is_empty() => Some(file_name("output.page", Some(p), "")?),
            _ => None,
        };
        let raw_dir = raw
            .output
            .dir
            .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT_DIR));
        if raw_dir.starts_with("~") {
            return Err(ConfigError::invalid(
                "output.dir",
                &format!(
                    "{} starts with `~`, which only a shell expands; feedgen would make a folder named `~`. Write the full path, or one relative to the config file",
                    raw_dir.display()
                ),
            ));
        }
        let shared_dir = resolve(raw_dir);
        let shared_base_url = raw.output.base_url.unwrap_or_default();
        let (dir, base_url) = match placement {
            Placement::Single => (shared_dir, shared_base_url),
            Placement::Named {
                own_dir,
                own_base_url,
                name,
            } => (
                if own_dir {
                    shared_dir
                } else {
                    shared_dir.join(name)
                },
                if own_base_url || shared_base_url.is_empty() {
                    shared_base_url
                } else {
                    format!("{}/{name}/", shared_base_url.trim_end_matches('/'))
                },
            ),
        };
        let output = OutputConfig {
            dir,
            base_url,
            html: file_name("output.html", raw.output.html, "feed.html")?,
            json: file_name("output.json", raw.output.json, "feed.json")?,
            page,
            sizes: raw
                .output
                .sizes
                .unwrap_or_else(|| layout.default_sizes().to_string()),
            label: raw
                .output
                .label
                .unwrap_or_else(|| "Instagram feed".to_string()),
            css: raw.output.css.unwrap_or(true),
            lock_timeout: std::time::Duration::from_secs(raw.output.lock_timeout.unwrap_or(300)),
            layout,
            theme: raw.output.theme.unwrap_or(Theme::Light),
            theme_dir: raw.output.theme_dir.map(&resolve),
            extra_css: raw
                .output
                .extra_css
                .unwrap_or_default()
                .into_iter()
                .map(&resolve)
                .map(|p| extra_css_file(p, cache_dir))
                .collect::<Result<_, _>>()?,
            captions: raw.output.captions.unwrap_or(false),
            caption_length: raw.output.caption_length.unwrap_or(120),
            caption_links: raw.output.caption_links.unwrap_or(false),
            site_url: raw.output.site_url,
            jsonfeed: file_name("output.jsonfeed", raw.output.jsonfeed, "jsonfeed.json")?,
            atom: file_name("output.atom", raw.output.atom, "atom.xml")?,
            privacy: raw.output.privacy.unwrap_or(Privacy::Fail),
        };
        if let Some(site) = &output.site_url
            && !matches!(site.scheme(), "https" | "http")
        {
            return Err(ConfigError::invalid(
                "output.site_url",
                "must be an absolute http(s) URL such as https://example.org/",
            ));
        }
        if output.caption_length == 0 {
            return Err(ConfigError::invalid(
                "output.caption_length",
                "must be at least 1",
            ));
        }

        let policy = RefreshPolicy {
            auto: raw.token.auto_refresh.unwrap_or(true),
            refresh_days_left: raw
                .token
                .refresh_days_left
                .unwrap_or(DEFAULT_REFRESH_DAYS_LEFT),
            warn_days_left: raw.token.warn_days_left.unwrap_or(DEFAULT_WARN_DAYS_LEFT),
        };
        if !(1..=59).contains(&policy.refresh_days_left) {
            return Err(ConfigError::invalid(
                "token.refresh_days_left",
                "must be between 1 and 59 (tokens live 60 days)",
            ));
        }
        if !(0..=59).contains(&policy.warn_days_left) {
            return Err(ConfigError::invalid(
                "token.warn_days_left",
                "must be between 0 and 59",
            ));
        }
        let env_var = raw
            .token
            .env
            .unwrap_or_else(|| DEFAULT_TOKEN_ENV.to_string());
        if !valid_env_name(&env_var) || RESERVED_ENV.contains(&env_var.as_str()) {
            return Err(ConfigError::invalid(
                "token.env",
                &format!(
                    "`{env_var}` cannot hold a token: name an environment variable of capital letters, digits and `_` that feedgen does not read for something else, e.g. \"FEEDGEN_TOKEN_SHOP\""
                ),
            ));
        }
        let token = TokenConfig {
            env_var,
            env: None,
            file: raw.token.file.map(&resolve),
            state_file: raw
                .token
                .state
                .map(&resolve)
                .unwrap_or_else(|| records.join("token-state.json")),
            policy,
        };

        let types = raw.filter.types.unwrap_or(FilterConfig::default().types);
        if types.is_empty() {
            return Err(ConfigError::invalid(
                "filter.types",
                "give at least one of \"image\", \"video\", \"carousel\"",
            ));
        }
        let since = raw
            .filter
            .since
            .map(|d| parse_date("filter.since", d, false))
            .transpose()?;
        let until = raw
            .filter
            .until
            .map(|d| parse_date("filter.until", d, true))
            .transpose()?;
        if let (Some(s), Some(u)) = (since, until)
            && s > u
        {
            return Err(ConfigError::invalid(
                "filter.until",
                "is before filter.since, so no post could be shown",
            ));
        }
        let filter = FilterConfig {
            types,
            include_hashtags: hashtags("filter.include_hashtags", raw.filter.include_hashtags)?,
            exclude_hashtags: hashtags("filter.exclude_hashtags", raw.filter.exclude_hashtags)?,
            since,
            until,
            exclude_reels: raw.filter.exclude_reels.unwrap_or(false),
            overrides: raw.filter.overrides.map(&resolve),
        };

        Ok(FeedConfig {
            name: name.to_string(),
            source,
            images: ImageConfig {
                widths,
                formats,
                encode,
                placeholder: raw.images.placeholder.unwrap_or(true),
            },
            output,
            token,
            filter,
            manifest: records.join("manifest.json"),
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

/// The rule for every base URL a secret is sent to (the API bases, the OAuth
/// base): https, or plain http to a loopback test server only, and no query.
/// Messages show the URL without credentials.
pub fn check_secure_base(url: &Url) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(format!(
                "`{}` uses plain http; the token and app secret would travel unencrypted. Use https (http is allowed only for 127.0.0.1/localhost test servers)",
                crate::secret::url_for_display(url)
            ));
        }
        other => {
            return Err(format!(
                "scheme `{}` is not http(s)",
                crate::secret::printable(other)
            ));
        }
    }
    if url.query().is_some() {
        return Err("must not carry a query string; the token goes in FEEDGEN_TOKEN".into());
    }
    Ok(())
}

fn validate_api_base(url: &Url, kind: SourceKind) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default();
    check_secure_base(url)?;
    if url.path().contains("/v1") && host == "api.instagram.com" {
        return Err(
            "api.instagram.com/v1 is the legacy Platform API, shut down on 2020-06-29; use https://graph.instagram.com (Instagram API with Instagram Login)".into(),
        );
    }
    match (kind, host) {
        (SourceKind::Instagram, "graph.facebook.com") => Err(
            "graph.facebook.com serves the Instagram API with Facebook Login: set source.kind = \"facebook\" (and source.facebook_api_base, if it is not the default)".into(),
        ),
        (SourceKind::Facebook, "graph.instagram.com") => Err(
            "graph.instagram.com serves the Instagram API with Instagram Login: use source.kind = \"instagram\" for it, or https://graph.facebook.com for a Facebook-Login token".into(),
        ),
        _ => Ok(()),
    }
}

fn validate_host(h: &str) -> Result<(), String> {
    let ok = !h.is_empty()
        && !h.contains('/')
        && !h.contains('@')
        && !h.contains('?')
        && Url::parse(&format!("http://{h}/")).is_ok();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{h}` is not a host[:port] (example: media.example.com or 127.0.0.1:8080)"
        ))
    }
}

fn validate_file_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.contains(['/', '\\'])
        || name == "."
        || name == ".."
        || name == "media"
    {
        return Err(format!(
            "`{name}` must be a plain file name inside the output folder (no slashes, not `media`)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(err.contains("unknown field `width`"), "{err}");
        assert!(
            err.contains("`widths`, `formats`, `profile`, `quality`"),
            "{err}"
        );
        let err = parse("[[feed]]\nname = \"a\"\n[feed.http]\ntimeout = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("unknown field `http`"), "{err}");
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
    fn the_annotated_example_lists_every_default() {
        let example = include_str!("../feedgen.example.toml");
        assert_eq!(parse(example).unwrap(), parse("").unwrap());
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
