//! `[output]`: the files a site includes, their layout, theme and captions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::layer::set;
use crate::config::places::{Placement, Places, data_file_of, extra_css_file};
use crate::config::values::{check_base_url, check_lang, check_selector, validate_file_name};
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
    /// The first this many posts' images load at once with high priority
    /// (a feed above the fold: its first images are the page's largest
    /// paint); the rest load lazily. 0: every image is lazy.
    pub eager: usize,
    /// The standalone page's meta description; unset, the language's
    /// "The latest Instagram posts of @user".
    pub description: Option<String>,
    /// The grid's tiles: square, or Instagram's 3:4.
    pub tile: Tile,
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

/// The shape of the grid's tiles (`output.tile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tile {
    /// Square tiles (the default).
    Square,
    /// 3:4 tiles, as Instagram's current profile grid shows posts.
    Portrait,
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

super::layer::layer! {
    /// `[output]` as one layer wrote it.
    OutputLayer {
        dir: PathBuf,
        base_url: String,
        html: String,
        json: String,
        page: String,
        sizes: String,
        label: String,
        css: bool,
        lock_timeout: u64,
        layout: Layout,
        theme: Theme,
        theme_dir: PathBuf,
        extra_css: Vec<PathBuf>,
        captions: bool,
        caption_length: usize,
        caption_links: bool,
        site_url: Url,
        jsonfeed: String,
        atom: String,
        privacy: Privacy,
        data_file: PathBuf,
        dark_selector: String,
        light_selector: String,
        initial: usize,
        viewer: bool,
        lang: String,
        date_format: String,
        time_zone: String,
        text: BTreeMap<String, crate::lang::Text>,
        header: bool,
        header_counts: bool,
        eager: usize,
        description: String,
        tile: Tile,
    }
}

impl OutputLayer {
    /// Lays a `[[feed]]`'s `[feed.output]` over the top level's: as every
    /// other key, but `[output.text]` merges text by text (and a plural
    /// text form by form), since it is a table of the site's words.
    pub(super) fn apply_feed(&mut self, mut over: OutputLayer) {
        if let (Some(mine), Some(theirs)) = (&self.text, over.text.take()) {
            let mut text = mine.clone();
            for (key, value) in theirs {
                use crate::lang::Text::Plural;
                let merged = match (text.remove(&key), value) {
                    (Some(Plural(mut forms)), Plural(more)) => {
                        forms.extend(more);
                        Plural(forms)
                    }
                    (_, value) => value,
                };
                text.insert(key, merged);
            }
            over.text = Some(text);
        }
        self.apply(over);
    }
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: PathBuf::from(DEFAULT_OUT_DIR),
            base_url: String::new(),
            html: "feed.html".into(),
            json: "feed.json".into(),
            page: None,
            sizes: DEFAULT_SIZES.into(),
            label: None,
            css: true,
            lock_timeout: std::time::Duration::from_secs(300),
            layout: Layout::Grid,
            theme: Theme::Light,
            theme_dir: None,
            extra_css: Vec::new(),
            captions: false,
            caption_length: 120,
            caption_links: false,
            site_url: None,
            jsonfeed: "jsonfeed.json".into(),
            atom: "atom.xml".into(),
            privacy: Privacy::Fail,
            data_file: None,
            dark_selector: None,
            light_selector: None,
            lang: None,
            date_format: crate::lang::DateFormat::default(),
            time_zone: None,
            text: BTreeMap::new(),
            viewer: false,
            initial: None,
            header: false,
            header_counts: false,
            eager: 0,
            description: None,
            tile: Tile::Square,
        }
    }
}

impl OutputConfig {
    /// The defaults with `layer` laid over them, then the defaults that
    /// follow from other keys (`sizes` from `layout`; a named feed's
    /// folder, URL and data file from its name), checked. Paths are taken
    /// from the config file's folder.
    pub(super) fn from_layer(
        layer: OutputLayer,
        places: &Places<'_>,
    ) -> Result<OutputConfig, ConfigError> {
        let OutputLayer {
            dir,
            base_url,
            html,
            json,
            page,
            sizes,
            label,
            css,
            lock_timeout,
            layout,
            theme,
            theme_dir,
            extra_css,
            captions,
            caption_length,
            caption_links,
            site_url,
            jsonfeed,
            atom,
            privacy,
            data_file,
            dark_selector,
            light_selector,
            initial,
            viewer,
            lang,
            date_format,
            time_zone,
            text,
            header,
            header_counts,
            eager,
            description,
            tile,
        } = layer;
        let mut o = OutputConfig::default();
        set(&mut o.html, html);
        set(&mut o.json, json);
        set(&mut o.jsonfeed, jsonfeed);
        set(&mut o.atom, atom);
        set(&mut o.base_url, base_url);
        // `page = ""` is how a feed turns off a page the top level asks for.
        o.page = page.filter(|p| !p.is_empty());
        set(&mut o.layout, layout);
        o.sizes = sizes.unwrap_or_else(|| o.layout.default_sizes().to_string());
        o.label = label;
        set(&mut o.css, css);
        set(
            &mut o.lock_timeout,
            lock_timeout.map(std::time::Duration::from_secs),
        );
        set(&mut o.theme, theme);
        set(&mut o.captions, captions);
        set(&mut o.caption_length, caption_length);
        set(&mut o.caption_links, caption_links);
        o.site_url = site_url;
        set(&mut o.privacy, privacy);
        let selector = |key, s: Option<String>| s.map(|s| check_selector(key, &s)).transpose();
        o.dark_selector = selector("output.dark_selector", dark_selector)?;
        o.light_selector = selector("output.light_selector", light_selector)?;
        o.initial = initial;
        set(&mut o.viewer, viewer);
        o.set_language(lang, date_format, time_zone)?;
        o.text = text.unwrap_or_default();
        set(&mut o.header, header);
        set(&mut o.header_counts, header_counts);
        set(&mut o.eager, eager);
        set(&mut o.tile, tile);
        o.description = description;
        set(&mut o.dir, dir);
        o.theme_dir = theme_dir;
        o.extra_css = extra_css.unwrap_or_default();
        o.place(places, data_file)?;
        o.check(places.cache_dir)?;
        Ok(o)
    }

    /// The language keys, each parsed: `lang`, `date_format`, `time_zone`.
    fn set_language(
        &mut self,
        lang: Option<String>,
        date_format: Option<String>,
        time_zone: Option<String>,
    ) -> Result<(), ConfigError> {
        self.lang = lang.map(|l| check_lang(&l)).transpose()?;
        if let Some(f) = date_format {
            self.date_format = crate::lang::DateFormat::parse(&f)
                .map_err(|why| ConfigError::invalid("output.date_format", &why))?;
        }
        self.time_zone = time_zone
            .map(|z| crate::lang::check_time_zone(&z))
            .transpose()
            .map_err(|why| ConfigError::invalid("output.time_zone", &why))?;
        Ok(())
    }

    /// Where the output goes: its paths from the config file's folder, and
    /// a named feed that shares the top level's `dir`, `base_url` or
    /// `data_file` gets its own, by its name.
    fn place(
        &mut self,
        places: &Places<'_>,
        data_file: Option<PathBuf>,
    ) -> Result<(), ConfigError> {
        if self.dir.starts_with("~") {
            return Err(ConfigError::invalid(
                "output.dir",
                &format!(
                    "{} starts with `~`, which only a shell expands; feedgen would make a folder named `~`. Write the full path, or one relative to the config file",
                    self.dir.display()
                ),
            ));
        }
        self.data_file = data_file.map(|p| data_file_of(p, places)).transpose()?;
        check_base_url(&self.base_url)?;
        self.dir = places.resolve(std::mem::take(&mut self.dir));
        self.theme_dir = self.theme_dir.take().map(|p| places.resolve(p));
        self.extra_css = std::mem::take(&mut self.extra_css)
            .into_iter()
            .map(|p| places.resolve(p))
            .collect();
        if let Placement::Named {
            own_dir,
            own_base_url,
            name,
            ..
        } = places.placement
        {
            if !own_dir {
                self.dir = self.dir.join(name);
            }
            if !own_base_url && !self.base_url.is_empty() {
                self.base_url = format!("{}/{name}/", self.base_url.trim_end_matches('/'));
            }
        }
        Ok(())
    }

    /// The table's own rules.
    fn check(&self, cache_dir: &Path) -> Result<(), ConfigError> {
        let file_name = |key: &str, name: &str| {
            validate_file_name(name).map_err(|why| ConfigError::invalid(key, &why))
        };
        file_name("output.html", &self.html)?;
        file_name("output.json", &self.json)?;
        file_name("output.jsonfeed", &self.jsonfeed)?;
        file_name("output.atom", &self.atom)?;
        if let Some(page) = &self.page {
            file_name("output.page", page)?;
        }
        if self.initial == Some(0) {
            return Err(ConfigError::invalid(
                "output.initial",
                "must be at least 1: it is how many posts show before \"Show more\" (leave it out to show every post)",
            ));
        }
        if self.dark_selector.is_some() && !matches!(self.theme, Theme::Auto | Theme::Light) {
            return Err(ConfigError::invalid(
                "output.dark_selector",
                "switches between light and dark colours, so it works with theme = \"auto\" (dark also on dark systems) or \"light\" (dark only when the site says so)",
            ));
        }
        if self.light_selector.is_some() && self.theme != Theme::Auto {
            return Err(ConfigError::invalid(
                "output.light_selector",
                "overrules a dark system, so it works with theme = \"auto\" only",
            ));
        }
        for css in &self.extra_css {
            extra_css_file(css, cache_dir)?;
        }
        for (key, text) in &self.text {
            crate::lang::check_text(key, text).map_err(|why| {
                ConfigError::invalid(
                    &format!("output.text.{}", crate::secret::printable(key)),
                    &why,
                )
            })?;
        }
        if let Some(site) = &self.site_url
            && !matches!(site.scheme(), "https" | "http")
        {
            return Err(ConfigError::invalid(
                "output.site_url",
                "must be an absolute http(s) URL such as https://example.org/",
            ));
        }
        if self.caption_length == 0 {
            return Err(ConfigError::invalid(
                "output.caption_length",
                "must be at least 1",
            ));
        }
        if self.tile == Tile::Portrait && self.layout != Layout::Grid {
            return Err(ConfigError::invalid(
                "output.tile",
                "shapes the grid's tiles, so it works with layout = \"grid\" (masonry and carousel show each image at its own shape)",
            ));
        }
        if let Some(d) = &self.description
            && (d.trim().is_empty() || d.chars().count() > 300 || d.chars().any(char::is_control))
        {
            return Err(ConfigError::invalid(
                "output.description",
                "must be one line of 1 to 300 characters: search engines show about 160 of it under the page's title",
            ));
        }
        Ok(())
    }
}
