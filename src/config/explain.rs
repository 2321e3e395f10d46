//! TOML and serde errors of a config file, retold in words: the key, the
//! value and the type wanted; a key in the wrong table with the table it
//! belongs in; an unknown key with the closest known one. The catalogue of
//! keys is the annotated `feedgen.example.toml`, which a test keeps equal to
//! the real defaults, so a new key is known here once it is documented there.

use super::EXAMPLE_CONFIG;
use crate::secret::Issuer;

/// One key of the annotated example: its table (`""` for the top level, the
/// tables of a `[[feed]]` as the shared ones), name and default as written.
pub(super) struct Known {
    pub(super) table: &'static str,
    pub(super) key: &'static str,
    default: &'static str,
}

pub(super) fn catalogue() -> Vec<Known> {
    let mut table = "";
    let mut known: Vec<Known> = Vec::new();
    for line in EXAMPLE_CONFIG.lines() {
        // Commented-out keys (`# token = ""`) and tables (`# [[feed]]`) count.
        let line = line.trim().trim_start_matches('#').trim();
        let header = line
            .strip_prefix("[[")
            .and_then(|l| l.strip_suffix("]]"))
            .or_else(|| line.strip_prefix('[').and_then(|l| l.strip_suffix(']')));
        if let Some(name) = header {
            table = name.strip_prefix("feed.").unwrap_or(name);
            continue;
        }
        let Some((key, default)) = line.split_once(" = ") else {
            continue;
        };
        let is_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if is_key && !known.iter().any(|k| k.table == table && k.key == key) {
            known.push(Known {
                table,
                key,
                default: default.trim(),
            });
        }
    }
    known
}

/// The table a line of `text` belongs to: the last `[table]` or `[[table]]`
/// header before byte `at`, as written (`feed.source`).
fn table_at(text: &str, at: usize) -> &str {
    text[..at]
        .lines()
        .rev()
        .map(str::trim)
        .find_map(|l| {
            l.strip_prefix("[[")
                .and_then(|l| l.split_once("]]"))
                .or_else(|| l.strip_prefix('[').and_then(|l| l.split_once(']')))
                .map(|(name, _)| name.trim())
        })
        .unwrap_or("")
}

/// The shared table a `[[feed]]`'s own table stands for (`feed.source` →
/// `source`), as the catalogue names it.
fn base(table: &str) -> &str {
    table.strip_prefix("feed.").unwrap_or(table)
}

/// The line of `text` holding byte `at`, and where that line starts.
fn line_at(text: &str, at: usize) -> (&str, usize) {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    (&text[start..end], start)
}

fn dotted(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    }
}

fn shown_table(table: &str) -> String {
    if table.is_empty() {
        "the top level".into()
    } else {
        format!("[{table}]")
    }
}

/// What a type named by serde is, in words.
fn wanted(expected: &str) -> Option<&'static str> {
    Some(match expected {
        "usize" | "u8" | "u16" | "u32" | "u64" | "i32" | "i64" => "a whole number",
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a sequence" => "a list in square brackets",
        "a string" | "literal string" => "text in quotes",
        _ => return None,
    })
}

/// A value as serde names it (`string "12"`, `integer `320``), in words.
fn given(value: &str) -> String {
    if let Some(s) = value.strip_prefix("string ") {
        format!("the text {s}")
    } else if let Some(n) = value.strip_prefix("integer ") {
        format!("the number {}", n.trim_matches('`'))
    } else if let Some(b) = value.strip_prefix("boolean ") {
        b.trim_matches('`').to_string()
    } else if value == "sequence" {
        "a list".into()
    } else {
        value.to_string()
    }
}

/// The words for toml's `message` about `span` of `text`; `None` when it is
/// none of the cases retold here (toml's own words are then kept).
fn retell(text: &str, message: &str, span: std::ops::Range<usize>) -> Option<String> {
    let known = catalogue();
    let table = table_at(text, span.start);
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, rest) = rest.split_once('`')?;
        let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        return Some(unknown_key(&known, table, key, &expected));
    }
    let (line, line_start) = line_at(text, span.start);
    let key = line[..span.start - line_start].split_once('=')?.0.trim();
    let full = dotted(table, key);
    let default = known
        .iter()
        .find(|k| k.table == base(table) && k.key == key)
        .map(|k| k.default);
    let like = default
        .filter(|d| !d.is_empty() && *d != "\"\"")
        .map(|d| format!(", like {d}"))
        .unwrap_or_default();
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (value, expected) = rest.split_once(", expected ")?;
        let kind = wanted(expected)?;
        let value = given(value);
        let hint = if value.starts_with("the text ") && kind != "text in quotes" {
            " (numbers, true and false take no quotes)"
        } else {
            ""
        };
        return Some(format!("`{full}` must be {kind}{like}, not {value}{hint}"));
    }
    // A bare word: toml says "must be quoted", or, for a word it takes for
    // the start of a number (`inf…`, `I…`), "invalid float".
    let bare = message.starts_with("string values must be quoted")
        || (message.starts_with("invalid float")
            && text.get(span.clone()).is_some_and(|w| {
                w.chars()
                    .any(|c| c.is_ascii_alphabetic() && !"eE".contains(c))
            }));
    if bare {
        let word = text.get(span.clone())?.trim();
        let kind = match default {
            Some("true" | "false") => "true or false".to_string(),
            Some(d) if d.parse::<f64>().is_ok() => format!("a number{like}"),
            Some(d) if d.starts_with('[') => format!("a list in square brackets{like}"),
            _ => format!("text in quotes, like \"{word}\""),
        };
        return Some(format!(
            "`{full} = {word}`: `{word}` is not a value; `{full}` must be {kind}"
        ));
    }
    None
}

fn unknown_key(known: &[Known], table: &str, key: &str, expected: &[&str]) -> String {
    let here = shown_table(table);
    if table == "feed" && known.iter().any(|k| k.table == key) {
        return format!(
            "[{key}] is shared by every feed, so a [[feed]] cannot have its own: write it once as a top-level [{key}] table"
        );
    }
    // Inside a [[feed]], the right table is the feed's own one.
    let prefix = if table == "feed" || table.starts_with("feed.") {
        "feed."
    } else {
        ""
    };
    let elsewhere: Vec<String> = known
        .iter()
        .filter(|k| k.key == key && k.table != base(table) && !k.table.is_empty())
        .map(|k| shown_table(&format!("{prefix}{}", k.table)))
        .collect();
    if !elsewhere.is_empty() {
        let tables = elsewhere.join(" or ");
        return format!(
            "`{key}` is not a key of {here}: it belongs in the {tables} table (write it on a line after `{}`)",
            tables.split(" or ").next().unwrap_or_default()
        );
    }
    match crate::text::closest(key, expected.iter().copied()) {
        Some(k) => format!("unknown key `{key}` in {here}; did you mean `{k}`?"),
        None => format!(
            "unknown key `{key}` in {here}; its keys are {}",
            expected
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// toml's error for `text` with its last line (serde's words, "invalid type:
/// string \"12\", expected usize") retold when it is one of the known cases;
/// the line, column and snippet are kept.
pub(super) fn explain(text: &str, e: &toml::de::Error) -> String {
    let whole = e.to_string();
    let message = e.message().trim();
    match e.span().and_then(|span| retell(text, message, span)) {
        Some(words) => whole.replacen(message, &words, 1),
        None => whole,
    }
}

/// toml's errors quote the offending line: a mistake next to
/// `token = "IGAA…"` would print the token. Every string on a line that
/// mentions `token`, the whole value of such a line (a forgotten quote is
/// itself the mistake toml shows), and every word anywhere that looks like an
/// access token (`IGAA…`, `IGQV…`, `EAA…`: one pasted into a multi-line
/// string) is replaced in `message` by `[redacted]`.
pub(super) fn redact_token_values(text: &str, message: &str) -> String {
    let mut message = message.to_string();
    let mut redact = |value: &str| {
        if value.len() >= 8 {
            message = message.replace(value, crate::secret::REDACTED);
        }
    };
    for line in text.lines() {
        if line.contains("token") {
            for quote in ['"', '\''] {
                let parts: Vec<&str> = line.split(quote).collect();
                // Odd parts are inside quotes (the closing one may be missing).
                for value in parts.iter().skip(1).step_by(2) {
                    redact(value);
                }
            }
            if let Some((_, value)) = line.split_once('=') {
                let value = value.split(" #").next().unwrap_or(value);
                redact(value.trim().trim_matches(['"', '\'']));
            }
        }
        for word in line.split(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-') {
            if Issuer::of(word).is_some() && word.len() >= 20 {
                redact(word);
            }
        }
    }
    message
}

/// The line (1-based) of `text` that sets `key` (`output.caption_length`,
/// `output.text.posts`): in the `[[feed]]` named `feed` first (its
/// `[feed.output]`), else at the top level; `None` when the file does not
/// set it there (a default, a derived value, an inline table).
pub(super) fn line_of(text: &str, key: &str, feed: Option<&str>) -> Option<usize> {
    let (table, name) = key.rsplit_once('.')?;
    let own_table = format!("feed.{table}");
    let mut current = String::new();
    let mut feed_name: Option<String> = None;
    let (mut top, mut own) = (None, None);
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix("[[").and_then(|l| l.split("]]").next()) {
            current = header.trim().to_string();
            feed_name = None;
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            current = header.trim().to_string();
            continue;
        }
        let Some((k, value)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim().trim_matches(['"', '\'']);
        if current == "feed" && k == "name" {
            let value = value.split(" #").next().unwrap_or(value);
            feed_name = Some(value.trim().trim_matches(['"', '\'']).to_string());
        }
        if k != name {
            continue;
        }
        if current == table {
            top = top.or(Some(i + 1));
        } else if current == own_table && feed.is_some() && feed_name.as_deref() == feed {
            own = own.or(Some(i + 1));
        }
    }
    own.or(top)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> String {
        let e = toml::from_str::<super::super::FileLayer>(text).unwrap_err();
        let told = explain(text, &e);
        told.lines().last().unwrap().to_string()
    }

    #[test]
    fn the_catalogue_knows_every_table() {
        let known = catalogue();
        for (table, key) in [
            ("source", "max_posts"),
            ("source", "token"),
            ("output", "dir"),
            ("token", "file"),
            ("feed", "name"),
            ("http", "retries"),
        ] {
            assert!(
                known.iter().any(|k| k.table == table && k.key == key),
                "{table}.{key}"
            );
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_in_words() {
        assert_eq!(
            said("[source]\nmax_posts = \"12\"\n"),
            "`source.max_posts` must be a whole number, like 24, not the text \"12\" (numbers, true and false take no quotes)"
        );
        assert_eq!(
            said("[source]\ncounts = \"yes\"\n"),
            "`source.counts` must be true or false, like false, not the text \"yes\" (numbers, true and false take no quotes)"
        );
        assert_eq!(
            said("[images]\nwidths = 320\n"),
            "`images.widths` must be a list in square brackets, like [320, 640, 1080], not the number 320"
        );
        assert_eq!(
            said("[source]\ncounts = yes\n"),
            "`source.counts = yes`: `yes` is not a value; `source.counts` must be true or false"
        );
        assert_eq!(
            said("[output]\ndir = Infeed\n"),
            "`output.dir = Infeed`: `Infeed` is not a value; `output.dir` must be text in quotes, like \"Infeed\""
        );
        assert_eq!(
            said("[output]\nlayout = masonry\n"),
            "`output.layout = masonry`: `masonry` is not a value; `output.layout` must be text in quotes, like \"masonry\""
        );
    }

    #[test]
    fn a_key_in_the_wrong_table_names_the_right_one() {
        assert_eq!(
            said("max_posts = 12\n"),
            "`max_posts` is not a key of the top level: it belongs in the [source] table (write it on a line after `[source]`)"
        );
        assert_eq!(
            said("[output]\nmax_posts = 12\n"),
            "`max_posts` is not a key of [output]: it belongs in the [source] table (write it on a line after `[source]`)"
        );
    }

    #[test]
    fn an_unknown_key_gets_the_closest_known_one() {
        assert_eq!(
            said("[source]\nmax_post = 12\n"),
            "unknown key `max_post` in [source]; did you mean `max_posts`?"
        );
        assert_eq!(
            said("[outptu]\ndir = \"x\"\n"),
            "unknown key `outptu` in the top level; did you mean `output`?"
        );
        assert_eq!(
            said("[[feed]]\nname = \"a\"\n[feed.source]\nmax_post = 3\n"),
            "unknown key `max_post` in [feed.source]; did you mean `max_posts`?"
        );
        assert_eq!(
            said("[[feed]]\nname = \"a\"\nmax_posts = 3\n"),
            "`max_posts` is not a key of [feed]: it belongs in the [feed.source] table (write it on a line after `[feed.source]`)"
        );
        assert_eq!(
            said("[[feed]]\nname = \"a\"\n[feed.http]\ntimeout = 3\n"),
            "[http] is shared by every feed, so a [[feed]] cannot have its own: write it once as a top-level [http] table"
        );
        let far = said("[http]\nzebra = 1\n");
        assert!(
            far.starts_with("unknown key `zebra` in [http]; its keys are `timeout`"),
            "{far}"
        );
    }
}
