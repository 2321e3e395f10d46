//! `[filter]`: which posts are shown.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::config::layer::set;
use crate::config::places::Places;
use crate::error::ConfigError;
use crate::model::PostKind;

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
    /// Show only reels (Instagram's Reels tab).
    pub only_reels: bool,
    /// Also show reels that are not on the profile grid
    /// (`is_shared_to_feed: false`, trial reels too), which Instagram's grid hides.
    pub unshared_reels: bool,
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
            only_reels: false,
            unshared_reels: false,
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

super::layer::layer! {
    /// `[filter]` as one layer wrote it.
    FilterLayer {
        types: Vec<PostKind>,
        include_hashtags: Vec<String>,
        exclude_hashtags: Vec<String>,
        since: RawDate,
        until: RawDate,
        exclude_reels: bool,
        only_reels: bool,
        unshared_reels: bool,
        overrides: PathBuf,
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawDate {
    Toml(toml::value::Datetime),
    Text(String),
}

pub(super) fn parse_date(
    key: &str,
    raw: RawDate,
    end_of_day: bool,
) -> Result<DateTime<Utc>, ConfigError> {
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

pub(super) fn hashtags(key: &str, raw: Option<Vec<String>>) -> Result<Vec<String>, ConfigError> {
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

impl FilterConfig {
    /// The defaults with `layer` laid over them (paths from the config file's folder), checked.
    pub(super) fn from_layer(
        layer: FilterLayer,
        places: &Places<'_>,
    ) -> Result<FilterConfig, ConfigError> {
        let FilterLayer {
            types,
            include_hashtags,
            exclude_hashtags,
            since,
            until,
            exclude_reels,
            only_reels,
            unshared_reels,
            overrides,
        } = layer;
        let mut filter = FilterConfig::default();
        set(&mut filter.types, types);
        filter.since = since
            .map(|d| parse_date("filter.since", d, false))
            .transpose()?;
        filter.until = until
            .map(|d| parse_date("filter.until", d, true))
            .transpose()?;
        filter.include_hashtags = hashtags("filter.include_hashtags", include_hashtags)?;
        filter.exclude_hashtags = hashtags("filter.exclude_hashtags", exclude_hashtags)?;
        set(&mut filter.exclude_reels, exclude_reels);
        set(&mut filter.only_reels, only_reels);
        set(&mut filter.unshared_reels, unshared_reels);
        filter.overrides = overrides.map(|p| places.resolve(p));
        filter.check()?;
        Ok(filter)
    }

    /// The table's own rules.
    fn check(&self) -> Result<(), ConfigError> {
        if self.types.is_empty() {
            return Err(ConfigError::invalid(
                "filter.types",
                "give at least one of \"image\", \"video\", \"carousel\"",
            ));
        }
        if let (Some(s), Some(u)) = (self.since, self.until)
            && s > u
        {
            return Err(ConfigError::invalid(
                "filter.until",
                "is before filter.since, so no post could be shown",
            ));
        }
        if self.exclude_reels && self.only_reels {
            return Err(ConfigError::invalid(
                "filter.only_reels",
                "and filter.exclude_reels together would show nothing; keep one",
            ));
        }
        Ok(())
    }
}
