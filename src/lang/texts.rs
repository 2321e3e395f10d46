//! The words: the catalogues of `locales/` (embedded at build time), the
//! site's own texts (`[output.text]`) and their checks.

use std::collections::BTreeMap;

use icu_plurals::{PluralCategory, PluralRules};
use serde::Deserialize;

use crate::lang::{Key, Text, category_name};

include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));

/// Longest text accepted in `[output.text]`, in characters.
const MAX_TEXT_CHARS: usize = 300;

/// The `{name}` placeholders of `s`, or why its braces do not parse.
pub(super) fn placeholders_of(s: &str) -> Result<Vec<&str>, String> {
    let mut found = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("has a `}` without its `{`".into());
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| "has a `{` without its `}`".to_string())?;
        found.push(&after[..close]);
        rest = &after[close + 1..];
    }
    Ok(found)
}

/// Checks one `[output.text]` entry; the error says what to write instead.
pub fn check_text(key: &str, text: &Text) -> Result<(), String> {
    let Some(k) = Key::named(key) else {
        let known: Vec<&str> = Key::ALL.iter().map(|k| k.name()).collect();
        return Err(match crate::text::closest(key, known.iter().copied()) {
            Some(n) => format!("is not a text of feedgen's; did you mean `{n}`?"),
            None => format!(
                "is not a text of feedgen's; the texts are {}",
                known.join(", ")
            ),
        });
    };
    let forms: Vec<(&str, &str)> = match text {
        Text::Plain(s) => vec![("", s.as_str())],
        Text::Plural(_) if !k.counted() => {
            return Err("has no count, so it takes one string, not plural forms".to_string());
        }
        Text::Plural(map) => {
            if !map.contains_key("other") {
                return Err(
                    "needs an `other` form: the words for any number no other form covers".into(),
                );
            }
            if let Some(bad) = map
                .keys()
                .find(|c| PluralCategory::get_for_cldr_string(c).is_none())
            {
                return Err(format!(
                    "has a form `{}`; plural forms are zero, one, two, few, many and other",
                    crate::secret::printable(bad)
                ));
            }
            map.iter().map(|(c, s)| (c.as_str(), s.as_str())).collect()
        }
    };
    for (form, s) in forms {
        let form = if form.is_empty() {
            String::new()
        } else {
            format!(" (form `{form}`)")
        };
        if s.chars().count() > MAX_TEXT_CHARS || s.chars().any(char::is_control) {
            return Err(
                format!("{form} must be one line of at most {MAX_TEXT_CHARS} characters")
                    .trim_start()
                    .to_string(),
            );
        }
        for p in placeholders_of(s).map_err(|why| format!("{why}{form}"))? {
            if !k.placeholders().contains(&p) {
                let allowed = match k.placeholders() {
                    [] => "takes no placeholders".to_string(),
                    ps => format!(
                        "may use {}",
                        ps.iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                return Err(format!(
                    "uses {{{}}}{form}, but it {allowed}",
                    crate::secret::printable(p)
                ));
            }
        }
    }
    Ok(())
}

/// A catalogue file of `locales/`.
#[derive(Debug, Deserialize)]
pub(super) struct Catalogue {
    /// `ltr` or `rtl`.
    pub(super) direction: Option<String>,
    #[serde(flatten)]
    pub(super) texts: BTreeMap<String, Text>,
}

pub(super) fn catalogue(tag: &str) -> Option<(&'static str, &'static str)> {
    CATALOGUES
        .iter()
        .copied()
        .find(|(t, _)| t.eq_ignore_ascii_case(tag))
}

/// The catalogue for `tag`: its own, else that of a shorter tag (`pt-BR` →
/// `pt`), as (tag, text).
pub(super) fn closest_catalogue(tag: &str) -> Option<(&'static str, &'static str)> {
    let mut tag = tag;
    loop {
        if let Some(found) = catalogue(tag) {
            return Some(found);
        }
        tag = &tag[..tag.rfind('-')?];
    }
}

pub(super) fn parse_catalogue(text: &str) -> Result<Catalogue, String> {
    toml::from_str(text).map_err(|e| e.message().to_string())
}

/// The catalogue of the language `wanted` (or its closest: `pt` for
/// `pt-BR`), with its name; or why English is used instead.
pub(super) fn own_catalogue(wanted: &str) -> (Option<(&'static str, Catalogue)>, Option<String>) {
    match closest_catalogue(wanted) {
        Some((found, text)) => match parse_catalogue(text) {
            Ok(c) => (Some((found, c)), None),
            Err(why) => (
                None,
                Some(format!(
                    "locales/{found}.toml does not parse ({why}); English is used"
                )),
            ),
        },
        None => (
            None,
            Some(format!(
                "feedgen has no texts in \"{wanted}\" yet; English is used. Write them in [output.text], or add locales/{wanted}.toml (see locales/en.toml)"
            )),
        ),
    }
}

/// Every text by key: the site's own (`[output.text]`), else the language's
/// catalogue (`own`, with its name), else English; with a warning for each
/// text the language's catalogue lacks.
pub(super) fn chosen_texts(
    overrides: &BTreeMap<String, Text>,
    own: Option<&(&str, Catalogue)>,
    english: &Catalogue,
) -> (BTreeMap<Key, Text>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut texts = BTreeMap::new();
    for key in Key::ALL {
        let name = key.name();
        let text = if let Some(t) = overrides.get(name) {
            t.clone()
        } else if let Some(t) = own.and_then(|(_, c)| c.texts.get(name)) {
            t.clone()
        } else {
            if let Some((found, _)) = own {
                warnings.push(format!(
                    "locales/{found}.toml has no `{name}`; it is written in English. Set output.text.{name}, or add it to the file"
                ));
            }
            english
                .texts
                .get(name)
                .cloned()
                .unwrap_or_else(|| Text::Plain(name.to_string()))
        };
        texts.insert(key, text);
    }
    (texts, warnings)
}

/// A warning for each of the site's plural texts that lacks a form the
/// language `wanted` uses.
pub(super) fn missing_plural_forms(
    overrides: &BTreeMap<String, Text>,
    plurals: &PluralRules,
    wanted: &str,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for (name, text) in overrides {
        if let Text::Plural(forms) = text {
            let missing: Vec<&str> = plurals
                .categories()
                .map(category_name)
                .filter(|c| !forms.contains_key(*c))
                .collect();
            if !missing.is_empty() {
                warnings.push(format!(
                    "output.text.{name} has no {} form, which {wanted} uses; `other` is written instead",
                    missing.join(", ")
                ));
            }
        }
    }
    warnings
}
