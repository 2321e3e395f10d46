//! The access token as a type that cannot leak by accident.
//!
//! Debug and Display print `[redacted]`; the only way to the string is
//! [`Token::expose`], which is called where the token goes on the wire.
//! [`Token::scrub`] removes the token from any text before it is shown
//! (server messages, URLs), as a second line of defence.

use std::fmt;

/// A long-lived Instagram (or Facebook) access token.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

/// What the token is replaced with wherever it would otherwise be shown.
pub const REDACTED: &str = "[redacted]";

impl Token {
    /// Wraps a token string, trimming the whitespace that copy-paste adds.
    pub fn new(raw: impl Into<String>) -> Self {
        Token(raw.into().trim().to_string())
    }

    /// The token itself: only for building requests.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty after trimming.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces every occurrence of the token in `text` with [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        // Tokens shorter than this could match ordinary text; real ones are ~150+ chars.
        if self.0.len() < 8 {
            return text.to_string();
        }
        text.replace(&self.0, REDACTED)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(")?;
        f.write_str(REDACTED)?;
        f.write_str(")")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Removes the query string (which may carry `access_token`) from a URL
/// before it is shown anywhere.
pub fn url_for_display(url: &url::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let t = Token::new("  IGAAsecret-token-value\n");
        assert_eq!(format!("{t:?}"), "Token([redacted])");
        assert_eq!(format!("{t}"), "[redacted]");
        assert_eq!(t.expose(), "IGAAsecret-token-value");
    }

    #[test]
    fn scrub_removes_every_occurrence() {
        let t = Token::new("IGAAsecret-token-value");
        let text = "x?access_token=IGAAsecret-token-value&y=IGAAsecret-token-value";
        assert_eq!(t.scrub(text), "x?access_token=[redacted]&y=[redacted]");
    }

    #[test]
    fn url_for_display_drops_query() {
        let u =
            url::Url::parse("https://graph.instagram.com/me/media?access_token=abc&x=1").unwrap();
        assert_eq!(url_for_display(&u), "https://graph.instagram.com/me/media");
    }
}
