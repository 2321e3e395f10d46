//! `[token]`: where the token comes from and when it is refreshed.

use std::path::PathBuf;

use crate::config::layer::set;
use crate::config::places::Places;
use crate::error::ConfigError;
use crate::secret::Token;

/// The variable that holds the token, unless a feed names another in `token.env`.
pub const DEFAULT_TOKEN_ENV: &str = "FEEDGEN_TOKEN";

/// The variables feedgen reads for other purposes; a `token.env` may not name them.
pub(super) const RESERVED_ENV: [&str; 8] = [
    "FEEDGEN_TOKEN_FILE",
    "FEEDGEN_API_BASE",
    "FEEDGEN_FACEBOOK_API_BASE",
    "FEEDGEN_MEDIA_HOSTS",
    "FEEDGEN_APP_SECRET",
    "FEEDGEN_APP_ID",
    "FEEDGEN_OAUTH_BASE",
    "FEEDGEN_LOG",
];

/// `[token]`: token sources and the refresh policy.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenConfig {
    /// The variable the token is read from (`token.env`, default `FEEDGEN_TOKEN`).
    pub env_var: String,
    /// That variable's value (the environment layer of [`Config::parse_with`](crate::config::Config::parse_with)); wins over every other source.
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

super::layer::layer! {
    /// `[token]` as one layer wrote it.
    TokenLayer {
        env: String,
        file: PathBuf,
        state: PathBuf,
        auto_refresh: bool,
        refresh_days_left: i64,
        warn_days_left: i64,
    }
}

impl Default for TokenConfig {
    fn default() -> Self {
        TokenConfig {
            env_var: DEFAULT_TOKEN_ENV.to_string(),
            env: None,
            file: None,
            state_file: PathBuf::from("token-state.json"),
            policy: RefreshPolicy::default(),
        }
    }
}

pub(super) fn valid_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

impl TokenConfig {
    /// The defaults with `layer` laid over them, checked; paths are taken
    /// from the config file's folder, the default state goes in the feed's records.
    pub(super) fn from_layer(
        layer: TokenLayer,
        places: &Places<'_>,
    ) -> Result<TokenConfig, ConfigError> {
        let TokenLayer {
            env,
            file,
            state,
            auto_refresh,
            refresh_days_left,
            warn_days_left,
        } = layer;
        let mut token = TokenConfig::default();
        token.state_file = state
            .map(|p| places.resolve(p))
            .unwrap_or_else(|| places.records.join(&token.state_file));
        set(&mut token.env_var, env);
        token.file = file.map(|p| places.resolve(p));
        set(&mut token.policy.auto, auto_refresh);
        set(&mut token.policy.refresh_days_left, refresh_days_left);
        set(&mut token.policy.warn_days_left, warn_days_left);
        token.check()?;
        Ok(token)
    }

    /// The table's own rules.
    fn check(&self) -> Result<(), ConfigError> {
        if !(1..=59).contains(&self.policy.refresh_days_left) {
            return Err(ConfigError::invalid(
                "token.refresh_days_left",
                "must be between 1 and 59 (tokens live 60 days)",
            ));
        }
        if !(0..=59).contains(&self.policy.warn_days_left) {
            return Err(ConfigError::invalid(
                "token.warn_days_left",
                "must be between 0 and 59",
            ));
        }
        let env_var = &self.env_var;
        if !valid_env_name(env_var) || RESERVED_ENV.contains(&env_var.as_str()) {
            return Err(ConfigError::invalid(
                "token.env",
                &format!(
                    "`{env_var}` cannot hold a token: name an environment variable of capital letters, digits and `_` that feedgen does not read for something else, e.g. \"FEEDGEN_TOKEN_SHOP\""
                ),
            ));
        }
        Ok(())
    }
}
