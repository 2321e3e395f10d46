//! The authorization-code step on `api.instagram.com`, for `feedgen token exchange-code`.
//!
//! `POST /oauth/access_token` with a form body. Its errors use the legacy shape
//! (`{"error_type","code","error_message"}`), and its `user_id` may be a JSON
//! number above 2^53, so it is parsed as digits, never through f64.

use url::Url;

use super::wire;
use crate::error::{ApiError, Error};
use crate::http::describe;
use crate::http::read_capped;
use crate::secret::{Token, printable, url_for_display};

/// The OAuth host of the Instagram API with Instagram Login.
pub const DEFAULT_OAUTH_BASE: &str = "https://api.instagram.com";

/// What the code exchange returns: a short-lived (1 hour) token and the user id.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    /// The short-lived token; exchange it for a long-lived one at once.
    pub token: Token,
    /// The Instagram user id, as a string of digits.
    pub user_id: String,
}

/// The parameters of the code exchange.
#[derive(Debug, Clone)]
pub struct CodeRequest<'a> {
    /// The app's Instagram app id.
    pub app_id: &'a str,
    /// The app secret (from `FEEDGEN_APP_SECRET`).
    pub app_secret: &'a Token,
    /// Exactly the redirect URI used when authorizing.
    pub redirect_uri: &'a str,
    /// The code from the redirect (a trailing `#_` is removed).
    pub code: &'a str,
}

/// Removes what the redirect appends to the code (`#_`) and surrounding blanks.
pub fn clean_code(code: &str) -> &str {
    let code = code.trim();
    code.strip_suffix("#_").unwrap_or(code)
}

/// `POST {oauth_base}/oauth/access_token` with `grant_type=authorization_code`.
pub async fn exchange_code(
    http: &reqwest::Client,
    oauth_base: &Url,
    req: &CodeRequest<'_>,
) -> Result<CodeGrant, Error> {
    let url = oauth_base
        .join("oauth/access_token")
        .map_err(|e| Error::Internal(format!("OAuth URL: {e}")))?;
    let shown = url_for_display(&url);
    let code = clean_code(req.code);
    let code_secret = Token::new(code);
    // Every message from this server is scrubbed of both secrets, then made printable.
    let scrub = |t: &str| printable(&code_secret.scrub(&req.app_secret.scrub(t))).into_owned();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", req.app_id)
        .append_pair("client_secret", req.app_secret.expose())
        .append_pair("grant_type", "authorization_code")
        .append_pair("redirect_uri", req.redirect_uri)
        .append_pair("code", code)
        .finish();
    let response = http
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(|e| ApiError::Network {
            url: shown.clone(),
            reason: scrub(&describe(e)),
        })?;
    let status = response.status().as_u16();
    let bytes = read_capped(response, 1024 * 1024)
        .await
        .map_err(|reason| ApiError::Network {
            url: shown.clone(),
            reason: scrub(&reason.to_string()),
        })?;
    if let Some(refused) = refusal(&bytes, status, &shown, &scrub) {
        return Err(refused);
    }
    let parsed: wire::CodeResponse =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Unexpected {
            url: shown.clone(),
            status,
            reason: format!(
                "the JSON does not have the documented shape ({})",
                scrub(&e.to_string())
            ),
        })?;
    let grant = match parsed {
        wire::CodeResponse::Flat(t) => t,
        wire::CodeResponse::Wrapped { mut data } if !data.is_empty() => data.remove(0),
        wire::CodeResponse::Wrapped { .. } => {
            return Err(ApiError::Unexpected {
                url: shown,
                status,
                reason: "the answer holds no token".into(),
            }
            .into());
        }
    };
    Ok(CodeGrant {
        token: Token::new(grant.access_token),
        user_id: grant.user_id,
    })
}

/// The OAuth server's refusal of a code, if `bytes` is one (both error shapes).
fn refusal(
    bytes: &[u8],
    status: u16,
    shown: &str,
    scrub: &dyn Fn(&str) -> String,
) -> Option<Error> {
    let err = serde_json::from_slice::<wire::ErrorBody>(bytes).ok()?;
    if err.error.is_none() && err.error_message.is_none() {
        return None;
    }
    let (code, message) = match err.error {
        Some(g) => (g.code.unwrap_or(0), g.message.unwrap_or_default()),
        None => (
            err.code.unwrap_or(i64::from(status)),
            err.error_message.unwrap_or_default(),
        ),
    };
    let hint = "Authorization codes are single-use and expire after an hour, and redirect_uri must equal the one used to authorize: authorize again and pass the new code";
    Some(
        ApiError::Graph {
            url: shown.to_string(),
            status,
            code,
            subcode: None,
            message: scrub(&message),
            hint: Some(hint.into()),
        }
        .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_suffix_is_removed() {
        assert_eq!(clean_code(" AQBx-abc#_\n"), "AQBx-abc");
        assert_eq!(clean_code("AQBx"), "AQBx");
    }

    #[test]
    fn both_answer_shapes_parse_with_exact_ids() {
        let flat: wire::CodeResponse =
            serde_json::from_str(r#"{"access_token":"IGQVJ-x","user_id":17841405793187218}"#)
                .unwrap();
        assert!(matches!(flat, wire::CodeResponse::Flat(t) if t.user_id == "17841405793187218"));
        let wrapped: wire::CodeResponse = serde_json::from_str(
            r#"{"data":[{"access_token":"IGAA-x","user_id":"1020","permissions":"instagram_business_basic"}]}"#,
        )
        .unwrap();
        assert!(
            matches!(wrapped, wire::CodeResponse::Wrapped { data } if data[0].user_id == "1020")
        );
    }
}
