//! `[output]`: the files a site includes, their layout, theme and captions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::{Placement, Places};
use crate::error::ConfigError;

/// The output folder, relative to the config file.
pub const DEFAULT_OUT_DIR: &str = "public/feed";

/// The `sizes` attribute matching the default grid CSS (3 columns from 640 px, max 1080 px wide).
pub const DEFAULT_SIZES: &str = "(min-width: 1080px) 360px, (min-width: 640px) 33vw, 50vw";

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
    /// Accessible label of the feed section (and the page title); unset, the
    /// language's words for "Instagram feed".
    pub label: Option<String>,
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
    /// Also write the JSON data, with the fragment as `html`, to this file
    /// outside the output folder: Hugo's `data/feedgen.json`, which Hugo
    /// reads as `site.Data.feedgen` and `hugo server` watches.
    pub data_file: Option<PathBuf>,
    /// A CSS selector of the site's own dark mode (`.dark`, `[data-theme="dark"]`):
    /// while it matches an ancestor, themes `auto` and `light` show dark colours.
    pub dark_selector: Option<String>,
    /// The site's explicit light mode, which wins over a dark system under `auto`.
    pub light_selector: Option<String>,
    /// The feed's language (BCP 47, e.g. `de`, `pt-BR`, `ar`): the fragment's
    /// `lang`, the JSON Feed's `language` and the Atom `xml:lang`. Unset, the
    /// fragment takes the page's language. It also picks the words (the
    /// catalogues of `locales/`), plural rules, numbers and date styles.
    pub lang: Option<String>,
    /// How dates under posts are written: a CLDR style or a strftime pattern.
    pub date_format: crate::lang::DateFormat,
    /// The IANA time zone whose calendar dates posts (`Asia/Tokyo`); UTC when unset.
    pub time_zone: Option<String>,
    /// `[output.text]`: the site's own words, by key, over the language's.
    pub text: BTreeMap<String, crate::lang::Text>,
    /// Open a post in a dialog (its album, full caption and date) instead of
    /// following the link, with a small script of ours.
    pub viewer: bool,
    /// Show this many posts and put the rest behind a "Show more" disclosure.
    pub initial: Option<usize>,
    /// Show a profile header above the posts: avatar, name and @username.
    pub header: bool,
    /// With the header, also the account's post and follower counts.
    pub header_counts: bool,
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutput {
    pub(super) dir: Option<PathBuf>,
    pub(super) base_url: Option<String>,
    pub(super) html: Option<String>,
    pub(super) json: Option<String>,
    pub(super) page: Option<String>,
    pub(super) sizes: Option<String>,
    pub(super) label: Option<String>,
    pub(super) css: Option<bool>,
    pub(super) lock_timeout: Option<u64>,
    pub(super) layout: Option<Layout>,
    pub(super) theme: Option<Theme>,
    pub(super) theme_dir: Option<PathBuf>,
    pub(super) extra_css: Option<Vec<PathBuf>>,
    pub(super) captions: Option<bool>,
    pub(super) caption_length: Option<usize>,
    pub(super) caption_links: Option<bool>,
    pub(super) site_url: Option<Url>,
    pub(super) jsonfeed: Option<String>,
    pub(super) atom: Option<String>,
    pub(super) privacy: Option<Privacy>,
    pub(super) data_file: Option<PathBuf>,
    pub(super) dark_selector: Option<String>,
    pub(super) light_selector: Option<String>,
    pub(super) initial: Option<usize>,
    pub(super) viewer: Option<bool>,
    pub(super) lang: Option<String>,
    pub(super) date_format: Option<String>,
    pub(super) time_zone: Option<String>,
    pub(super) text: Option<BTreeMap<String, crate::lang::Text>>,
    pub(super) header: Option<bool>,
    pub(super) header_counts: Option<bool>,
}

/// `p` resolved where it exists, so `..` and symlinks do not hide where it
/// is; a file not written yet is resolved by its folder.
pub(super) fn resolved(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .or_else(|e| match (p.parent(), p.file_name()) {
            (Some(dir), Some(name)) => std::fs::canonicalize(dir).map(|d| d.join(name)),
            _ => Err(e),
        })
        // Nothing of it exists yet: absolute, without `.` parts, to compare alike.
        .unwrap_or_else(|_| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.to_path_buf())
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect()
        })
}

/// An `output.extra_css` entry is published as it is, world-readable: only a
/// `.css` file, and none inside the cache (which holds the token state).
pub(super) fn extra_css_file(path: PathBuf, cache_dir: &Path) -> Result<PathBuf, ConfigError> {
    let real = resolved;
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

/// `output.base_url` is written into every URL of the output, and the
/// Eleventy plugin copies the output folder to its path: an https URL, or a
/// path (root-relative or relative) without `..` segments, backslashes,
/// quotes, spaces or control characters.
fn check_base_url(value: &str) -> Result<(), ConfigError> {
    let refuse = |why: &str| {
        Err(ConfigError::invalid(
            "output.base_url",
            &format!(
                "{} {why}; give the path your site serves the output folder at, e.g. \"/feed/\", or an https:// URL",
                crate::secret::printable(&format!("{value:?}"))
            ),
        ))
    };
    let path = if let Some(rest) = value.strip_prefix("https://") {
        match url::Url::parse(value) {
            Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => {
                // `Url` resolves dot segments: look at what was written.
                rest.split_once('/').map_or("", |(_, p)| p)
            }
            _ => return refuse("is not a valid https URL"),
        }
    } else if value.starts_with("//")
        || value
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|first| first.contains(':'))
    {
        return refuse("is neither an https URL nor a path on this site");
    } else {
        value
    };
    if path.chars().any(|c| {
        c.is_control() || c.is_whitespace() || matches!(c, '\\' | '"' | '\'' | '<' | '>' | '`')
    }) {
        return refuse("holds a backslash, a quote, a space or a control character");
    }
    let dots = |segment: &str| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == ".." || decoded == "."
    };
    if path.split(['/', '?', '#']).any(dots) {
        return refuse("holds a `.` or `..` segment");
    }
    Ok(())
}

/// `output.data_file`: a `.json` file outside the cache (it is published by
/// the site). Feeds of a `[[feed]]` config that share the setting each get
/// their own file, `<stem>_<feed name>.json` (Hugo: `site.Data.<stem>_<name>`).
fn data_file(path: PathBuf, places: &Places<'_>) -> Result<PathBuf, ConfigError> {
    let key = "output.data_file";
    if path.extension().is_none_or(|e| e != "json") {
        return Err(ConfigError::invalid(
            key,
            &format!(
                "{} must name a .json file, e.g. \"data/feedgen.json\" for Hugo",
                path.display()
            ),
        ));
    }
    let path = match places.placement {
        Placement::Named {
            own_data_file: false,
            name,
            ..
        } => {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            path.with_file_name(format!("{stem}_{name}.json"))
        }
        _ => path,
    };
    let path = places.resolve(path);
    if resolved(&path).starts_with(resolved(places.cache_dir)) {
        return Err(ConfigError::invalid(
            key,
            &format!(
                "{} is inside the cache folder {}, which holds the token state; write it where your site reads data",
                path.display(),
                places.cache_dir.display()
            ),
        ));
    }
    Ok(path)
}

/// A language tag as HTML's `lang` takes it (BCP 47): a 2-3 letter language,
/// then subtags of 1-8 letters or digits, joined by `-` (`de`, `pt-BR`,
/// `zh-Hant-TW`). It lands in attributes, so nothing else is accepted.
pub fn check_lang(tag: &str) -> Result<String, ConfigError> {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if first_ok && rest_ok {
        Ok(tag.to_string())
    } else {
        Err(ConfigError::invalid(
            "output.lang",
            &format!(
                "`{}` is not a language tag: write a BCP 47 tag such as \"de\", \"pt-BR\" or \"ar\"",
                crate::secret::printable(tag)
            ),
        ))
    }
}

/// `[output.text]`, each entry checked (a known text, its placeholders, its plural forms).
fn texts(
    texts: BTreeMap<String, crate::lang::Text>,
) -> Result<BTreeMap<String, crate::lang::Text>, ConfigError> {
    for (key, text) in &texts {
        crate::lang::check_text(key, text).map_err(|why| {
            ConfigError::invalid(
                &format!("output.text.{}", crate::secret::printable(key)),
                &why,
            )
        })?;
    }
    Ok(texts)
}

/// Longest site selector accepted.
const MAX_SELECTOR_CHARS: usize = 200;

/// A selector of the site's colour mode, as it may be written into the
/// stylesheet: one selector list, nothing that could end the rule or start
/// another (`{`, `}`, `;`, `@`, `<`, a backslash or a comment), brackets,
/// parentheses and quotes balanced.
pub fn check_selector(key: &str, sel: &str) -> Result<String, ConfigError> {
    let sel = sel.trim();
    let bad = |why: &str| {
        ConfigError::invalid(
            key,
            &format!(
                "`{}` is not a selector feedgen can use: {why}. Write the selector of the element your site's toggle marks, e.g. \".dark\" or \"[data-theme=\\\"dark\\\"]\"",
                crate::secret::printable(sel)
            ),
        )
    };
    if sel.is_empty() {
        return Err(bad("it is empty"));
    }
    if sel.chars().count() > MAX_SELECTOR_CHARS {
        return Err(bad(&format!(
            "it is longer than {MAX_SELECTOR_CHARS} characters"
        )));
    }
    if let Some(c) = sel
        .chars()
        .find(|c| matches!(c, '{' | '}' | ';' | '@' | '<' | '\\') || c.is_control())
    {
        return Err(bad(&format!(
            "it holds {c:?}, which would break out of the rule"
        )));
    }
    if sel.contains("/*") {
        return Err(bad("it opens a comment"));
    }
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    for c in sel.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => stack.push(c),
            (None, ']') if stack.pop() != Some('[') => {
                return Err(bad("its brackets do not match"));
            }
            (None, ')') if stack.pop() != Some('(') => {
                return Err(bad("its parentheses do not match"));
            }
            _ => {}
        }
    }
    if quote.is_some() || !stack.is_empty() {
        return Err(bad("a quote, bracket or parenthesis is not closed"));
    }
    Ok(sel.to_string())
}

pub(super) fn validate_file_name(name: &str) -> Result<(), String> {
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

impl OutputConfig {
    /// The table's checks and defaults, from its raw form.
    pub(super) fn from_raw(
        raw: RawOutput,
        places: &Places<'_>,
    ) -> Result<OutputConfig, ConfigError> {
        let resolve = |p: PathBuf| places.resolve(p);
        let (placement, cache_dir) = (places.placement, places.cache_dir);
        let file_name = |key: &str, v: Option<String>, default: &str| {
            let name = v.unwrap_or_else(|| default.to_string());
            validate_file_name(&name)
                .map(|_| name)
                .map_err(|why| ConfigError::invalid(key, &why))
        };
        let layout = raw.layout.unwrap_or(Layout::Grid);
        let page = match raw.page {
            Some(p) if !p.is_empty() => Some(file_name("output.page", Some(p), "")?),
            _ => None,
        };
        let raw_dir = raw.dir.unwrap_or_else(|| PathBuf::from(DEFAULT_OUT_DIR));
        if raw_dir.starts_with("~") {
            return Err(ConfigError::invalid(
                "output.dir",
                &format!(
                    "{} starts with `~`, which only a shell expands; feedgen would make a folder named `~`. Write the full path, or one relative to the config file",
                    raw_dir.display()
                ),
            ));
        }
        let data_file = raw.data_file.map(|p| data_file(p, places)).transpose()?;
        let theme = raw.theme.unwrap_or(Theme::Light);
        let initial = match raw.initial {
            Some(0) => {
                return Err(ConfigError::invalid(
                    "output.initial",
                    "must be at least 1: it is how many posts show before \"Show more\" (leave it out to show every post)",
                ));
            }
            n => n,
        };
        let dark_selector = raw
            .dark_selector
            .map(|s| check_selector("output.dark_selector", &s))
            .transpose()?;
        let light_selector = raw
            .light_selector
            .map(|s| check_selector("output.light_selector", &s))
            .transpose()?;
        if dark_selector.is_some() && !matches!(theme, Theme::Auto | Theme::Light) {
            return Err(ConfigError::invalid(
                "output.dark_selector",
                "switches between light and dark colours, so it works with theme = \"auto\" (dark also on dark systems) or \"light\" (dark only when the site says so)",
            ));
        }
        if light_selector.is_some() && theme != Theme::Auto {
            return Err(ConfigError::invalid(
                "output.light_selector",
                "overrules a dark system, so it works with theme = \"auto\" only",
            ));
        }
        let shared_dir = resolve(raw_dir);
        let shared_base_url = raw.base_url.unwrap_or_default();
        check_base_url(&shared_base_url)?;
        let (dir, base_url) = match placement {
            Placement::Single => (shared_dir, shared_base_url),
            Placement::Named {
                own_dir,
                own_base_url,
                name,
                ..
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
            html: file_name("output.html", raw.html, "feed.html")?,
            json: file_name("output.json", raw.json, "feed.json")?,
            page,
            sizes: raw
                .sizes
                .unwrap_or_else(|| layout.default_sizes().to_string()),
            label: raw.label,
            css: raw.css.unwrap_or(true),
            lock_timeout: std::time::Duration::from_secs(raw.lock_timeout.unwrap_or(300)),
            layout,
            theme,
            theme_dir: raw.theme_dir.map(&resolve),
            extra_css: raw
                .extra_css
                .unwrap_or_default()
                .into_iter()
                .map(&resolve)
                .map(|p| extra_css_file(p, cache_dir))
                .collect::<Result<_, _>>()?,
            captions: raw.captions.unwrap_or(false),
            caption_length: raw.caption_length.unwrap_or(120),
            caption_links: raw.caption_links.unwrap_or(false),
            site_url: raw.site_url,
            jsonfeed: file_name("output.jsonfeed", raw.jsonfeed, "jsonfeed.json")?,
            atom: file_name("output.atom", raw.atom, "atom.xml")?,
            privacy: raw.privacy.unwrap_or(Privacy::Fail),
            data_file,
            dark_selector,
            light_selector,
            initial,
            viewer: raw.viewer.unwrap_or(false),
            lang: raw.lang.map(|l| check_lang(&l)).transpose()?,
            date_format: raw
                .date_format
                .map(|f| crate::lang::DateFormat::parse(&f))
                .transpose()
                .map_err(|why| ConfigError::invalid("output.date_format", &why))?
                .unwrap_or_default(),
            text: texts(raw.text.unwrap_or_default())?,
            time_zone: raw
                .time_zone
                .map(|z| crate::lang::check_time_zone(&z))
                .transpose()
                .map_err(|why| ConfigError::invalid("output.time_zone", &why))?,
            header: raw.header.unwrap_or(false),
            header_counts: raw.header_counts.unwrap_or(false),
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
        Ok(output)
    }
}
