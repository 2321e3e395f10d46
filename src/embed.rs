//! Single posts embedded in the site's pages: which posts are wanted (the
//! config's `embed.posts` and the content `embed.scan` finds) and where each
//! is named, for the warning when one cannot be found.
//!
//! Instagram has no lookup by shortcode, so a wanted post is found by the
//! code in each post's `permalink` while the account's media are paged
//! ([`crate::select::Selection::embedded`]), and remembered by media id in
//! the snapshot for the next build.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::config::{EmbedConfig, MAX_EMBEDS};
use crate::error::{ConfigError, Error};
use crate::model::post_code;

/// Content files larger than this are not scanned (no page is that long;
/// a build artefact caught by a broad pattern could be).
pub const MAX_SCANNED_BYTES: u64 = 4 << 20;

/// Files one scan reads at most, so a pattern such as `**/*` over a big
/// folder ends with a message instead of reading it all.
pub const MAX_SCANNED_FILES: usize = 20_000;

/// The posts a feed embeds, by shortcode, each with the places that name it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wanted {
    places: BTreeMap<String, Vec<String>>,
}

impl Wanted {
    /// The posts named in `embed.posts` and found by scanning `embed.scan`;
    /// notes for what the scan skipped go to `warnings`.
    pub fn of(config: &EmbedConfig, warnings: &mut Vec<String>) -> Result<Wanted, Error> {
        let mut wanted = Wanted::default();
        for code in &config.posts {
            wanted.add(code.clone(), "embed.posts".to_string());
        }
        if !config.scan.is_empty() {
            scan(config, &mut wanted, warnings)?;
        }
        if wanted.places.len() > MAX_EMBEDS {
            warnings.push(format!(
                "{} posts are named for embedding; only the first {MAX_EMBEDS} (by shortcode) get a card",
                wanted.places.len()
            ));
            let keep: Vec<String> = wanted.places.keys().take(MAX_EMBEDS).cloned().collect();
            wanted.places.retain(|code, _| keep.contains(code));
        }
        Ok(wanted)
    }

    /// Wants `code`, named at `place`.
    pub fn add(&mut self, code: String, place: String) {
        let places = self.places.entry(code).or_default();
        if !places.contains(&place) {
            places.push(place);
        }
    }

    /// Whether no post is wanted.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The number of posts wanted.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// Whether the post with shortcode `code` is wanted.
    pub fn contains(&self, code: &str) -> bool {
        self.places.contains_key(code)
    }

    /// The shortcodes wanted, in order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.places.keys().map(String::as_str)
    }

    /// Where `code` is named: `embed.posts`, or content files relative to the config's folder.
    pub fn places(&self, code: &str) -> &[String] {
        self.places.get(code).map_or(&[], Vec::as_slice)
    }
}

/// Post links and the generators' shortcode calls: each captures a code or a link.
static CALLS: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        // https://www.instagram.com/p/CODE/, /reel/, /tv/, /user/p/CODE/
        r"(?i)\binstagram\.com/((?:[a-z0-9._]{1,30}/)?(?:p|reels?|tv)/[A-Za-z0-9_-]{1,64})",
        // Hugo: {{< instagram CODE >}}, {{% instagram CODE hidecaption %}}
        r#"\{\{[<%]-?\s*instagram\s+["'`]?([^\s"'`>%}]+)"#,
        // Eleventy (Liquid, Nunjucks): {% instagram "CODE" %}
        r#"\{%-?\s*instagram\s+["']?([^\s"'%}]+)"#,
        // Astro, MDX: <InstagramPost id="CODE" />
        r#"<InstagramPost\s[^>]*?\bid=\{?["'`]([^"'`]+)["'`]"#,
    ]
    .map(|r| Regex::new(r).expect("the patterns compile"))
});

/// The shortcodes of the posts `text` links to or embeds, in order, once each.
pub fn codes_in(text: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for re in CALLS.iter() {
        for caps in re.captures_iter(text) {
            let m = caps.get(1).expect("one group");
            let given = m.as_str();
            let code = if given.contains('/') {
                post_code(&format!("instagram.com/{given}"))
            } else {
                post_code(given)
            };
            if let Some(code) = code {
                found.push((m.start(), code));
            }
        }
    }
    found.sort();
    let mut codes: Vec<String> = Vec::new();
    for (_, code) in found {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// Reads every file `embed.scan` matches (inside the config's folder only)
/// and wants the posts it names.
fn scan(
    config: &EmbedConfig,
    wanted: &mut Wanted,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let root = config.root.canonicalize().map_err(|e| {
        Error::Config(ConfigError::invalid(
            "embed.scan",
            &format!(
                "the config's folder {} cannot be read: {e}",
                config.root.display()
            ),
        ))
    })?;
    let mut files = 0usize;
    for pattern in &config.scan {
        let full = root.join(pattern);
        let paths = glob::glob(&full.to_string_lossy()).map_err(|e| {
            Error::Config(ConfigError::invalid(
                "embed.scan",
                &format!("`{pattern}` is not a glob pattern ({e})"),
            ))
        })?;
        let mut matched = 0usize;
        for entry in paths {
            let Ok(path) = entry else { continue };
            if !path.is_file() {
                continue;
            }
            matched += 1;
            files += 1;
            if files > MAX_SCANNED_FILES {
                warnings.push(format!(
                    "embed.scan matches more than {MAX_SCANNED_FILES} files; the rest are not scanned (narrow the patterns)"
                ));
                return Ok(());
            }
            scan_file(&root, &path, wanted, warnings);
        }
        if matched == 0 {
            warnings.push(format!(
                "embed.scan pattern `{pattern}` matches no file in {}",
                root.display()
            ));
        }
    }
    Ok(())
}

/// Scans one file, unless it lies outside `root` (a symbolic link out of the
/// site) or is too large to be a page.
fn scan_file(root: &Path, path: &Path, wanted: &mut Wanted, warnings: &mut Vec<String>) {
    let shown = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    let Ok(real) = path.canonicalize() else {
        return;
    };
    if !real.starts_with(root) {
        warnings.push(format!(
            "embed.scan: {shown} leads outside the config's folder (a symbolic link), so it is not read"
        ));
        return;
    }
    match std::fs::metadata(&real) {
        Ok(m) if m.len() > MAX_SCANNED_BYTES => {
            warnings.push(format!(
                "embed.scan: {shown} is larger than {} MiB, so it is not read",
                MAX_SCANNED_BYTES >> 20
            ));
            return;
        }
        Ok(_) => {}
        Err(_) => return,
    }
    let Ok(bytes) = std::fs::read(&real) else {
        warnings.push(format!("embed.scan: {shown} cannot be read"));
        return;
    };
    for code in codes_in(&String::from_utf8_lossy(&bytes)) {
        wanted.add(code, shown.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_and_every_generators_call() {
        let text = r#"
See https://www.instagram.com/p/C0dE123abc_/ and instagram.com/reel/Reel456xyz-?igsh=x,
an old one http://instagram.com/tv/B1tv/ and a user's www.instagram.com/some.user/p/UsrCode111/.
{{< instagram Hugo1234567 >}} {{< instagram "HugoQuoted1" hidecaption >}} {{% instagram HugoPct0001 %}}
{% instagram "ElevCode111" %} {%- instagram 'ElevSingle1' -%}
<InstagramPost id="AstroCode11" /> <InstagramPost class="x" id={"https://www.instagram.com/p/AstroLink11/"} />
Not posts: https://www.instagram.com/someone/ {{< instagram-feed >}} {{</* instagram Escaped1234 */>}}
{{< instagram C0dE123abc_ >}} (again)
"#;
        assert_eq!(
            codes_in(text),
            [
                "C0dE123abc_",
                "Reel456xyz-",
                "B1tv",
                "UsrCode111",
                "Hugo1234567",
                "HugoQuoted1",
                "HugoPct0001",
                "ElevCode111",
                "ElevSingle1",
                "AstroCode11",
                "AstroLink11",
            ]
        );
    }

    #[test]
    fn hostile_text_yields_nothing_unsafe() {
        // Markup, paths and quotes in a call are not codes.
        let text = r#"{{< instagram "<script>" >}} {% instagram "../../etc/passwd" %} <InstagramPost id="a b" /> instagram.com/p/%2e%2e/"#;
        assert!(codes_in(text).is_empty(), "{:?}", codes_in(text));
    }
}
