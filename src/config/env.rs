//! The `FEEDGEN_*` environment layer, applied on top of the file.

use std::collections::BTreeMap;

use std::path::PathBuf;

use url::Url;

use crate::config::FeedConfig;
use crate::config::source::{validate_api_base, validate_host};
use crate::config::token::{DEFAULT_TOKEN_ENV, valid_env_name};
use crate::error::ConfigError;
use crate::kinds::SourceKind;
use crate::secret::Token;

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

impl FeedConfig {
    /// Lays the `FEEDGEN_*` values over this feed's values; paths from
    /// the working directory, errors named by their variable.
    pub(super) fn apply_env(&mut self, env: &EnvOverrides) -> Result<(), ConfigError> {
        let EnvOverrides {
            api_base,
            facebook_api_base,
            media_hosts,
            token_file,
            tokens,
        } = env;
        if let Some(t) = tokens.get(&self.token.env_var) {
            self.token.env = Some(t.clone());
        }
        // The token file variable belongs with FEEDGEN_TOKEN: a feed that names
        // its own variable keeps its own token.file.
        if let Some(f) = token_file
            && self.token.env_var == DEFAULT_TOKEN_ENV
        {
            self.token.file = Some(PathBuf::from(f));
        }
        let (var, value) = match self.source.kind {
            SourceKind::Instagram => ("FEEDGEN_API_BASE", api_base),
            SourceKind::Facebook => ("FEEDGEN_FACEBOOK_API_BASE", facebook_api_base),
        };
        if let Some(base) = value {
            let url = Url::parse(base.trim())
                .map_err(|e| ConfigError::invalid(var, &format!("not a URL ({e})")))?;
            validate_api_base(&url, self.source.kind)
                .map_err(|why| ConfigError::invalid(var, &why))?;
            self.source.api_base = url;
        }
        // Hosts from the environment extend the file's list.
        if let Some(hosts) = media_hosts {
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
