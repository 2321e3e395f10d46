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

    /// Why this cannot be an access token, if it cannot: Meta's are a few
    /// hundred printable ASCII characters with no spaces, so a file or answer
    /// holding anything else (several lines, JSON, a binary) is refused
    /// rather than sent or stored. Never shows the value.
    pub fn shape_problem(&self) -> Option<&'static str> {
        if self.0.is_empty() {
            Some("it is empty")
        } else if self.0.len() > 4096 {
            Some("it is longer than 4,096 characters")
        } else if !self.0.bytes().all(|b| b.is_ascii_graphic()) {
            Some("it holds spaces, line breaks, control or non-ASCII characters")
        } else {
            None
        }
    }

    /// Whether `bytes` hold the token (tokens too short to be real never match).
    pub fn is_in(&self, bytes: &[u8]) -> bool {
        let t = self.0.as_bytes();
        t.len() >= 8 && bytes.windows(t.len()).any(|w| w == t)
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

/// Who issued an access token, as its prefix tells: the one place these
/// prefixes are known (pre-flight token checks, API error reading, and the
/// scrubbing of config errors all ask here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuer {
    /// Instagram Login (`IGAA…`, and other `IGQ…` tokens).
    InstagramLogin,
    /// The Basic Display API, retired on 2024-12-04 (`IGQV…`, `IGQW…`).
    BasicDisplay,
    /// Facebook Login (`EAA…`): a user or Page token.
    FacebookLogin,
}

impl Issuer {
    /// The issuer of a token-looking text, if its prefix names one; the
    /// longer prefixes are tried first.
    pub fn of(text: &str) -> Option<Issuer> {
        const PREFIXES: [(&str, Issuer); 5] = [
            ("IGQV", Issuer::BasicDisplay),
            ("IGQW", Issuer::BasicDisplay),
            ("IGAA", Issuer::InstagramLogin),
            ("IGQ", Issuer::InstagramLogin),
            ("EAA", Issuer::FacebookLogin),
        ];
        PREFIXES
            .iter()
            .find(|(prefix, _)| text.starts_with(prefix))
            .map(|(_, issuer)| *issuer)
    }

    /// Whether the token came from Instagram Login, the retired API included.
    pub fn is_instagram(self) -> bool {
        matches!(self, Issuer::InstagramLogin | Issuer::BasicDisplay)
    }
}

impl Token {
    /// Who issued this token, as its prefix tells.
    pub fn issuer(&self) -> Option<Issuer> {
        Issuer::of(&self.0)
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

/// Longest piece of server text shown in one message, in characters.
pub const MAX_SHOWN_CHARS: usize = 300;

/// Text from a server made safe to print: control characters (newlines that
/// would forge a GitHub Actions `::error` line, ANSI escapes, carriage
/// returns) and bidirectional overrides are shown escaped (`\u{1b}`), and
/// anything past [`MAX_SHOWN_CHARS`] is cut with `…`. Apply it to every value
/// from the API, the CDN or a cache that reaches a message.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let risky =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    let long = text.len() > MAX_SHOWN_CHARS && text.chars().nth(MAX_SHOWN_CHARS).is_some();
    if !long && !text.contains(risky) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(MAX_SHOWN_CHARS * 2));
    for c in text.chars().take(MAX_SHOWN_CHARS) {
        if risky(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    if long {
        out.push('…');
    }
    std::borrow::Cow::Owned(out)
}

/// Removes the query string (which may carry `access_token`) and any
/// `user:password@` from a URL before it is shown anywhere, and cuts a very
/// long one.
pub fn url_for_display(url: &url::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    // Fails only for URLs that cannot carry credentials at all.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    printable(shown.as_str()).into_owned()
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_prefix_names_the_issuer() {
        use super::Issuer::*;
        for (token, issuer) in [
            ("IGAAabc", Some(InstagramLogin)),
            ("IGQVJabc", Some(BasicDisplay)),
            ("IGQWRabc", Some(BasicDisplay)),
            ("IGQxabc", Some(InstagramLogin)),
            ("EAAGabc", Some(FacebookLogin)),
            ("abc.def", None),
            ("", None),
        ] {
            assert_eq!(super::Issuer::of(token), issuer, "{token}");
        }
    }
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
    fn printable_escapes_what_forges_log_lines_and_cuts_long_text() {
        assert_eq!(printable("jane_doe"), "jane_doe");
        let forged = printable("x\n::error file=a::owned\r\u{1b}[31m\u{202e}");
        assert!(
            !forged.contains(['\n', '\r', '\u{1b}', '\u{202e}']),
            "{forged}"
        );
        assert!(forged.contains("\\u{a}::error"), "{forged}");
        let text = "é".repeat(1000);
        let long = printable(&text);
        assert_eq!(long.chars().count(), MAX_SHOWN_CHARS + 1);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn url_for_display_drops_query() {
        let u =
            url::Url::parse("https://graph.instagram.com/me/media?access_token=abc&x=1").unwrap();
        assert_eq!(url_for_display(&u), "https://graph.instagram.com/me/media");
        let u = url::Url::parse("https://me:hunter2@graph.example/v1").unwrap();
        assert_eq!(url_for_display(&u), "https://graph.example/v1");
        let u = url::Url::parse(&format!("https://cdn.example/{}", "a".repeat(5000))).unwrap();
        assert!(url_for_display(&u).chars().count() <= MAX_SHOWN_CHARS + 1);
    }
}
