//! The fragment in German, Japanese and Arabic (`output.lang`): the words of
//! each catalogue, counts in every plural form (0, 1, 2, 5 and 21), numbers
//! and dates the CLDR way, and a date in each style of `output.date_format`.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use feedgen::config::{Config, FeedConfig};
use feedgen::lang::{DateFormat, Language};
use feedgen::manifest::AssetEntry;
use feedgen::model::{Account, AssetRole, Feed, Post, PostKind};
use feedgen::render;

use super::render::{asset, entry};

/// The build's clock: relative dates count from here.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()
}

/// Five posts with 0, 1, 2, 5 and 21 likes (and the reverse in comments), an
/// album of three, a video and a photo without caption; days apart from
/// today to a year and a half ago.
fn feed() -> (Feed, BTreeMap<String, AssetEntry>) {
    let counts = [0, 1, 2, 5, 21];
    let ago = [0, 1, 4, 20, 540];
    let mut posts = Vec::new();
    let mut entries = BTreeMap::new();
    for (i, (likes, days)) in counts.into_iter().zip(ago).enumerate() {
        let id = format!("20{i}");
        let (kind, ids) = match i {
            1 => (
                PostKind::Carousel,
                vec![format!("{id}1"), format!("{id}2"), format!("{id}3")],
            ),
            2 => (PostKind::Video, vec![format!("{id}:poster")]),
            _ => (PostKind::Image, vec![id.clone()]),
        };
        for a in &ids {
            entries.insert(a.clone(), entry(a));
        }
        posts.push(Post {
            id: id.clone(),
            kind,
            caption: (i != 2 && i != 3).then(|| format!("Caption {i} #tag")),
            alt_text: None,
            permalink: Some(
                url::Url::parse(&format!("https://www.instagram.com/p/P{i}/")).unwrap(),
            ),
            timestamp: now() - chrono::Duration::days(days),
            reel: false,
            shared_to_feed: None,
            like_count: Some(likes),
            comments_count: Some(counts[4 - i]),
            video: None,
            assets: ids
                .iter()
                .map(|a| {
                    let role = if a.ends_with(":poster") {
                        AssetRole::VideoPoster
                    } else {
                        AssetRole::Image
                    };
                    asset(a, role)
                })
                .collect(),
        });
    }
    let account = Account {
        id: "1784".into(),
        username: "someone".into(),
        name: Some("Someone".into()),
        followers_count: Some(4512),
        media_count: Some(21),
        ..Account::default()
    };
    (Feed { account, posts }, entries)
}

fn config(extra: &str) -> FeedConfig {
    Config::parse(
        &format!(
            "[output]\nbase_url = \"/feed/\"\ncaptions = true\nheader = true\nheader_counts = true\nviewer = true\ninitial = 3\n{extra}"
        ),
        std::path::Path::new("/site"),
    )
    .unwrap()
    .feeds
    .remove(0)
}

fn language(c: &FeedConfig) -> Language {
    let (lang, warnings) = Language::new(
        c.output.lang.as_deref(),
        &c.output.text,
        &c.output.date_format,
        c.output.time_zone.as_deref(),
        now(),
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    lang
}

/// The posts' views and the fragment, post viewer on, of `feed` under `c`.
fn render_all(
    feed: &Feed,
    entries: &BTreeMap<String, AssetEntry>,
    c: &FeedConfig,
    lang: &Language,
) -> (Vec<render::PostView>, String) {
    let views = render::views(feed, entries, &c.output, &c.images.formats, lang);
    let account = render::account_view(feed, entries, &c.output, &c.images.formats, lang);
    let html =
        render::fragment_with(&views, &account, &c.output, None, Some("viewer.js"), lang).unwrap();
    (views, html)
}

/// The fragment with long dates, then the posts' dates in every style.
fn rendered(tag: &str) -> String {
    let (feed, entries) = feed();
    let c = config(&format!("lang = \"{tag}\"\ndate_format = \"long\"\n"));
    let lang = language(&c);
    let (_, mut out) = render_all(&feed, &entries, &c, &lang);
    out.push_str("\n--- dates in each style ---\n");
    for style in ["long", "medium", "short", "relative", "iso", "%d/%m/%Y"] {
        let (l, _) = Language::new(
            Some(tag),
            &BTreeMap::new(),
            &DateFormat::parse(style).unwrap(),
            None,
            now(),
        );
        let dates: Vec<String> = feed.posts.iter().map(|p| l.date(p.timestamp)).collect();
        out.push_str(&format!("{style}: {}\n", dates.join(" | ")));
    }
    out
}

#[test]
fn german_fragment() {
    let html = rendered("de");
    for needle in [
        "0 Likes",
        "1 Like",
        "21 Likes",
        "21 Beiträge · 4.512 Follower",
        "2 weitere Beiträge zeigen",
        "Video von @someone, 28. November 2026",
        "(2 von 3)",
        "Auf Instagram ansehen",
        "data-feedgen-close=\"Schließen\"",
        "aria-label=\"Instagram-Feed\"",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    insta::assert_snapshot!("fragment_de", html);
}

#[test]
fn japanese_fragment() {
    let html = rendered("ja");
    for needle in [
        "いいね！1件",
        "投稿21件 · フォロワー4,512人",
        "2026年12月2日",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    insta::assert_snapshot!("fragment_ja", html);
}

#[test]
fn arabic_fragment_uses_all_six_plural_forms() {
    let html = rendered("ar");
    // Likes 0, 1, 2, 5 and 21: zero, one, two, few and many; 100 would be other.
    for needle in [
        "0 إعجاب",
        "إعجاب واحد",
        "إعجابان",
        "5 إعجابات",
        "21 إعجابًا",
        "عرض منشورين آخرين",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    insta::assert_snapshot!("fragment_ar", html);
}

#[test]
fn the_page_takes_the_language_and_its_direction_and_json_stays_raw() {
    let (feed, entries) = feed();
    let c = config("lang = \"ar\"\n");
    let lang = language(&c);
    let views = render::views(&feed, &entries, &c.output, &c.images.formats, &lang);
    let account = render::account_view(&feed, &entries, &c.output, &c.images.formats, &lang);
    let fragment = render::fragment(&views, &account, &c.output, None, &lang).unwrap();
    let page = render::page(&fragment, "someone", &c.output, &lang).unwrap();
    assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"), "{page}");
    let english = Language::english(now());
    let page = render::page(&fragment, "someone", &c.output, &english).unwrap();
    assert!(page.contains("<html lang=\"en\">"), "{page}");

    // The JSON keeps numbers and ISO timestamps for templates of the site's own.
    let json: serde_json::Value = serde_json::from_str(&render::json(&account, &views)).unwrap();
    assert_eq!(json["posts"][4]["like_count"], 21);
    assert_eq!(json["posts"][0]["timestamp"], "2026-12-02T12:00:00Z");
    assert_eq!(json["account"]["followers_count"], 4512);
}

#[test]
fn relative_dates_keep_a_fixed_date_for_labels_and_a_tooltip() {
    let (feed, entries) = feed();
    let c = config("lang = \"de\"\ndate_format = \"relative\"\n");
    let lang = language(&c);
    let views = render::views(&feed, &entries, &c.output, &c.images.formats, &lang);
    assert_eq!(views[2].date, "vor 4 Tagen");
    // Alt text and labels do not age with the build.
    assert_eq!(views[2].alt, "Video von @someone, 28.11.2026");
    let html = render::fragment(
        &views,
        &render::account_view(&feed, &entries, &c.output, &c.images.formats, &lang),
        &c.output,
        None,
        &lang,
    )
    .unwrap();
    assert!(
        html.contains("title=\"28.11.2026\">vor 4 Tagen</time>"),
        "{html}"
    );
}

#[test]
fn the_sites_own_words_win_and_bad_ones_are_refused_with_the_key() {
    let (feed, entries) = feed();
    let c = config(
        "lang = \"de\"\n[output.text]\nlikes = { one = \"{n} Herz\", other = \"{n} Herzen\" }\nview_on_instagram = \"Original ansehen\"\n",
    );
    let lang = language(&c);
    let (views, html) = render_all(&feed, &entries, &c, &lang);
    assert!(
        views[1].counts.starts_with("1 Herz ·"),
        "{}",
        views[1].counts
    );
    assert!(
        views[4].counts.starts_with("21 Herzen ·"),
        "{}",
        views[4].counts
    );
    assert!(html.contains(">Original ansehen</a>"));

    for (text, key, says) in [
        ("like = \"x\"", "output.text.like", "did you mean `likes`"),
        (
            "close = \"{n}\"",
            "output.text.close",
            "takes no placeholders",
        ),
        (
            "likes = { one = \"{n}\" }",
            "output.text.likes",
            "needs an `other` form",
        ),
    ] {
        let err = Config::parse(
            &format!("[output.text]\n{text}\n"),
            std::path::Path::new("/site"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains(key) && err.contains(says), "{text}: {err}");
    }
    let err = Config::parse(
        "[output]\ntime_zone = \"Europe/Berln\"\n",
        std::path::Path::new("/site"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("output.time_zone") && err.contains("\"Europe/Berlin\""),
        "{err}"
    );
    let err = Config::parse(
        "[output]\ndate_format = \"%Q\"\n",
        std::path::Path::new("/site"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("output.date_format"), "{err}");
}

/// A language feedgen has no words for, through a whole build against the
/// fake API: English words with Swedish numbers, the site's own words where
/// it gave them, and one warning that says how to add the rest.
#[test]
fn a_language_without_a_catalogue_builds_in_english_and_says_how_to_add_it() {
    use crate::support::*;
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(
        "[output]\nlang = \"sv\"\nheader = true\nheader_counts = true\n[output.text]\nfollowers = { one = \"{n} följare\", other = \"{n} följare\" }\n[http]\nbackoff_ms = 10\n",
    );
    let run = site.build(&fake, &[]).expect_code(0);
    let warned: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("no texts in \"sv\""))
        .collect();
    assert_eq!(warned.len(), 1, "{}", run.stderr);
    assert!(
        warned[0].contains("[output.text]") && warned[0].contains("locales/sv.toml"),
        "{}",
        warned[0]
    );
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    assert!(html.contains("lang=\"sv\""), "{html}");
    // 1234 followers, grouped the Swedish way, in the site's own word.
    assert!(html.contains("3 posts · 1\u{a0}234 följare"), "{html}");
}

/// `dir="auto"` reaches text, not attributes: an image whose alt text runs
/// against the feed's language gets its direction written out.
#[test]
fn alt_text_against_the_feeds_direction_gets_its_own() {
    let (mut feed, entries) = feed();
    feed.posts[0].caption = Some("شروق الشمس فوق الجبال #جبال".into());
    feed.posts[1].caption = Some("123 — Golden hour".into());
    for (tag, arabic_dir, english_dir) in [("de", Some("rtl"), None), ("ar", None, Some("ltr"))] {
        let c = config(&format!("lang = \"{tag}\"\n"));
        let lang = language(&c);
        let (views, html) = render_all(&feed, &entries, &c, &lang);
        assert_eq!(views[0].cover().alt_dir, arabic_dir, "{tag}");
        assert!(
            views[1].images.iter().all(|i| i.alt_dir == english_dir),
            "{tag}"
        );
        let dirs =
            html.matches("\" dir=\"rtl\" ").count() + html.matches("\" dir=\"ltr\" ").count();
        // The grid's cover and the viewer's copy of each image turned.
        let turned = if tag == "de" { 2 } else { 2 * 3 };
        assert_eq!(dirs, turned, "{tag}: {html}");
    }
}

/// The site's words and date pattern are config text that lands in HTML
/// text, attributes and the viewer script's labels: written as an attack,
/// they stay inert everywhere.
#[test]
fn hostile_words_and_date_patterns_stay_text() {
    let (feed, entries) = feed();
    let c = config(
        "date_format = \"<img src=x onerror=alert(1)>%Y\"\nlabel = \"\\\"><script>alert(1)</script>\"\n[output.text]\nclose = \"\\\" onmouseover=\\\"alert(1)\"\nview_on_instagram = \"</a><script>alert(2)</script>\"\nlikes = { one = \"{n} <b>like</b>\", other = \"{n} ' onfocus='alert(3)\" }\n",
    );
    let lang = language(&c);
    let (_, html) = render_all(&feed, &entries, &c, &lang);
    let page = render::page(&html, "someone", &c.output, &lang).unwrap();
    for doc in [&html, &page] {
        for bad in [
            "<script>",
            "<img src=x",
            "<b>",
            "\" onmouseover=",
            "' onfocus=",
            "</a><script",
        ] {
            assert!(!doc.contains(bad), "{bad:?} got through");
        }
    }
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;2026"),
        "the pattern is shown as text"
    );
    // Braces could start SSG template syntax: only the text's own placeholders are taken.
    let err = Config::parse(
        "[output.text]\nclose = \"{{ site.title }}\"\n",
        std::path::Path::new("/site"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("output.text.close"), "{err}");
}
