//! Text rules shared by the stages: cutting at a grapheme boundary,
//! splitting a caption into text, #hashtags and @mentions (the filter selects
//! by hashtag, the renderer links them), and feedgen's one HTML escaper (the
//! templates reach it through [`crate::render::SsgSafeHtml`]), and the
//! nearest word for "did you mean".

use unicode_segmentation::UnicodeSegmentation;

/// A run of caption text, linked when it is a hashtag or a mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The text as shown (with its `#` or `@`).
    pub text: String,
    /// Where it links to, on instagram.com.
    pub href: Option<String>,
}

/// How much [`write_escaped`] encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// `& < > "`: text and attribute values of HTML a feed reader shows.
    Html,
    /// Also `' { } %`: HTML pasted into a site's sources, where a caption's
    /// `{{ … }}` or `{% … %}` would otherwise run as Hugo, Jekyll, Eleventy,
    /// Zola or Astro template syntax.
    Inert,
}

/// Which way a text runs, by its first strong character (Unicode's bidi
/// classes): `Some(true)` right to left (Hebrew, Arabic), `Some(false)` left
/// to right, `None` without letters. What `dir="auto"` decides in a browser,
/// for attributes such as alt text, which `dir="auto"` does not reach.
pub fn runs_right_to_left(text: &str) -> Option<bool> {
    use icu_properties::{CodePointMapData, props::BidiClass};
    let classes = CodePointMapData::<BidiClass>::new();
    text.chars().find_map(|c| match classes.get(c) {
        BidiClass::LeftToRight => Some(false),
        BidiClass::RightToLeft | BidiClass::ArabicLetter => Some(true),
        _ => None,
    })
}

/// The candidate most like `word` (a misspelt key), when one is close enough
/// to suggest: "did you mean …?".
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Writes `text` with HTML's special characters (and, for [`Escape::Inert`],
/// template syntax) as character references.
pub fn write_escaped<W: std::fmt::Write>(mut dest: W, text: &str, how: Escape) -> std::fmt::Result {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let rep = match (b, how) {
            (b'<', _) => "&lt;",
            (b'>', _) => "&gt;",
            (b'&', _) => "&amp;",
            (b'"', _) => "&quot;",
            (b'\'', Escape::Inert) => "&#39;",
            (b'{', Escape::Inert) => "&#123;",
            (b'}', Escape::Inert) => "&#125;",
            (b'%', Escape::Inert) => "&#37;",
            _ => continue,
        };
        dest.write_str(&text[last..i])?;
        dest.write_str(rep)?;
        last = i + 1;
    }
    dest.write_str(&text[last..])
}

/// [`write_escaped`] into a new string.
pub fn escaped(text: &str, how: Escape) -> String {
    let mut out = String::with_capacity(text.len());
    write_escaped(&mut out, text, how).expect("writing to a String cannot fail");
    out
}

/// Cuts `text` to at most `max` user-perceived characters, never inside one
/// (an emoji with modifiers or a flag stays whole), preferring a word boundary.
pub fn truncate(text: &str, max: usize) -> String {
    let text = text.trim();
    let graphemes: Vec<&str> = text.graphemes(true).collect();
    if graphemes.len() <= max {
        return text.to_string();
    }
    let mut cut = graphemes[..max.saturating_sub(1)].concat();
    if let Some(space) = cut
        .rfind(char::is_whitespace)
        .filter(|&i| i > cut.len() / 2)
    {
        cut.truncate(space);
    }
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// `text` on one line: every run of whitespace becomes one space, none at the
/// ends. For attributes (alt text) and one-line summaries.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_mention_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Splits a caption into parts; with `links`, hashtags and mentions get an href.
pub fn parts(text: &str, links: bool) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    let mut plain = String::new();
    let mut chars = text.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        let starts_word = prev.is_none_or(|p| !is_tag_char(p) && p != '.' && p != '@' && p != '#');
        if links && (c == '#' || c == '@') && starts_word {
            let rest = &text[i + 1..];
            let len: usize = if c == '#' {
                rest.chars()
                    .take_while(|&ch| is_tag_char(ch))
                    .map(char::len_utf8)
                    .sum()
            } else {
                // Usernames: letters, digits, _ and ., at most 30, not ending in '.'.
                let raw: usize = rest
                    .chars()
                    .take_while(|&ch| is_mention_char(ch))
                    .take(30)
                    .map(char::len_utf8)
                    .sum();
                rest[..raw].trim_end_matches('.').len()
            };
            if len > 0 {
                let word = &rest[..len];
                if !plain.is_empty() {
                    out.push(Part {
                        text: std::mem::take(&mut plain),
                        href: None,
                    });
                }
                let href = if c == '#' {
                    let mut u = url::Url::parse("https://www.instagram.com/explore/tags/")
                        .expect("static URL");
                    u.path_segments_mut()
                        .expect("http URL")
                        .pop_if_empty()
                        .push(&word.to_lowercase())
                        .push("");
                    u.to_string()
                } else {
                    format!("https://www.instagram.com/{word}/")
                };
                out.push(Part {
                    text: format!("{c}{word}"),
                    href: Some(href),
                });
                for _ in 0..word.chars().count() {
                    prev = chars.next().map(|(_, ch)| ch);
                }
                continue;
            }
        }
        plain.push(c);
        prev = Some(c);
    }
    if !plain.is_empty() {
        out.push(Part {
            text: plain,
            href: None,
        });
    }
    out
}

/// The hashtags of a caption, lowercase and without `#`, as Instagram links them.
pub fn hashtags(text: &str) -> Vec<String> {
    parts(text, true)
        .into_iter()
        .filter_map(|p| p.text.strip_prefix('#').map(str::to_lowercase))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_splits_a_grapheme() {
        let family = "👨‍👩‍👧‍👦";
        let text = format!("ab {family}{family}{family} cd");
        let cut = truncate(&text, 5);
        assert!(cut.ends_with('…'), "{cut}");
        for g in cut.graphemes(true) {
            assert!(
                g == "…" || text.contains(g),
                "{g:?} is not a whole grapheme of the input"
            );
        }
        assert_eq!(truncate("short", 10), "short");
    }

    #[test]
    fn hashtags_and_mentions_become_links() {
        let p = parts("Sunset #Golden_Hour with @some.one. Mail a@b.c #", true);
        let linked: Vec<_> = p.iter().filter_map(|x| x.href.as_deref()).collect();
        assert_eq!(
            linked,
            [
                "https://www.instagram.com/explore/tags/golden_hour/",
                "https://www.instagram.com/some.one/"
            ]
        );
        let text: String = p.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(text, "Sunset #Golden_Hour with @some.one. Mail a@b.c #");
        assert!(parts("#tag", false).iter().all(|x| x.href.is_none()));
        assert_eq!(
            hashtags("Sunset #Golden_Hour, #ÉTÉ and a#b #"),
            ["golden_hour", "été"]
        );
    }
}
