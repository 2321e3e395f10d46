//! `[embed]`: single posts embedded in the site's pages as static cards.

use std::path::PathBuf;

use crate::config::layer::set;
use crate::config::places::Places;
use crate::error::ConfigError;

/// `[embed]`: which single posts become cards, and how a post that cannot
/// be found is shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmbedConfig {
    /// Posts named in the config, by shortcode (`posts` takes codes and links).
    pub posts: Vec<String>,
    /// Glob patterns of the site's content files scanned for post links and
    /// `instagram` shortcode calls, relative to [`EmbedConfig::root`].
    pub scan: Vec<String>,
    /// Where the patterns start: the config file's folder.
    pub root: PathBuf,
    /// A post that cannot be found offers a button that loads Meta's own
    /// embed (nothing from Meta before the click).
    pub click_to_load: bool,
}

impl EmbedConfig {
    /// Whether the feed embeds anything (else it writes no card and pages no further).
    pub fn is_on(&self) -> bool {
        !self.posts.is_empty() || !self.scan.is_empty()
    }
}

super::layer::layer! {
    /// `[embed]` as one layer wrote it.
    EmbedLayer {
        posts: Vec<String>,
        scan: Vec<String>,
        click_to_load: bool,
    }
}

/// Most posts one feed embeds: each may cost paging, and a card each.
pub const MAX_EMBEDS: usize = 500;

impl EmbedConfig {
    /// The defaults with `layer` laid over them, checked.
    pub(super) fn from_layer(
        layer: EmbedLayer,
        places: &Places<'_>,
    ) -> Result<EmbedConfig, ConfigError> {
        let EmbedLayer {
            posts,
            scan,
            click_to_load,
        } = layer;
        let mut embed = EmbedConfig {
            root: places.base_dir.to_path_buf(),
            ..EmbedConfig::default()
        };
        for given in posts.unwrap_or_default() {
            let code = crate::model::post_code(&given).ok_or_else(|| {
                ConfigError::invalid(
                    "embed.posts",
                    &format!(
                        "`{given}` is neither a post's shortcode nor its link; give e.g. \"C0dE123abc_\" or \"https://www.instagram.com/p/C0dE123abc_/\""
                    ),
                )
            })?;
            if !embed.posts.contains(&code) {
                embed.posts.push(code);
            }
        }
        if embed.posts.len() > MAX_EMBEDS {
            return Err(ConfigError::invalid(
                "embed.posts",
                &format!("names more than {MAX_EMBEDS} posts; embed fewer"),
            ));
        }
        for pattern in scan.unwrap_or_default() {
            check_pattern(&pattern)?;
            embed.scan.push(pattern);
        }
        set(&mut embed.click_to_load, click_to_load);
        Ok(embed)
    }
}

/// A scan pattern is a relative glob inside the site: an absolute one or one
/// that climbs out with `..` would read files the site does not own.
fn check_pattern(pattern: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| {
        Err(ConfigError::invalid(
            "embed.scan",
            &format!(
                "`{pattern}` {why}; give a pattern inside the site such as \"content/**/*.md\""
            ),
        ))
    };
    let path = std::path::Path::new(pattern);
    if pattern.trim().is_empty() {
        return bad("is empty");
    }
    if path.is_absolute() || pattern.starts_with('/') || pattern.starts_with('\\') {
        return bad("is absolute");
    }
    if path
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return bad("leaves the config's folder (`..`)");
    }
    if let Err(e) = glob::Pattern::new(pattern) {
        return bad(&format!("is not a glob pattern ({e})"));
    }
    Ok(())
}
