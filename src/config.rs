//! `feedgen.toml`: parsed strictly, with defaults in one place.
//!
//! Unknown keys are errors (a typo must not silently fall back to a default), and
//! the TOML error names the line and column. Relative paths are resolved against
//! the folder of the config file, so a build works from any working directory.
//! Environment variables (`FEEDGEN_*`) are applied on top as a layer by
//! [`Config::apply_env`]; command-line flags go on top of that.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::ConfigError;

/// The graph host that serves the Instagram API with Instagram Login.
pub const DEFAULT_API_BASE: &str = "https://graph.instagram.com";
/// How many posts a build shows by default.
pub const DEFAULT_MAX_POSTS: usize = 24;
/// The widths of the responsive variants, in CSS pixels at DPR 1.
pub const DEFAULT_WIDTHS: [u32; 3] = [320, 640, 1080];
/// The output folder, relative to the config file.
pub const DEFAULT_OUT_DIR: &str = "public/feed";
/// The cache folder (snapshot, originals, manifest), relative to the config file.
pub const DEFAULT_CACHE_DIR: &str = ".feedgen-cache";
/// The `sizes` attribute matching the default grid CSS (3 columns from 640 px, max 1080 px wide).
pub const DEFAULT_SIZES: &str = "(min-width: 1080px) 360px, (min-width: 640px) 33vw, 50vw";

/// The whole configuration, validated, with every path absolute.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the feed comes from.
    pub source: SourceConfig,
    /// How images are resized and encoded.
    pub images: ImageConfig,
    /// What is written, and where.
    pub output: OutputConfig,
    /// Folder for the snapshot, the downloaded originals and the manifest.
    pub cache_dir: PathBuf,
    /// Where the token comes from and how it is kept alive.
    pub token: TokenConfig,
    /// Timeouts and retries.
    pub http: HttpConfig,
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
    /// The token from `FEEDGEN_TOKEN` (set by [`Config::apply_env`]); wins over every other source.
    pub env: Option<crate::Token>,
    /// A file holding the token (`token.file`, `FEEDGEN_TOKEN_FILE`).
    pub file: Option<PathBuf>,
    /// The state file with the token in use, its expiry and refresh history (mode 0600).
    pub state_file: PathBuf,
    /// Refresh policy.
    pub policy: crate::token::RefreshPolicy,
}

/// `[source]`: the Instagram account.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    /// Base URL of the graph host (`FEEDGEN_API_BASE`).
    pub api_base: Url,
    /// The token, if written in the config (prefer `FEEDGEN_TOKEN` or a token file, which win).
    pub token: Option<crate::Token>,
    /// At most this many posts are fetched and shown.
    pub max_posts: usize,
    /// Extra `host[:port]` entries allowed for media downloads (`FEEDGEN_MEDIA_HOSTS`).
    pub media_hosts: Vec<String>,
    /// Build from the recorded snapshot without any network access.
    pub offline: bool,
    /// Folder of the recorded snapshot: read when offline, written after each fetch.
    pub snapshot_dir: PathBuf,
}

/// An output image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// Lossy WebP: the smaller file, served through `<source type="image/webp">`.
    Webp,
    /// Baseline JPEG with 4:2:0 chroma: the fallback every browser decodes.
    Jpeg,
    /// AVIF (rav1e): smallest files, but 3–27× slower to encode; opt-in.
    Avif,
}

impl ImageFormat {
    /// The file extension, also the name used in config and JSON.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Webp => "webp",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Avif => "avif",
        }
    }

    /// The MIME type for `<source type=…>`.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Webp => "image/webp",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Avif => "image/avif",
        }
    }

    /// The name used in config and in the JSON data file.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Webp => "webp",
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Avif => "avif",
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
    pub encode: crate::media::pipeline::EncodeSettings,
    /// Make a placeholder (average colour, tiny preview) per image.
    pub placeholder: bool,
}

/// Named encoder settings: `balanced` (WebP q80 method 4) or `fast` (q82 method 2,
/// about twice as fast for a few per cent more bytes at equal quality).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// WebP q80 method 4, JPEG q80.
    Balanced,
    /// WebP q82 method 2, JPEG q82.
    Fast,
}

impl Profile {
    /// The profile's encoder settings.
    pub fn settings(self) -> crate::media::pipeline::EncodeSettings {
        use crate::media::pipeline::EncodeSettings;
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    source: RawSource,
    #[serde(default)]
    images: RawImages,
    #[serde(default)]
    output: RawOutput,
    #[serde(default)]
    cache: RawCache,
    #[serde(default)]
    token: RawToken,
    #[serde(default)]
    http: RawHttp,
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
struct RawToken {
    file: Option<PathBuf>,
    state: Option<PathBuf>,
    auto_refresh: Option<bool>,
    refresh_days_left: Option<i64>,
    warn_days_left: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    api_base: Option<Url>,
    token: Option<String>,
    max_posts: Option<usize>,
    media_hosts: Option<Vec<String>>,
    offline: Option<bool>,
    snapshot: Option<PathBuf>,
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
    /// `FEEDGEN_TOKEN`.
    pub token: Option<String>,
    /// `FEEDGEN_API_BASE`.
    pub api_base: Option<String>,
    /// `FEEDGEN_MEDIA_HOSTS`, comma-separated.
    pub media_hosts: Option<String>,
    /// `FEEDGEN_TOKEN_FILE`.
    pub token_file: Option<String>,
}

impl EnvOverrides {
    /// Reads the `FEEDGEN_*` variables of this process; empty ones count as unset.
    pub fn from_process_env() -> Self {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        EnvOverrides {
            token: get("FEEDGEN_TOKEN"),
            api_base: get("FEEDGEN_API_BASE"),
            media_hosts: get("FEEDGEN_MEDIA_HOSTS"),
            token_file: get("FEEDGEN_TOKEN_FILE"),
        }
    }
}

impl Config {
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
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: None,
            message: e.to_string(),
        })?;
        let resolve = |p: PathBuf| {
            if p.is_absolute() { p } else { base_dir.join(p) }
        };
        let cache_dir = resolve(
            raw.cache
                .dir
                .unwrap_or_else(|| PathBuf::from(DEFAULT_CACHE_DIR)),
        );

        let max_posts = raw.source.max_posts.unwrap_or(DEFAULT_MAX_POSTS);
        if max_posts == 0 {
            return Err(ConfigError::invalid(
                "source.max_posts",
                "must be at least 1",
            ));
        }
        let media_hosts = raw.source.media_hosts.unwrap_or_default();
        for h in &media_hosts {
            validate_host(h).map_err(|why| ConfigError::invalid("source.media_hosts", &why))?;
        }
        let source = SourceConfig {
            api_base: raw
                .source
                .api_base
                .unwrap_or_else(|| Url::parse(DEFAULT_API_BASE).expect("valid default")),
            token: raw.source.token.map(crate::Token::new),
            max_posts,
            media_hosts,
            offline: raw.source.offline.unwrap_or(false),
            snapshot_dir: raw
                .source
                .snapshot
                .map(resolve)
                .unwrap_or_else(|| cache_dir.join("snapshot")),
        };
        validate_api_base(&source.api_base)
            .map_err(|why| ConfigError::invalid("source.api_base", &why))?;

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
        let output = OutputConfig {
            dir: resolve(
                raw.output
                    .dir
                    .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT_DIR)),
            ),
            base_url: raw.output.base_url.unwrap_or_default(),
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
                .collect(),
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
        let policy = crate::token::RefreshPolicy {
            auto: raw.token.auto_refresh.unwrap_or(true),
            refresh_days_left: raw
                .token
                .refresh_days_left
                .unwrap_or(crate::token::DEFAULT_REFRESH_DAYS_LEFT),
            warn_days_left: raw
                .token
                .warn_days_left
                .unwrap_or(crate::token::DEFAULT_WARN_DAYS_LEFT),
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
        let token = TokenConfig {
            env: None,
            file: raw.token.file.map(resolve),
            state_file: resolve(
                raw.token
                    .state
                    .unwrap_or_else(|| cache_dir.join("token-state.json")),
            ),
            policy,
        };
        let defaults = crate::retry::RetryPolicy::default();
        let http = HttpConfig {
            timeout: std::time::Duration::from_secs(raw.http.timeout.unwrap_or(60)),
            retry: crate::retry::RetryPolicy {
                max_retries: raw.http.retries.unwrap_or(defaults.max_retries),
                base_delay: raw
                    .http
                    .backoff_ms
                    .map_or(defaults.base_delay, std::time::Duration::from_millis),
                max_delay: defaults.max_delay,
                budget: raw
                    .http
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
        Ok(Config {
            http,
            source,
            images: ImageConfig {
                widths,
                formats,
                encode,
                placeholder: raw.images.placeholder.unwrap_or(true),
            },
            output,
            cache_dir,
            token,
        })
    }

    /// Applies `FEEDGEN_*` values on top of the file's values.
    pub fn apply_env(&mut self, env: &EnvOverrides) -> Result<(), ConfigError> {
        if let Some(t) = &env.token {
            self.token.env = Some(crate::Token::new(t.clone()));
        }
        if let Some(f) = &env.token_file {
            // Relative to the working directory, like every other environment path.
            self.token.file = Some(PathBuf::from(f));
        }
        if let Some(base) = &env.api_base {
            let url = Url::parse(base.trim()).map_err(|e| {
                ConfigError::invalid("FEEDGEN_API_BASE", &format!("not a URL ({e})"))
            })?;
            validate_api_base(&url)
                .map_err(|why| ConfigError::invalid("FEEDGEN_API_BASE", &why))?;
            self.source.api_base = url;
        }
        if let Some(hosts) = &env.media_hosts {
            for h in hosts.split(',').map(str::trim).filter(|h| !h.is_empty()) {
                validate_host(h)
                    .map_err(|why| ConfigError::invalid("FEEDGEN_MEDIA_HOSTS", &why))?;
                self.source.media_hosts.push(h.to_string());
            }
        }
        Ok(())
    }
}

/// Whether `host` is a loopback name or address, where plain http is acceptable.
pub fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

fn validate_api_base(url: &Url) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(format!(
                "`{url}` uses plain http; the token would travel unencrypted. Use https (http is allowed only for 127.0.0.1/localhost test servers)"
            ));
        }
        other => return Err(format!("scheme `{other}` is not http(s)")),
    }
    if url.query().is_some() {
        return Err("must not carry a query string; the token goes in FEEDGEN_TOKEN".into());
    }
    if url.path().contains("/v1") && host == "api.instagram.com" {
        return Err(
            "api.instagram.com/v1 is the legacy Platform API, shut down on 2020-06-29; use https://graph.instagram.com (Instagram API with Instagram Login)".into(),
        );
    }
    Ok(())
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

    #[test]
    fn empty_config_gets_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.source.api_base.as_str(), "https://graph.instagram.com/");
        assert_eq!(c.images.widths, vec![320, 640, 1080]);
        assert_eq!(c.output.dir, PathBuf::from("/site/public/feed"));
        assert_eq!(
            c.source.snapshot_dir,
            PathBuf::from("/site/.feedgen-cache/snapshot")
        );
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
    }

    #[test]
    fn bad_values_name_the_key() {
        let err = parse("[images]\nwidths = [0]\n").unwrap_err().to_string();
        assert!(err.contains("images.widths"), "{err}");
        let err = parse("[source]\napi_base = \"http://example.com\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("plain http"), "{err}");
        let err = parse("[output]\nhtml = \"../x.html\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("output.html"), "{err}");
    }

    #[test]
    fn env_overrides_file() {
        let mut c = parse("[source]\ntoken = \"from-file-token\"\n").unwrap();
        c.apply_env(&EnvOverrides {
            token: Some("from-env-token".into()),
            api_base: Some("http://127.0.0.1:9/".into()),
            media_hosts: Some("127.0.0.1:9, cdn.example.com".into()),
            token_file: None,
        })
        .unwrap();
        assert_eq!(c.token.env.unwrap().expose(), "from-env-token");
        assert_eq!(c.source.token.unwrap().expose(), "from-file-token");
        assert_eq!(c.source.api_base.as_str(), "http://127.0.0.1:9/");
        assert_eq!(c.source.media_hosts, vec!["127.0.0.1:9", "cdn.example.com"]);
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
                Just("max_posts ="),
                Just("widths ="),
                Just("quality ="),
                Just("formats ="),
                Just("dir ="),
                Just("api_base ="),
                Just("html ="),
                Just("timeout ="),
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
