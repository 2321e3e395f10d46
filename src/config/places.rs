//! Where each feed's files go, and the rules across feeds: no file on
//! another, nothing private inside a published folder, no two feeds sharing
//! a folder.

use std::path::{Path, PathBuf};

use crate::config::{Config, FeedConfig, resolve};
use crate::error::ConfigError;

/// A feed name names a cache folder: lowercase letters, digits, `-` and `_`.
fn valid_feed_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    name.len() <= 64
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Where a feed's files go when the config does not say.
#[derive(Debug, Clone, Copy)]
pub(super) enum Placement<'a> {
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
pub(super) struct Places<'a> {
    pub(super) base_dir: &'a Path,
    pub(super) cache_dir: &'a Path,
    pub(super) placement: Placement<'a>,
    pub(super) records: PathBuf,
}

impl Places<'_> {
    pub(super) fn resolve(&self, p: PathBuf) -> PathBuf {
        resolve(self.base_dir, p)
    }
}

impl Config {
    /// Refuses files that would overwrite each other or be published: the
    /// data file on a token state, a token file or a snapshot, or inside an
    /// output folder (replaced whole on every build, and published); a token
    /// state, a token file or a snapshot inside an output folder. Checked
    /// across feeds too, after every layer (file, environment, `--out`).
    pub(super) fn check_places(&self) -> Result<(), ConfigError> {
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
                // The export holds messages and more: never in a published folder.
                if let Some(export) = &a.source.export {
                    inside_out("source.export", export)?;
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
}

/// A feed name names a cache folder: checked, and unique among `feeds`.
pub(super) fn check_feed_name(name: &str, feeds: &[FeedConfig]) -> Result<(), ConfigError> {
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
pub(super) fn check_distinct(feeds: &[FeedConfig]) -> Result<(), ConfigError> {
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
pub(super) fn extra_css_file(path: &Path, cache_dir: &Path) -> Result<(), ConfigError> {
    let real = resolved;
    let css = |p: &Path| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("css"));
    if !css(path) || !css(&real(path)) {
        return Err(ConfigError::invalid(
            "output.extra_css",
            &format!(
                "{} is not a .css file; extra_css files are published as part of the public stylesheet, so only stylesheets are taken",
                path.display()
            ),
        ));
    }
    if real(path).starts_with(real(cache_dir)) {
        return Err(ConfigError::invalid(
            "output.extra_css",
            &format!(
                "{} is inside the cache folder {}, which holds the token state; keep your stylesheets with your site",
                path.display(),
                cache_dir.display()
            ),
        ));
    }
    Ok(())
}

/// `output.data_file`: a `.json` file outside the cache (it is published by
/// the site). Feeds of a `[[feed]]` config that share the setting each get
/// their own file, `<stem>_<feed name>.json` (Hugo: `site.Data.<stem>_<name>`).
pub(super) fn data_file_of(path: PathBuf, places: &Places<'_>) -> Result<PathBuf, ConfigError> {
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
