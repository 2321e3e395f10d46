//! Rules for single values that land in output or requests: language tags,
//! CSS selectors, URL paths and file names. Each refuses what could break
//! out of the place the value is written to, and says what to write instead.

use crate::error::ConfigError;

/// `output.base_url` is written into every URL of the output, and the
/// Eleventy plugin copies the output folder to its path: an https URL, or a
/// path (root-relative or relative) without `..` segments, backslashes,
/// quotes, spaces or control characters.
pub(super) fn check_base_url(value: &str) -> Result<(), ConfigError> {
    let refuse = |why: &str| {
        Err(ConfigError::invalid(
            "output.base_url",
            &format!(
                "{} {why}; give the path your site serves the output folder at, e.g. \"/feed/\", or an https:// URL",
                crate::secret::printable(&format!("{value:?}"))
            ),
        ))
    };
    let path = if let Some(rest) = value.strip_prefix("https://") {
        match url::Url::parse(value) {
            Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => {
                // `Url` resolves dot segments: look at what was written.
                rest.split_once('/').map_or("", |(_, p)| p)
            }
            _ => return refuse("is not a valid https URL"),
        }
    } else if value.starts_with("//")
        || value
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|first| first.contains(':'))
    {
        return refuse("is neither an https URL nor a path on this site");
    } else {
        value
    };
    if path.chars().any(|c| {
        c.is_control() || c.is_whitespace() || matches!(c, '\\' | '"' | '\'' | '<' | '>' | '`')
    }) {
        return refuse("holds a backslash, a quote, a space or a control character");
    }
    let dots = |segment: &str| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == ".." || decoded == "."
    };
    if path.split(['/', '?', '#']).any(dots) {
        return refuse("holds a `.` or `..` segment");
    }
    Ok(())
}

/// A language tag as HTML's `lang` takes it (BCP 47): a 2-3 letter language,
/// then subtags of 1-8 letters or digits, joined by `-` (`de`, `pt-BR`,
/// `zh-Hant-TW`). It lands in attributes, so nothing else is accepted.
pub fn check_lang(tag: &str) -> Result<String, ConfigError> {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if first_ok && rest_ok {
        Ok(tag.to_string())
    } else {
        Err(ConfigError::invalid(
            "output.lang",
            &format!(
                "`{}` is not a language tag: write a BCP 47 tag such as \"de\", \"pt-BR\" or \"ar\"",
                crate::secret::printable(tag)
            ),
        ))
    }
}

/// Longest site selector accepted.
const MAX_SELECTOR_CHARS: usize = 200;

/// A selector of the site's colour mode, as it may be written into the
/// stylesheet: one selector list, nothing that could end the rule or start
/// another (`{`, `}`, `;`, `@`, `<`, a backslash or a comment), brackets,
/// parentheses and quotes balanced.
pub fn check_selector(key: &str, sel: &str) -> Result<String, ConfigError> {
    let sel = sel.trim();
    let bad = |why: &str| {
        ConfigError::invalid(
            key,
            &format!(
                "`{}` is not a selector feedgen can use: {why}. Write the selector of the element your site's toggle marks, e.g. \".dark\" or \"[data-theme=\\\"dark\\\"]\"",
                crate::secret::printable(sel)
            ),
        )
    };
    if sel.is_empty() {
        return Err(bad("it is empty"));
    }
    if sel.chars().count() > MAX_SELECTOR_CHARS {
        return Err(bad(&format!(
            "it is longer than {MAX_SELECTOR_CHARS} characters"
        )));
    }
    if let Some(c) = sel
        .chars()
        .find(|c| matches!(c, '{' | '}' | ';' | '@' | '<' | '\\') || c.is_control())
    {
        return Err(bad(&format!(
            "it holds {c:?}, which would break out of the rule"
        )));
    }
    if sel.contains("/*") {
        return Err(bad("it opens a comment"));
    }
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    for c in sel.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => stack.push(c),
            (None, ']') if stack.pop() != Some('[') => {
                return Err(bad("its brackets do not match"));
            }
            (None, ')') if stack.pop() != Some('(') => {
                return Err(bad("its parentheses do not match"));
            }
            _ => {}
        }
    }
    if quote.is_some() || !stack.is_empty() {
        return Err(bad("a quote, bracket or parenthesis is not closed"));
    }
    Ok(sel.to_string())
}

pub(super) fn validate_file_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.contains(['/', '\\'])
        || name == "."
        || name == ".."
        || name == "media"
    {
        return Err(format!(
            "`{name}` must be a plain file name inside the output folder (no slashes, not `media`)"
        ));
    }
    Ok(())
}
