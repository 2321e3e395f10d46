//! What is wrong with a token, and the steps that fix it, by login.

use crate::error::OUTPUT_KEPT;
use crate::kinds::SourceKind;

/// The permissions a Facebook user token needs for Business Discovery.
pub const DISCOVERY_PERMISSIONS: &str =
    "the instagram_basic, instagram_manage_insights and pages_read_engagement permissions";

const NEW_TOKEN_STEPS: &str = "Get a new long-lived token: Meta for Developers → your app → Instagram → \
API setup with Instagram login → Generate token (the account must be a Business or Creator account), \
then store it where the build reads it (the FEEDGEN_TOKEN secret in CI).";

const NEW_FACEBOOK_TOKEN_STEPS: &str = "Get a new token: in the Graph API Explorer (or your app's \
Facebook Login) as a user who can perform tasks on the Facebook Page connected to the Instagram account, \
with the instagram_basic and pages_show_list permissions; then `feedgen token exchange` (with FEEDGEN_APP_ID \
and FEEDGEN_APP_SECRET) turns it into a Page token that does not expire. Store it where the build reads \
it (the feed's token.env secret in CI).";

/// Why the token was refused; each cause has its own remedy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// No token was given at all.
    Missing,
    /// Code 190, subcode 463: the 60-day life ran out without a refresh.
    Expired,
    /// Code 190, subcode 460: password change or a security reset.
    Invalidated,
    /// Code 190, subcode 467 or "Cannot parse access token": malformed, or a
    /// token for another host.
    Invalid,
    /// Code 190, subcode 458 or "has not authorized application": the
    /// account removed the app, or never granted it access.
    Deauthorized,
    /// Code 190, subcodes 459 and 464: the account must log in and clear a
    /// security checkpoint or confirm itself before any token works.
    AccountCheckpoint,
    /// Code 190 with neither a known subcode nor a known message: refused,
    /// without a reason feedgen could tell.
    Refused,
    /// Code 100 "Unsupported get request" on the account itself: the token
    /// may not read this account at all.
    Unsupported,
    /// A Basic Display token (`IGQV…`), dead since 2024-12-04.
    BasicDisplayRetired,
    /// Codes 10 and 200–299: the app lost access or lacks a permission.
    Permission,
    /// Codes 10 and 200–299 on a Business Discovery read: the token lacks a
    /// permission that reading another account needs.
    DiscoveryPermission,
    /// A token of the legacy Instagram Platform API (`api.instagram.com/v1`), shut down 2020-06-29.
    LegacyPlatform,
    /// A token of the other login, told by its prefix before any request:
    /// Facebook Login's `EAA…` on graph.instagram.com, or Instagram Login's
    /// `IGAA…` on graph.facebook.com.
    OtherLogin,
    /// Facebook Login: the token's Pages have no Instagram business account it
    /// may read; the text says what was found.
    NoInstagramAccount(String),
}

impl TokenProblem {
    pub(super) fn advice(&self, kind: SourceKind) -> String {
        let facebook = kind == SourceKind::Facebook;
        match self {
            TokenProblem::Missing => {
                "No access token was given. Set FEEDGEN_TOKEN (or the variable the feed names in token.env) to a long-lived token, or name a token file in token.file or FEEDGEN_TOKEN_FILE, or run with --offline to build from the last snapshot.".into()
            }
            TokenProblem::Expired if facebook => {
                "The Facebook access token has expired (user tokens live about 60 days; a Page token made from a long-lived user token does not expire).".into()
            }
            TokenProblem::Expired => {
                "The access token has expired (Instagram tokens live 60 days unless refreshed).".into()
            }
            TokenProblem::Invalidated => {
                "The access token was invalidated, usually because the account's password changed or Meta reset the session.".into()
            }
            TokenProblem::Invalid if facebook => {
                "The access token is not valid for graph.facebook.com (mistyped, logged out, or an Instagram-Login token IGAA…, which only graph.instagram.com takes: use source.kind = \"instagram\" for those).".into()
            }
            TokenProblem::Invalid => {
                "The access token is not valid for this API (mistyped, logged out, or a token for another host such as a Facebook token EAA… on graph.instagram.com: use source.kind = \"facebook\" for those).".into()
            }
            TokenProblem::Deauthorized => {
                "The Instagram account has not authorized this app (it removed the app under Settings → Apps and websites, or never accepted it).".into()
            }
            TokenProblem::AccountCheckpoint => {
                "The account must log in to Instagram (or Facebook) in a browser and complete what it asks, a security check or a confirmation, before any token works again.".into()
            }
            TokenProblem::Refused => {
                "The API refused the access token (code 190) without saying why.".into()
            }
            TokenProblem::Unsupported if facebook => {
                "The token cannot read this Instagram account (the API answers \"Unsupported get request\"). Likely causes, most likely first: the token's user cannot perform tasks on the Facebook Page connected to the account; the token lacks instagram_basic and pages_show_list; the token belongs to another app.".into()
            }
            TokenProblem::Unsupported => {
                "The token cannot read this Instagram account (the API answers \"Unsupported get request\"). Likely causes, most likely first: the Instagram account has not accepted the app's tester invitation (Instagram app → Settings → Website permissions → Apps and websites → Tester invites); the account is not a Business or Creator account; the token belongs to another app, or to graph.facebook.com (an EAA… token: set source.kind = \"facebook\").".into()
            }
            TokenProblem::BasicDisplayRetired => {
                "This looks like an Instagram Basic Display token (IGQV…); that API was shut down on 2024-12-04. Move to the Instagram API with Instagram Login: switch the account to a Business or Creator account, add the Instagram product to your Meta app, and generate a token there; feedgen reads the same /me/media route with it.".into()
            }
            TokenProblem::OtherLogin if facebook => {
                "This is an Instagram-Login token (IGAA…), which is not valid for graph.facebook.com (source.kind = \"facebook\"), where Facebook-Login tokens (EAA…) are. To use this token, set source.kind = \"instagram\" (the default: graph.instagram.com); or give a Facebook-Login token.".into()
            }
            TokenProblem::OtherLogin => {
                "This is a Facebook-Login token (EAA…), but the feed reads graph.instagram.com, which takes Instagram-Login tokens (IGAA…). To use this token, set source.kind = \"facebook\" in feedgen.toml (https://feedgen.github.io/feedgen/guides/facebook-login.html); or generate an Instagram-Login token (https://feedgen.github.io/feedgen/first-feed.html#getting-a-token).".into()
            }
            TokenProblem::LegacyPlatform => {
                "This looks like a token of the legacy Instagram Platform API (api.instagram.com/v1), shut down on 2020-06-29. Move to the Instagram API with Instagram Login: switch the account to a Business or Creator account, add the Instagram product to a Meta app, and generate a token there; feedgen reads the same /me/media route with it.".into()
            }
            TokenProblem::Permission if facebook => {
                "The token may not read this Instagram account: it needs the instagram_basic and pages_show_list permissions (and business_management when the Page is managed in a Business Manager), and its user must be able to perform tasks on the Facebook Page connected to the account.".into()
            }
            TokenProblem::DiscoveryPermission => {
                format!("The token may not read other accounts (Business Discovery): it needs {DISCOVERY_PERMISSIONS} (and ads_management or ads_read when the Page role was given through a Business Manager). Without App Review these work for people with a role on the app, such as its admin.")
            }
            TokenProblem::Permission => {
                "The app has no permission to read this account's media (API access deactivated, or the instagram_business_basic permission is missing). Check the app dashboard, then generate a new token.".into()
            }
            TokenProblem::NoInstagramAccount(found) => format!(
                "The token reads no Instagram business account: {found}. Connect the Instagram account to a Facebook Page (Page settings → Linked accounts), make sure the token's user can perform tasks on that Page, and that the token has the pages_show_list and instagram_basic permissions."
            ),
        }
    }
}

pub(super) fn token_steps(
    problem: &TokenProblem,
    detail: &Option<String>,
    login: SourceKind,
) -> String {
    let mut s = String::new();
    if let Some(d) = detail {
        s.push_str(&format!(" (API said: {d})"));
    }
    match problem {
        TokenProblem::Missing
        | TokenProblem::BasicDisplayRetired
        | TokenProblem::LegacyPlatform => {}
        // The Instagram-Login steps would not help someone holding a Facebook token.
        TokenProblem::OtherLogin if login == SourceKind::Instagram => {}
        _ => {
            s.push(' ');
            s.push_str(match login {
                SourceKind::Instagram => NEW_TOKEN_STEPS,
                SourceKind::Facebook => NEW_FACEBOOK_TOKEN_STEPS,
            });
        }
    }
    s.push_str(OUTPUT_KEPT);
    s
}

/// The step that fixes a token problem, in one sentence.
pub(super) fn token_fix(problem: &TokenProblem, login: SourceKind) -> String {
    let facebook = login == SourceKind::Facebook;
    let new_token = if facebook {
        "make a new token in the Graph API Explorer and turn it into a Page token with `feedgen token exchange` (https://feedgen.github.io/feedgen/guides/facebook-login.html), then store it in FEEDGEN_TOKEN"
    } else {
        "generate a new long-lived token (Meta for Developers → your app → Instagram → API setup with Instagram login → Generate token) and store it in FEEDGEN_TOKEN (the secret of the same name in CI)"
    };
    match problem {
        TokenProblem::Missing => "set FEEDGEN_TOKEN to a long-lived token (https://feedgen.github.io/feedgen/first-feed.html#getting-a-token), or build from the last snapshot with --offline".into(),
        TokenProblem::Expired
        | TokenProblem::Invalidated
        | TokenProblem::Invalid
        | TokenProblem::Deauthorized
        | TokenProblem::Refused => new_token.into(),
        TokenProblem::AccountCheckpoint => "log in to the account on instagram.com in a browser and complete the check it asks for, then run `feedgen doctor` again".into(),
        TokenProblem::Unsupported if facebook => "give the token's user a task on the Facebook Page connected to the account and the instagram_basic and pages_show_list permissions, then make the token again".into(),
        TokenProblem::Unsupported => "accept the app's tester invitation in the Instagram app (Settings → Website permissions → Apps and websites → Tester invites) and check that the account is a Business or Creator account, then run `feedgen doctor` again".into(),
        TokenProblem::BasicDisplayRetired | TokenProblem::LegacyPlatform => "generate a token with the Instagram API with Instagram Login (https://feedgen.github.io/feedgen/first-feed.html#getting-a-token) and store it in FEEDGEN_TOKEN".into(),
        TokenProblem::Permission if facebook => "grant the token instagram_basic and pages_show_list (and business_management for a Page in a Business Manager), then make it again with `feedgen token exchange`".into(),
        TokenProblem::DiscoveryPermission => format!("grant the token {DISCOVERY_PERMISSIONS} (in the Graph API Explorer or your app's Facebook Login), then make it again with `feedgen token exchange`"),
        TokenProblem::Permission => "turn on the instagram_business_basic permission in your app's dashboard (Meta for Developers → your app → Instagram → API setup), then generate a new token".into(),
        TokenProblem::OtherLogin if facebook => "set source.kind = \"instagram\" (the default) in feedgen.toml to use this Instagram-Login token, or give a Facebook-Login token (EAA…)".into(),
        TokenProblem::OtherLogin => "set source.kind = \"facebook\" in feedgen.toml to use this Facebook-Login token, or give an Instagram-Login token (IGAA…)".into(),
        TokenProblem::NoInstagramAccount(_) => "connect the Instagram account to a Facebook Page (Page settings → Linked accounts) and give the token's user a task on it, or name the account in source.ig_user_id".into(),
    }
}
