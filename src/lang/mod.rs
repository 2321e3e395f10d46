//! The feed's language (`output.lang`): its words, plural rules, numbers and dates.
//!
//! Words come from one catalogue per language in `locales/` (embedded at build
//! time, so a contributor adds a language by adding a file), overridden by the
//! config's `[output.text]`. Plural rules, number formats and date styles are
//! CLDR's, through ICU4X, so "1 Like / 2 Likes", Arabic's six plural forms,
//! "4.512" and "30. November 2026" need no code of ours per language.
//! Anything missing falls back to English with a warning, never to a blank.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Utc};
use icu_calendar::{Date, Iso};
use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_decimal::DecimalFormatter;
use icu_locale_core::Locale;
use icu_plurals::{PluralCategory, PluralRuleType, PluralRules};
use serde::Deserialize;

mod texts;

pub use texts::{CATALOGUES, check_text};
use texts::{catalogue, chosen_texts, missing_plural_forms, own_catalogue, parse_catalogue};

/// The language whose catalogue every other one follows, and the fallback.
pub const FALLBACK: &str = "en";

/// One text of the fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// Alt text of a photo without alt text or caption.
    PhotoBy,
    /// Alt text of a video without alt text or caption.
    VideoBy,
    /// The viewer dialog's name; the feed title of a post without caption.
    PostBy,
    /// Alt text of an album's later images.
    ImageOf,
    /// The viewer's link to the post.
    ViewOnInstagram,
    /// The name of the viewer's row of images.
    Images,
    /// The viewer's close button.
    Close,
    /// The viewer's previous-image button.
    PreviousImage,
    /// The viewer's next-image button.
    NextImage,
    /// The feed's accessible name and page title, unless `output.label` is set.
    Label,
    /// The standalone page's meta description, unless `output.description` is set.
    Description,
    /// The button of a link card that loads Meta's own embed (`embed.click_to_load`).
    LoadEmbed,
    /// What that button's click sends to Meta.
    LoadEmbedNote,
    /// A relative date of the build's day.
    Today,
    /// A relative date of the day before.
    Yesterday,
    /// Likes under a post.
    Likes,
    /// Comments under a post.
    Comments,
    /// Posts of the account, in the header.
    Posts,
    /// Followers of the account, in the header.
    Followers,
    /// The button that shows the posts after `output.initial`.
    ShowMore,
    /// A relative date in days.
    DaysAgo,
    /// A relative date in weeks.
    WeeksAgo,
    /// A relative date in months.
    MonthsAgo,
    /// A relative date in years.
    YearsAgo,
}

impl Key {
    /// Every key, in catalogue order.
    pub const ALL: [Key; 24] = [
        Key::PhotoBy,
        Key::VideoBy,
        Key::PostBy,
        Key::ImageOf,
        Key::ViewOnInstagram,
        Key::Images,
        Key::Close,
        Key::PreviousImage,
        Key::NextImage,
        Key::Label,
        Key::Description,
        Key::LoadEmbed,
        Key::LoadEmbedNote,
        Key::Today,
        Key::Yesterday,
        Key::Likes,
        Key::Comments,
        Key::Posts,
        Key::Followers,
        Key::ShowMore,
        Key::DaysAgo,
        Key::WeeksAgo,
        Key::MonthsAgo,
        Key::YearsAgo,
    ];

    /// The key's name in catalogues and `[output.text]`.
    pub fn name(self) -> &'static str {
        match self {
            Key::PhotoBy => "photo_by",
            Key::VideoBy => "video_by",
            Key::PostBy => "post_by",
            Key::ImageOf => "image_of",
            Key::ViewOnInstagram => "view_on_instagram",
            Key::Images => "images",
            Key::Close => "close",
            Key::PreviousImage => "previous_image",
            Key::NextImage => "next_image",
            Key::Label => "label",
            Key::Description => "description",
            Key::LoadEmbed => "load_embed",
            Key::LoadEmbedNote => "load_embed_note",
            Key::Today => "today",
            Key::Yesterday => "yesterday",
            Key::Likes => "likes",
            Key::Comments => "comments",
            Key::Posts => "posts",
            Key::Followers => "followers",
            Key::ShowMore => "show_more",
            Key::DaysAgo => "days_ago",
            Key::WeeksAgo => "weeks_ago",
            Key::MonthsAgo => "months_ago",
            Key::YearsAgo => "years_ago",
        }
    }

    /// The placeholders the text may use.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            Key::PhotoBy | Key::VideoBy | Key::PostBy => &["user", "date"],
            Key::ImageOf => &["alt", "i", "n"],
            Key::Description => &["user"],
            k if k.counted() => &["n"],
            _ => &[],
        }
    }

    /// Whether the text goes with a count, and so has plural forms.
    pub fn counted(self) -> bool {
        self >= Key::Likes
    }

    /// The key named `name`.
    pub fn named(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A text as a catalogue or `[output.text]` writes it: one string, or one per
/// plural category (`zero`, `one`, `two`, `few`, `many`, `other`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Text {
    /// The same words for every number.
    Plain(String),
    /// Words by plural category; `other` is required.
    Plural(BTreeMap<String, String>),
}

/// How dates under posts are written (`output.date_format`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DateFormat {
    /// "November 30, 2026", "30. November 2026".
    Long,
    /// "Nov 30, 2026", "30.11.2026" (the default).
    #[default]
    Medium,
    /// "11/30/26", "30.11.26".
    Short,
    /// "3 days ago", as of the build.
    Relative,
    /// "2026-11-30", in every language.
    Iso,
    /// A strftime pattern, as chrono reads it; month and day names in English.
    Pattern(String),
}

impl DateFormat {
    /// Reads `output.date_format`; the error says what is accepted.
    pub fn parse(value: &str) -> Result<DateFormat, String> {
        Ok(match value {
            "long" => DateFormat::Long,
            "medium" => DateFormat::Medium,
            "short" => DateFormat::Short,
            "relative" => DateFormat::Relative,
            "iso" => DateFormat::Iso,
            p if p.contains('%') => {
                if p.chars().count() > 100 || p.chars().any(char::is_control) {
                    return Err(
                        "a strftime pattern must be one line of at most 100 characters".into(),
                    );
                }
                let items = chrono::format::StrftimeItems::new(p);
                if items.clone().any(|i| i == chrono::format::Item::Error) {
                    return Err(format!(
                        "`{}` is not a strftime pattern chrono can write: check each `%` (`%%` for a percent sign)",
                        crate::secret::printable(p)
                    ));
                }
                // Posts have dates but no times worth showing.
                DateFormat::Pattern(p.to_string())
            }
            other => {
                return Err(format!(
                    "`{}` is not a date format: write \"long\", \"medium\", \"short\", \"relative\", \"iso\" or a strftime pattern such as \"%d.%m.%Y\"",
                    crate::secret::printable(other)
                ));
            }
        })
    }
}

/// Checks `output.time_zone`: an IANA name from the bundled database
/// (`Europe/Berlin`, `Asia/Tokyo`, `UTC`); the error suggests the nearest one.
pub fn check_time_zone(name: &str) -> Result<String, String> {
    if jiff::tz::TimeZone::get(name).is_ok() {
        return Ok(name.to_string());
    }
    let names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_string())
        .collect();
    let near = crate::text::closest(name, names.iter().map(String::as_str))
        .map(|n| format!(" (did you mean \"{n}\"?)"))
        .unwrap_or_default();
    Err(format!(
        "`{}` is not a time zone{near}: write an IANA name such as \"Europe/Berlin\", \"America/New_York\" or \"Asia/Tokyo\"",
        crate::secret::printable(name)
    ))
}

/// The CLDR name of a plural category.
fn category_name(c: PluralCategory) -> &'static str {
    match c {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

/// The feed's language, ready to write words, counts and dates.
pub struct Language {
    tag: String,
    rtl: bool,
    texts: BTreeMap<Key, Text>,
    plurals: PluralRules,
    numbers: DecimalFormatter,
    dates: DateFormat,
    styled: Option<DateTimeFormatter<YMD>>,
    absolute: DateTimeFormatter<YMD>,
    zone: jiff::tz::TimeZone,
    today: chrono::NaiveDate,
}

impl std::fmt::Debug for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Language")
            .field("tag", &self.tag)
            .field("dates", &self.dates)
            .finish_non_exhaustive()
    }
}

impl Language {
    /// The language of `tag` (English when `None`), with `overrides` from
    /// `[output.text]` (checked by [`check_text`]), dates as `dates`, on the
    /// calendar of `time_zone` (UTC when `None`), relative ones as of `now`.
    /// Also returns warnings: each text that falls back to English, and each
    /// plural form an override lacks.
    pub fn new(
        tag: Option<&str>,
        overrides: &BTreeMap<String, Text>,
        dates: &DateFormat,
        time_zone: Option<&str>,
        now: DateTime<Utc>,
    ) -> (Language, Vec<String>) {
        let mut warnings = Vec::new();
        let zone = match time_zone.map(jiff::tz::TimeZone::get) {
            None => jiff::tz::TimeZone::UTC,
            Some(Ok(zone)) => zone,
            Some(Err(_)) => {
                warnings.push(format!(
                    "output.time_zone \"{}\" is not known; dates are UTC",
                    crate::secret::printable(time_zone.unwrap_or_default())
                ));
                jiff::tz::TimeZone::UTC
            }
        };
        let wanted = tag.unwrap_or(FALLBACK);
        let locale: Locale = wanted.parse().unwrap_or_else(|_| {
            warnings.push(format!(
                "output.lang = \"{wanted}\" is not a locale ICU knows; dates, numbers and plurals are written as in English"
            ));
            Locale::try_from_str(FALLBACK).expect("en parses")
        });
        let english = parse_catalogue(catalogue(FALLBACK).expect("locales/en.toml").1)
            .expect("locales/en.toml parses (a unit test checks it)");
        let (own, why_english) = own_catalogue(wanted);
        warnings.extend(why_english);
        let (texts, gaps) = chosen_texts(overrides, own.as_ref(), &english);
        warnings.extend(gaps);
        let plurals = PluralRules::try_new((&locale).into(), PluralRuleType::Cardinal.into())
            .expect("compiled data has plural rules for every locale, falling back to the root");
        warnings.extend(missing_plural_forms(overrides, &plurals, wanted));
        let numbers = DecimalFormatter::try_new((&locale).into(), Default::default())
            .expect("compiled data has decimal formats for every locale");
        let formatter = |length: YMD| {
            DateTimeFormatter::try_new((&locale).into(), length)
                .expect("compiled data has date formats for every locale")
        };
        let styled = match dates {
            DateFormat::Long => Some(formatter(YMD::long())),
            DateFormat::Medium => Some(formatter(YMD::medium())),
            DateFormat::Short => Some(formatter(YMD::short())),
            _ => None,
        };
        let rtl = own
            .as_ref()
            .and_then(|(_, c)| c.direction.as_deref())
            .is_some_and(|d| d == "rtl");
        let today = local(&zone, now).0;
        let language = Language {
            zone,
            today,
            tag: wanted.to_string(),
            rtl,
            texts,
            plurals,
            numbers,
            dates: dates.clone(),
            styled,
            absolute: formatter(YMD::medium()),
        };
        (language, warnings)
    }

    /// English, as the fragment is written without `output.lang`.
    pub fn english(now: DateTime<Utc>) -> Language {
        Language::new(None, &BTreeMap::new(), &DateFormat::default(), None, now).0
    }

    /// The language's BCP 47 tag (`en` when unset).
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Whether the language is written right to left (its catalogue says so).
    pub fn rtl(&self) -> bool {
        self.rtl
    }

    /// The text of `key` with its placeholders filled from `args`.
    pub fn text(&self, key: Key, args: &[(&str, &str)]) -> String {
        let text = match &self.texts[&key] {
            Text::Plain(s) => s.as_str(),
            Text::Plural(forms) => forms.get("other").map(String::as_str).unwrap_or_default(),
        };
        fill(text, args)
    }

    /// `n` as the language writes numbers ("4,512", "4.512", "4 512").
    pub fn number(&self, n: u64) -> String {
        self.numbers
            .format(&fixed_decimal::Decimal::from(n))
            .to_string()
    }

    /// The counted text of `key` for `n`, in the plural form its rules pick.
    pub fn count(&self, key: Key, n: u64) -> String {
        let text = match &self.texts[&key] {
            Text::Plain(s) => s.as_str(),
            Text::Plural(forms) => {
                let category = category_name(self.plurals.category_for(n));
                forms
                    .get(category)
                    .or_else(|| forms.get("other"))
                    .map(String::as_str)
                    .unwrap_or_default()
            }
        };
        fill(text, &[("n", &self.number(n))])
    }

    /// A post's date as `output.date_format` says.
    pub fn date(&self, at: DateTime<Utc>) -> String {
        let (day, offset) = local(&self.zone, at);
        match (&self.dates, &self.styled) {
            (_, Some(f)) => format_date(f, day),
            (DateFormat::Relative, _) => self.relative(day),
            (DateFormat::Pattern(p), _) => {
                let mut out = String::new();
                // Checked when the config was read; a failure leaves ISO.
                if write!(out, "{}", at.with_timezone(&offset).format(p)).is_err() {
                    out = day.format("%Y-%m-%d").to_string();
                }
                out
            }
            _ => day.format("%Y-%m-%d").to_string(),
        }
    }

    /// A date for labels and alt text, which must not age: the medium style
    /// when dates are relative, else the date as shown.
    pub fn fixed_date(&self, at: DateTime<Utc>) -> String {
        match self.dates {
            DateFormat::Relative => format_date(&self.absolute, local(&self.zone, at).0),
            _ => self.date(at),
        }
    }

    fn relative(&self, day: chrono::NaiveDate) -> String {
        let days = (self.today - day).num_days().max(0) as u64;
        match days {
            0 => self.text(Key::Today, &[]),
            1 => self.text(Key::Yesterday, &[]),
            2..=6 => self.count(Key::DaysAgo, days),
            7..=29 => self.count(Key::WeeksAgo, days / 7),
            30..=364 => self.count(Key::MonthsAgo, (days / 30).max(1)),
            _ => self.count(Key::YearsAgo, days / 365),
        }
    }
}

/// The calendar day of `at` in `zone`, and the offset from UTC there and then.
fn local(zone: &jiff::tz::TimeZone, at: DateTime<Utc>) -> (chrono::NaiveDate, chrono::FixedOffset) {
    let utc = (
        at.date_naive(),
        chrono::FixedOffset::east_opt(0).expect("0 is in range"),
    );
    let Ok(instant) = jiff::Timestamp::from_second(at.timestamp()) else {
        return utc;
    };
    let zoned = instant.to_zoned(zone.clone());
    let d = zoned.date();
    match (
        chrono::NaiveDate::from_ymd_opt(i32::from(d.year()), d.month() as u32, d.day() as u32),
        chrono::FixedOffset::east_opt(zoned.offset().seconds()),
    ) {
        (Some(day), Some(offset)) => (day, offset),
        _ => utc,
    }
}

fn format_date(f: &DateTimeFormatter<YMD>, day: chrono::NaiveDate) -> String {
    match Date::<Iso>::try_new_iso(day.year(), day.month() as u8, day.day() as u8) {
        Ok(date) => f.format(&date).to_string(),
        Err(_) => day.format("%Y-%m-%d").to_string(),
    }
}

/// `text` with each `{name}` of `args` replaced by its value, in one pass:
/// a value is never searched again, so a caption holding `{n}` inside the
/// `{alt}` of an album image stays as written.
fn fill(text: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()
    }

    fn lang(tag: &str) -> Language {
        let (l, warnings) =
            Language::new(Some(tag), &BTreeMap::new(), &DateFormat::Long, None, now());
        assert!(warnings.is_empty(), "{tag}: {warnings:?}");
        l
    }

    /// Every shipped catalogue has every text, the plural forms its language
    /// uses (and no others), and only the placeholders each text may use.
    #[test]
    fn catalogues_are_complete_and_well_formed() {
        assert!(
            CATALOGUES.len() >= 9,
            "{:?}",
            CATALOGUES.iter().map(|c| c.0).collect::<Vec<_>>()
        );
        for (tag, text) in CATALOGUES {
            let c = parse_catalogue(text).unwrap_or_else(|e| panic!("locales/{tag}.toml: {e}"));
            assert!(
                matches!(c.direction.as_deref(), Some("ltr" | "rtl")),
                "locales/{tag}.toml: direction must be \"ltr\" or \"rtl\""
            );
            let locale: Locale = tag.parse().unwrap_or_else(|e| panic!("{tag}: {e:?}"));
            let rules =
                PluralRules::try_new((&locale).into(), PluralRuleType::Cardinal.into()).unwrap();
            let used: Vec<&str> = rules.categories().map(category_name).collect();
            for key in Key::ALL {
                let t = c
                    .texts
                    .get(key.name())
                    .unwrap_or_else(|| panic!("locales/{tag}.toml has no `{}`", key.name()));
                check_text(key.name(), t)
                    .unwrap_or_else(|e| panic!("locales/{tag}.toml: `{}` {e}", key.name()));
                match t {
                    Text::Plural(forms) => {
                        let mut have: Vec<&str> = forms.keys().map(String::as_str).collect();
                        let mut want = used.clone();
                        have.sort();
                        want.sort();
                        assert_eq!(have, want, "locales/{tag}.toml: forms of `{}`", key.name());
                    }
                    Text::Plain(s) => assert!(
                        !key.counted() || used == ["other"],
                        "locales/{tag}.toml: `{}` needs plural forms, not {s:?}",
                        key.name()
                    ),
                }
            }
            for name in c.texts.keys() {
                assert!(
                    Key::named(name).is_some(),
                    "locales/{tag}.toml: unknown `{name}`"
                );
            }
        }
    }

    #[test]
    fn counts_take_the_plural_form_of_their_number() {
        let en = lang("en");
        assert_eq!(en.count(Key::Likes, 0), "0 likes");
        assert_eq!(en.count(Key::Likes, 1), "1 like");
        assert_eq!(en.count(Key::Followers, 4512), "4,512 followers");
        let de = lang("de");
        assert_eq!(de.count(Key::Likes, 1), "1 Like");
        assert_eq!(de.count(Key::Posts, 2), "2 Beiträge");
        assert_eq!(de.count(Key::Followers, 4512), "4.512 Follower");
        let ar = lang("ar");
        let forms: Vec<String> = [0, 1, 2, 5, 21, 100]
            .into_iter()
            .map(|n| ar.count(Key::Comments, n))
            .collect();
        assert_eq!(
            forms,
            [
                "0 تعليق",
                "تعليق واحد",
                "تعليقان",
                "5 تعليقات",
                "21 تعليقًا",
                "100 تعليق"
            ]
        );
        assert_eq!(lang("ja").count(Key::Likes, 21), "いいね！21件");
        // French counts 0 as singular.
        assert_eq!(lang("fr").count(Key::Comments, 0), "0 commentaire");
    }

    #[test]
    fn a_regional_tag_finds_its_language_and_dates_follow_the_region() {
        let br = lang("pt-BR");
        assert_eq!(br.text(Key::ViewOnInstagram, &[]), "Ver no Instagram");
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap();
        assert_eq!(br.date(at), "30 de novembro de 2026");
        assert_eq!(lang("en").date(at), "November 30, 2026");
        assert_eq!(lang("ja").date(at), "2026年11月30日");
        assert_eq!(lang("de").date(at), "30. November 2026");
    }

    #[test]
    fn a_language_without_a_catalogue_writes_english_words_and_its_own_numbers() {
        let (sv, warnings) = Language::new(
            Some("sv"),
            &BTreeMap::new(),
            &DateFormat::Medium,
            None,
            now(),
        );
        assert_eq!(sv.text(Key::Close, &[]), "Close");
        assert!(warnings[0].contains("no texts in \"sv\""), "{warnings:?}");
        assert!(warnings[0].contains("[output.text]"), "{warnings:?}");
        // Swedish groups thousands with a no-break space.
        assert_eq!(sv.number(4512), "4\u{a0}512");
    }

    #[test]
    fn overrides_win_and_a_missing_plural_form_is_warned_about() {
        let overrides = BTreeMap::from([
            ("close".to_string(), Text::Plain("Zu".into())),
            (
                "likes".to_string(),
                Text::Plural(BTreeMap::from([("other".into(), "{n} Herzen".into())])),
            ),
        ]);
        let (de, warnings) = Language::new(Some("de"), &overrides, &DateFormat::Iso, None, now());
        assert_eq!(de.text(Key::Close, &[]), "Zu");
        assert_eq!(de.count(Key::Likes, 1), "1 Herzen");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("output.text.likes has no one form"),
            "{warnings:?}"
        );
    }

    #[test]
    fn relative_dates_count_back_from_the_build() {
        let (l, _) = Language::new(None, &BTreeMap::new(), &DateFormat::Relative, None, now());
        let ago = |days: i64| l.date(now() - chrono::Duration::days(days));
        assert_eq!(ago(0), "today");
        assert_eq!(ago(1), "yesterday");
        assert_eq!(ago(3), "3 days ago");
        assert_eq!(ago(7), "1 week ago");
        assert_eq!(ago(45), "1 month ago");
        assert_eq!(ago(800), "2 years ago");
        // A post "from the future" (a skewed clock) is today, not negative.
        assert_eq!(ago(-2), "today");
        assert_eq!(
            l.fixed_date(now() - chrono::Duration::days(3)),
            "Nov 29, 2026"
        );
    }

    #[test]
    fn a_value_holding_a_placeholder_is_not_filled_again() {
        let en = lang("en");
        let alt = "Price {n} for {i} {user}";
        assert_eq!(
            en.text(Key::ImageOf, &[("alt", alt), ("i", "2"), ("n", "3")]),
            "Price {n} for {i} {user} (2 of 3)"
        );
    }

    #[test]
    fn dates_fall_on_the_calendar_of_the_time_zone() {
        // 23:30 UTC on 30 November is 1 December in Tokyo, still 30 November in Los Angeles.
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        let in_zone = |tag: &str, dates: DateFormat, zone: Option<&str>| {
            let (l, warnings) = Language::new(Some(tag), &BTreeMap::new(), &dates, zone, at);
            assert!(warnings.is_empty(), "{warnings:?}");
            l.date(at)
        };
        assert_eq!(
            in_zone("ja", DateFormat::Long, Some("Asia/Tokyo")),
            "2026年12月1日"
        );
        assert_eq!(in_zone("ja", DateFormat::Long, None), "2026年11月30日");
        assert_eq!(
            in_zone("en", DateFormat::Iso, Some("America/Los_Angeles")),
            "2026-11-30"
        );
        assert_eq!(
            in_zone(
                "de",
                DateFormat::Pattern("%d.%m.%Y %H:%M %z".into()),
                Some("Europe/Berlin")
            ),
            "01.12.2026 00:30 +0100"
        );
        // "Today" is Tokyo's today (08:30 on 1 December there): three hours
        // earlier is still today, nine hours earlier the day before.
        let (l, _) = Language::new(
            None,
            &BTreeMap::new(),
            &DateFormat::Relative,
            Some("Asia/Tokyo"),
            at,
        );
        assert_eq!(l.date(at - chrono::Duration::hours(3)), "today");
        assert_eq!(l.date(at - chrono::Duration::hours(9)), "yesterday");

        assert_eq!(check_time_zone("Asia/Tokyo").as_deref(), Ok("Asia/Tokyo"));
        let err = check_time_zone("Europe/Berln").unwrap_err();
        assert!(err.contains("did you mean \"Europe/Berlin\""), "{err}");
        assert!(check_time_zone("../../etc/passwd").is_err());
    }

    #[test]
    fn bad_texts_and_date_formats_say_what_to_write() {
        let plain = |s: &str| Text::Plain(s.into());
        let err = check_text("like", &plain("x")).unwrap_err();
        assert!(err.contains("did you mean `likes`"), "{err}");
        let err = check_text("close", &plain("Close {n}")).unwrap_err();
        assert!(
            err.contains("uses {n}") && err.contains("takes no placeholders"),
            "{err}"
        );
        let err = check_text("photo_by", &plain("by {user")).unwrap_err();
        assert!(err.contains("without its `}`"), "{err}");
        let forms = |pairs: &[(&str, &str)]| {
            Text::Plural(
                pairs
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
            )
        };
        let err = check_text("likes", &forms(&[("one", "{n} like")])).unwrap_err();
        assert!(err.contains("needs an `other` form"), "{err}");
        let err = check_text("likes", &forms(&[("other", "x"), ("plural", "y")])).unwrap_err();
        assert!(err.contains("form `plural`"), "{err}");
        let err = check_text("close", &forms(&[("other", "x")])).unwrap_err();
        assert!(err.contains("one string"), "{err}");
        assert!(check_text("close", &plain("x\ny")).is_err());
        assert!(check_text("likes", &plain("♥ {n}")).is_ok());

        assert_eq!(
            DateFormat::parse("%d.%m.%Y"),
            Ok(DateFormat::Pattern("%d.%m.%Y".into()))
        );
        let err = DateFormat::parse("%Q").unwrap_err();
        assert!(err.contains("not a strftime pattern"), "{err}");
        let err = DateFormat::parse("longest").unwrap_err();
        assert!(err.contains("\"relative\""), "{err}");
    }
}
