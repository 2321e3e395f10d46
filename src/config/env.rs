//! The `FEEDGEN_*` environment layer, applied on top of the file.

use std::collections::BTreeMap;

use crate::config::token::valid_env_name;
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
