//! `feedgen token …`: status, refresh, exchange, exchange-code, export.
//!
//! None of these prints the token. Secrets come from the environment
//! (`FEEDGEN_APP_SECRET`), never from arguments, which other users can see in
//! the process list.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use feedgen::config::SourceKind;
use feedgen::error::ConfigError;
use feedgen::http::{MediaHosts, client};
use feedgen::source::InstagramClient;
use feedgen::source::oauth::{self, CodeRequest, DEFAULT_OAUTH_BASE};
use feedgen::token::{self, Decision, Obtained, TokenOrigin, TokenState};
use feedgen::{Error, FeedConfig, Token};

use super::{ConfigArg, ok, runtime};

/// The `token` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Show where the token comes from, the account, its age and expiry, and whether it can be refreshed (never the token).
    Status(ConfigArg),
    /// Refresh the token now (it must be at least 24 h old and not expired) and store the result.
    Refresh(ConfigArg),
    /// Trade a short-lived token (stdin, or FEEDGEN_TOKEN) for a long-lived one; needs FEEDGEN_APP_SECRET.
    Exchange(ConfigArg),
    /// Trade an authorization code for a token, then for a long-lived one; needs FEEDGEN_APP_SECRET.
    ExchangeCode(ExchangeCodeArgs),
    /// Write the token in use to a file (mode 0600), e.g. to store it back as a CI secret.
    Export(ExportArgs),
}

/// Flags of `token exchange-code`.
#[derive(Debug, clap::Args)]
pub struct ExchangeCodeArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The app's Instagram app id (or FEEDGEN_APP_ID).
    #[arg(long, env = "FEEDGEN_APP_ID", value_name = "ID")]
    app_id: String,
    /// Exactly the redirect URI used when authorizing.
    #[arg(long, value_name = "URI")]
    redirect_uri: String,
    /// The code from the redirect (a trailing `#_` is fine); read from stdin if absent.
    #[arg(long, value_name = "CODE")]
    code: Option<String>,
}

/// Flags of `token export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The file to write (created or replaced, mode 0600).
    #[arg(long, value_name = "PATH")]
    file: PathBuf,
}

pub fn run(cmd: TokenCommand) -> Result<ExitCode, Error> {
    let one = |c: &ConfigArg| -> Result<FeedConfig, Error> { Ok(c.load(true)?.single()?.clone()) };
    match cmd {
        TokenCommand::Status(c) => status(&one(&c)?),
        TokenCommand::Refresh(c) => refresh(&one(&c)?),
        TokenCommand::Exchange(c) => exchange(&one(&c)?),
        TokenCommand::ExchangeCode(args) => exchange_code(&args),
        TokenCommand::Export(args) => export(&args),
    }
}

/// The account a token reads: `me` on graph.instagram.com; on graph.facebook.com
/// the configured or discovered Instagram business account.
fn account(
    config: &FeedConfig,
    http: &reqwest::Client,
    token: &Token,
) -> Result<feedgen::model::Account, Error> {
    runtime()?.block_on(async {
        let (client, _) = InstagramClient::for_source(http, &config.source, token)
            .into_account(&config.source)
            .await?;
        client.me().await
    })
}

use token::current;

fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = now - then;
    if d < Duration::hours(48) {
        format!("{} h ago", d.num_hours())
    } else {
        format!("{} days ago", d.num_days())
    }
}

fn status(config: &FeedConfig) -> Result<ExitCode, Error> {
    let now = Utc::now();
    let resolved = current(config, now)?;
    let s = &resolved.state;
    let state_path = config.token.state_file.display();
    let from = match (&resolved.origin, resolved.dirty) {
        (TokenOrigin::State, _) => format!("the state file {state_path}"),
        (o, true) => format!("{o} (not yet recorded in {state_path})"),
        (o, false) if s.obtained == Obtained::FirstSeen => {
            format!("{o} (recorded in {state_path})")
        }
        (o, false) => format!("{o}, replaced by its refreshed successor in {state_path}"),
    };
    println!("token     from {from}");

    let http = client(&MediaHosts::default());
    let me = account(config, &http, &s.token);
    let code = match &me {
        Ok(a) => {
            println!("account   @{} (id {})", a.username, a.id);
            ok()
        }
        Err(e) => {
            println!("account   ✘ {e}");
            ExitCode::from(e.exit_code())
        }
    };
    let how = match s.obtained {
        Obtained::FirstSeen => "first seen by feedgen; its real age is unknown",
        Obtained::Refreshed => "refreshed",
        Obtained::Exchanged => "exchanged for a long-lived token",
    };
    if !resolved.dirty {
        println!(
            "obtained  {} ({how}, {})",
            s.obtained_at.format("%Y-%m-%d %H:%M UTC"),
            ago(s.obtained_at, now)
        );
    }
    match s.expires_at {
        Some(exp) => println!(
            "expires   {} ({} days left)",
            exp.format("%Y-%m-%d %H:%M UTC"),
            token::days_left(exp, now)
        ),
        None if config.source.kind == SourceKind::Facebook => println!(
            "expires   not known (a Page token made by `feedgen token exchange` does not expire)"
        ),
        None => println!(
            "expires   unknown until the first refresh (Instagram says nothing about a token's age)"
        ),
    }
    let policy = &config.token.policy;
    if config.source.kind == SourceKind::Facebook {
        println!("refresh   never: {}", token::FACEBOOK_NO_REFRESH);
        return Ok(code);
    }
    let refresh = match token::decide(s, now, policy) {
        Decision::Refresh if policy.auto => "due: the next build refreshes it".to_string(),
        Decision::Refresh => {
            "due, but token.auto_refresh is off: run `feedgen token refresh`".to_string()
        }
        Decision::Keep(reason) => format!("not now: {reason}"),
    };
    println!("refresh   {refresh}");
    if let Some(err) = &s.last_refresh_error {
        println!("last try  ✘ {err}");
    }
    Ok(code)
}

fn refresh(config: &FeedConfig) -> Result<ExitCode, Error> {
    if config.source.kind == SourceKind::Facebook {
        return Err(ConfigError::invalid(
            "source.kind",
            &format!(
                "the feed `{}` reads graph.facebook.com: {}",
                config.name,
                token::FACEBOOK_NO_REFRESH
            ),
        )
        .into());
    }
    let now = Utc::now();
    let mut resolved = current(config, now)?;
    let http = client(&MediaHosts::default());
    let result = runtime()?.block_on(
        InstagramClient::new(&http, &config.source.api_base, &resolved.state.token).refresh(),
    );
    match result {
        Ok(issued) => {
            let doubt = resolved
                .state
                .record_refresh(issued.token, issued.expires_in, now);
            if let Some(doubt) = doubt {
                crate::cli::warn(&doubt);
            }
            token::save_state(&config.token.state_file, &resolved.state)?;
            println!(
                "refreshed; stored in {}{}",
                config.token.state_file.display(),
                expiry_note(&resolved.state, now)
            );
            Ok(ok())
        }
        Err(e) => {
            // Keep the record of the attempt; the working token is untouched.
            resolved.state.record_failed_refresh(e.to_string(), now);
            token::save_state(&config.token.state_file, &resolved.state)?;
            Err(e)
        }
    }
}

fn expiry_note(state: &TokenState, now: DateTime<Utc>) -> String {
    match state.expires_at {
        Some(exp) => format!(
            "; expires {} ({} days)",
            exp.format("%Y-%m-%d"),
            token::days_left(exp, now)
        ),
        None => String::new(),
    }
}

fn app_secret() -> Result<Token, Error> {
    std::env::var("FEEDGEN_APP_SECRET")
        .ok()
        .map(Token::new)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ConfigError::invalid(
                "FEEDGEN_APP_SECRET",
                "is not set: put your app's secret in it (Instagram Login: App dashboard → Instagram → API setup with Instagram login → Business login settings; Facebook Login: App settings → Basic). It is read from the environment only, never from an argument",
            )
            .into()
        })
}

fn read_stdin_line(what: &str) -> Result<Option<String>, Error> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut text = String::new();
    stdin
        .lock()
        .take(64 * 1024)
        .read_to_string(&mut text)
        .map_err(|e| Error::io("read from stdin", what, e))?;
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    Ok(line.map(str::to_string))
}

/// Exchanges `short` for a long-lived token and records it in the state file.
/// On graph.facebook.com the long-lived user token is traded once more, for
/// the token of the Page the Instagram account is connected to, which does not expire.
fn store_long_lived(
    config: &FeedConfig,
    http: &reqwest::Client,
    rt: &tokio::runtime::Runtime,
    short: &Token,
    secret: &Token,
) -> Result<(), Error> {
    let now = Utc::now();
    let client = InstagramClient::for_source(http, &config.source, short);
    let issued = match config.source.kind {
        SourceKind::Instagram => rt.block_on(client.exchange(secret))?,
        SourceKind::Facebook => {
            let app_id = std::env::var("FEEDGEN_APP_ID")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| {
                    ConfigError::invalid(
                        "FEEDGEN_APP_ID",
                        "is not set: put your Meta app's id in it (App dashboard → App settings → Basic)",
                    )
                })?;
            let long = rt.block_on(client.exchange_facebook(app_id.trim(), secret))?;
            let page = rt.block_on(
                InstagramClient::for_source(http, &config.source, &long.token).page_token(
                    config.source.ig_user_id.as_deref(),
                    config.source.page_id.as_deref(),
                ),
            )?;
            match page {
                Some((token, name)) => {
                    println!(
                        "the Page {name}: its token, made from a long-lived user token, does not expire"
                    );
                    feedgen::source::instagram::IssuedToken {
                        token,
                        expires_in: None,
                    }
                }
                None => {
                    println!(
                        "no Page with an Instagram business account found for this feed: the long-lived user token itself is stored (it lives about 60 days)"
                    );
                    long
                }
            }
        }
    };
    let (expires_at, doubt) = token::expiry_after(now, issued.expires_in);
    if let Some(doubt) = doubt {
        crate::cli::warn(&doubt);
    }
    let state = TokenState {
        version: token::STATE_VERSION,
        // Should the short token still sit in FEEDGEN_TOKEN, its long-lived successor is used.
        input_fingerprint: token::fingerprint(short),
        token: issued.token,
        obtained_at: now,
        obtained: Obtained::Exchanged,
        expires_at,
        last_refresh_attempt: None,
        last_refresh_error: None,
    };
    token::save_state(&config.token.state_file, &state)?;
    println!(
        "long-lived token stored in {} (mode 0600){}",
        config.token.state_file.display(),
        expiry_note(&state, now)
    );
    println!(
        "builds with this config use it from there; to store it as a CI secret: feedgen token export --file PATH"
    );
    Ok(())
}

fn exchange(config: &FeedConfig) -> Result<ExitCode, Error> {
    let secret = app_secret()?;
    let short = match read_stdin_line("the short-lived token")? {
        Some(t) => Token::new(t),
        None => config.token.env.clone().ok_or_else(|| {
            Error::from(ConfigError::invalid(
                "short-lived token",
                &format!(
                    "give it on stdin (echo \"$SHORT\" | feedgen token exchange) or in {}",
                    config.token.env_var
                ),
            ))
        })?,
    };
    let http = client(&MediaHosts::default());
    store_long_lived(config, &http, &runtime()?, &short, &secret)?;
    Ok(ok())
}

fn exchange_code(args: &ExchangeCodeArgs) -> Result<ExitCode, Error> {
    let loaded = args.config.load(true)?;
    let config = loaded.single()?;
    if config.source.kind == SourceKind::Facebook {
        return Err(ConfigError::invalid(
            "source.kind",
            "exchange-code trades an Instagram-Login authorization code; for a Facebook-Login feed, give the user token to `feedgen token exchange`",
        )
        .into());
    }
    let secret = app_secret()?;
    let code = match &args.code {
        Some(c) => c.clone(),
        None => read_stdin_line("the authorization code")?.ok_or_else(|| {
            Error::from(ConfigError::invalid(
                "code",
                "give the code from the redirect URL with --code or on stdin",
            ))
        })?,
    };
    let base = std::env::var("FEEDGEN_OAUTH_BASE").unwrap_or_else(|_| DEFAULT_OAUTH_BASE.into());
    let oauth_base = url::Url::parse(&base)
        .map_err(|e| ConfigError::invalid("FEEDGEN_OAUTH_BASE", &format!("not a URL ({e})")))?;
    // The app secret goes there: the same rule as the API bases.
    feedgen::config::check_secure_base(&oauth_base)
        .map_err(|why| ConfigError::invalid("FEEDGEN_OAUTH_BASE", &why))?;
    let http = client(&MediaHosts::default());
    let rt = runtime()?;
    let grant = rt.block_on(oauth::exchange_code(
        &http,
        &oauth_base,
        &CodeRequest {
            app_id: &args.app_id,
            app_secret: &secret,
            redirect_uri: &args.redirect_uri,
            code: &code,
        },
    ))?;
    println!("authorized Instagram user id {}", grant.user_id);
    store_long_lived(config, &http, &rt, &grant.token, &secret)?;
    Ok(ok())
}

fn export(args: &ExportArgs) -> Result<ExitCode, Error> {
    let loaded = args.config.load(true)?;
    let resolved = current(loaded.single()?, Utc::now())?;
    feedgen::output::write_atomic_private(&args.file, resolved.state.token.expose().as_bytes())?;
    println!(
        "wrote the token in use ({}) to {} (mode 0600)",
        match resolved.origin {
            TokenOrigin::State => "from the state file".to_string(),
            _ if !resolved.dirty && resolved.state.obtained != Obtained::FirstSeen =>
                "the refreshed one".to_string(),
            o => format!("from {o}"),
        },
        args.file.display()
    );
    Ok(ok())
}
