//! Snapshot tests of the fragment and the JSON for a fixed feed.
//!
//! The feed is built in code with fixed file names, so these snapshots pin the
//! markup and the JSON schema without depending on encoder output.

use std::collections::BTreeMap;

use chrono::TimeZone;
use feedgen::config::{Config, FeedConfig, ImageFormat};
use feedgen::manifest::{AssetEntry, Variant};
use feedgen::model::{Account, Asset, AssetRole, Feed, Original, Post, PostKind};
use feedgen::render;

pub(crate) fn asset(id: &str, role: AssetRole) -> Asset {
    Asset {
        id: id.into(),
        role,
        url: None,
        original: Some(Original {
            file: format!("orig-{id}.jpg"),
            width: 1080,
            height: 1350,
        }),
    }
}

pub(crate) fn entry(id: &str) -> AssetEntry {
    let mut variants = Vec::new();
    for (w, h) in [(320, 400), (640, 800), (1080, 1350)] {
        for format in [ImageFormat::Webp, ImageFormat::Jpeg] {
            variants.push(Variant {
                width: w,
                height: h,
                format,
                quality: 80,
                effort: 4,
                file: format!("{id}-{w}.{}", format.extension()),
                bytes: u64::from(w) * 10,
            });
        }
    }
    let placeholder = (id == "101").then(|| feedgen::media::pipeline::Placeholder {
        color: "#c86432".into(),
        lqip: "data:image/webp;base64,UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAQAcJaQAA3AA/v3AgAA="
            .into(),
    });
    AssetEntry {
        original: format!("orig-{id}.jpg"),
        variants,
        placeholder,
    }
}

fn fixed_feed() -> (Feed, BTreeMap<String, AssetEntry>) {
    let at = |d| chrono::Utc.with_ymd_and_hms(2026, 10, d, 12, 0, 0).unwrap();
    let link =
        |s: &str| Some(url::Url::parse(&format!("https://www.instagram.com/p/{s}/")).unwrap());
    let posts = vec![
        Post {
            id: "101".into(),
            kind: PostKind::Image,
            caption: Some("<script>alert(1)</script> {{ site.title }} {% include x %} {{< shortcode >}} \"><img src=x onerror=alert(1)> 100%".into()),
            alt_text: None,
            permalink: link("AAA"),
            timestamp: at(20),
            reel: false,
            shared_to_feed: None,
            like_count: None,
            comments_count: None,
            video: None,
            assets: vec![asset("101", AssetRole::Image)],
        },
        Post {
            id: "102".into(),
            kind: PostKind::Carousel,
            caption: Some("Three   photos\n\nin one post ✨".into()),
            alt_text: Some("A lake, a hill and a tree".into()),
            permalink: link("BBB"),
            timestamp: at(19),
            reel: false,
            shared_to_feed: None,
            like_count: None,
            comments_count: None,
            video: None,
            assets: vec![asset("1021", AssetRole::Image), asset("1022:poster", AssetRole::VideoPoster), asset("1023", AssetRole::Image)],
        },
        Post {
            id: "103".into(),
            kind: PostKind::Video,
            caption: None,
            alt_text: None,
            permalink: None,
            timestamp: at(18),
            reel: true,
            shared_to_feed: None,
            like_count: None,
            comments_count: None,
            video: None,
            assets: vec![asset("103:poster", AssetRole::VideoPoster)],
        },
    ];
    let entries = ["101", "1021", "1022:poster", "1023", "103:poster"]
        .into_iter()
        .map(|id| (id.to_string(), entry(id)))
        .collect();
    (
        Feed {
            account: Account {
                id: "1784".into(),
                username: "someone".into(),
                ..Account::default()
            },
            posts,
        },
        entries,
    )
}

/// The config's language, with relative dates as of a fixed day.
fn lang(c: &FeedConfig) -> feedgen::lang::Language {
    let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 2, 12, 0, 0).unwrap();
    feedgen::lang::Language::new(
        c.output.lang.as_deref(),
        &c.output.text,
        &c.output.date_format,
        c.output.time_zone.as_deref(),
        now,
    )
    .0
}

fn config() -> FeedConfig {
    Config::parse(
        "[output]\nbase_url = \"/feed/\"\n",
        std::path::Path::new("/site"),
    )
    .unwrap()
    .feeds
    .remove(0)
}

#[test]
fn fragment_snapshot() {
    let (feed, entries) = fixed_feed();
    let c = config();
    let views = render::views(&feed, &entries, &c.output, &c.images.formats, &lang(&c));
    let html = render::fragment(
        &views,
        &render::account_view(&feed, &entries, &c.output, &c.images.formats, &lang(&c)),
        &c.output,
        Some("theme.css"),
        &lang(&c),
    )
    .unwrap();
    insta::assert_snapshot!("fragment", html);
}

#[test]
fn json_snapshot() {
    let (feed, entries) = fixed_feed();
    let c = config();
    let views = render::views(&feed, &entries, &c.output, &c.images.formats, &lang(&c));
    insta::assert_snapshot!(
        "json",
        render::json(
            &render::account_view(&feed, &entries, &c.output, &c.images.formats, &lang(&c)),
            &views
        )
    );
}

#[test]
fn hostile_captions_stay_text() {
    let (feed, entries) = fixed_feed();
    let c = config();
    let views = render::views(&feed, &entries, &c.output, &c.images.formats, &lang(&c));
    let html = render::fragment(
        &views,
        &render::account_view(&feed, &entries, &c.output, &c.images.formats, &lang(&c)),
        &c.output,
        None,
        &lang(&c),
    )
    .unwrap();
    for bad in [
        "<script",
        "onerror=alert(1)>",
        "{{",
        "{%",
        "%}",
        "}}",
        "<img src=x",
    ] {
        assert!(!html.contains(bad), "fragment contains {bad:?}");
    }
    let json = render::json(
        &render::account_view(&feed, &entries, &c.output, &c.images.formats, &lang(&c)),
        &views,
    );
    assert!(
        !json.contains('<') && !json.contains('>'),
        "JSON is safe to inline in <script>"
    );
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        parsed["posts"][0]["caption"]
            .as_str()
            .unwrap()
            .starts_with("<script>"),
        "the JSON keeps the caption's real text"
    );
}

#[test]
fn masonry_with_linked_captions_snapshot() {
    let (feed, entries) = fixed_feed();
    let c = Config::parse(
        "[output]\nbase_url = \"/feed/\"\nlayout = \"masonry\"\ncaptions = true\ncaption_links = true\ncaption_length = 40\n",
        std::path::Path::new("/site"),
    )
    .unwrap()
    .feeds
    .remove(0);
    let views = render::views(&feed, &entries, &c.output, &c.images.formats, &lang(&c));
    let html = render::fragment(
        &views,
        &render::account_view(&feed, &entries, &c.output, &c.images.formats, &lang(&c)),
        &c.output,
        None,
        &lang(&c),
    )
    .unwrap();
    assert_eq!(
        html.matches("<picture>").count(),
        5,
        "every album image is shown in masonry"
    );
    for bad in ["<script", "{{", "{%"] {
        assert!(!html.contains(bad), "caption display is escaped too: {bad}");
    }
    insta::assert_snapshot!("masonry", html);
}

#[test]
fn feeds_snapshot() {
    let (feed, entries) = fixed_feed();
    let c = Config::parse(
        "[output]\nbase_url = \"/feed/\"\nsite_url = \"https://example.org/\"\n",
        std::path::Path::new("/site"),
    )
    .unwrap()
    .feeds
    .remove(0);
    let views = render::views(&feed, &entries, &c.output, &c.images.formats, &lang(&c));
    let site = c.output.site_url.clone().unwrap();
    let json = render::feeds::json_feed(&feed.account, &views, &c.output, &site, &lang(&c));
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(parsed["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        parsed["items"][0]["image"],
        "https://example.org/feed/media/101-1080.jpg"
    );
    insta::assert_snapshot!("jsonfeed", json);
    let atom = render::feeds::atom(&feed.account, &views, &c.output, &site, &lang(&c)).unwrap();
    assert!(!atom.contains("<script"), "HTML in Atom is escaped");
    insta::assert_snapshot!("atom", atom);
}

/// The profile header: a hostile display name stays text, the avatar comes
/// from the output's media folder only, and the JSON carries the account fields.
#[test]
fn profile_header_snapshot() {
    let (mut feed, mut entries) = fixed_feed();
    let avatar_id = "1784:avatar-0123456789ab";
    feed.account = feed.account.clone().with_profile(feedgen::model::Profile {
        name: Some("Shop <b>{{ site.title }}</b>\u{0}".into()),
        followers_count: Some(1),
        media_count: Some(3),
        picture: Some(url::Url::parse("https://scontent.cdninstagram.com/v/p.jpg?oe=1").unwrap()),
    });
    let mut avatar = feed.account.avatar.clone().unwrap();
    avatar.id = avatar_id.into();
    feed.account.avatar = Some(avatar);
    let mut e = entry("avatar");
    e.variants.retain(|v| v.width == 320);
    entries.insert(avatar_id.into(), e);
    let c = Config::parse(
        "[output]\nbase_url = \"/feed/\"\nheader = true\nheader_counts = true\n",
        std::path::Path::new("/site"),
    )
    .unwrap()
    .feeds
    .remove(0);
    let account = render::account_view(&feed, &entries, &c.output, &c.images.formats, &lang(&c));
    let views = render::views(&feed, &entries, &c.output, &c.images.formats, &lang(&c));
    let html = render::fragment(&views, &account, &c.output, None, &lang(&c)).unwrap();
    let header = html
        .split("<header")
        .nth(1)
        .and_then(|h| h.split("</header>").next())
        .expect("a header");
    assert!(
        !header.contains("cdninstagram"),
        "never hotlinked: {header}"
    );
    assert!(
        !header.contains("<b>") && !header.contains("{{"),
        "{header}"
    );
    assert!(
        header.contains("1 follower") && header.contains("3 posts"),
        "{header}"
    );
    insta::assert_snapshot!("header", format!("<header{header}</header>"));
    let json: serde_json::Value = serde_json::from_str(&render::json(&account, &views)).unwrap();
    insta::assert_snapshot!(
        "header_json",
        serde_json::to_string_pretty(&json["account"]).unwrap()
    );

    // Without `output.header` the fragment has no header; the JSON keeps the account.
    let c = config();
    let html = render::fragment(&views, &account, &c.output, None, &lang(&c)).unwrap();
    assert!(!html.contains("<header"), "{html}");
}

/// `output.lang`: the fragment's `lang`, the feeds' language; captions and
/// names take their direction from their own text (`dir="auto"`), so an
/// Arabic caption reads right to left in a left-to-right page and the reverse.
#[test]
fn the_language_is_declared_and_captions_find_their_direction() {
    let (mut feed, entries) = fixed_feed();
    feed.posts[0].caption = Some("شروق الشمس فوق الجبال #جبال".into());
    let c = Config::parse(
        "[output]\nbase_url = \"/feed/\"\nlang = \"ar\"\ncaptions = true\nsite_url = \"https://example.org/\"\n",
        std::path::Path::new("/site"),
    )
    .unwrap()
    .feeds
    .remove(0);
    let account = render::account_view(&feed, &entries, &c.output, &c.images.formats, &lang(&c));
    let views = render::views(&feed, &entries, &c.output, &c.images.formats, &lang(&c));
    let html = render::fragment(&views, &account, &c.output, None, &lang(&c)).unwrap();
    assert!(
        html.starts_with("<section class=\"feedgen feedgen--grid h-feed\" lang=\"ar\""),
        "{html}"
    );
    assert_eq!(
        html.matches("<p class=\"feedgen-caption\" dir=\"auto\">")
            .count(),
        3,
        "{html}"
    );
    let site = c.output.site_url.clone().unwrap();
    let jf: serde_json::Value = serde_json::from_str(&render::feeds::json_feed(
        &feed.account,
        &views,
        &c.output,
        &site,
        &lang(&c),
    ))
    .unwrap();
    assert_eq!(jf["language"], "ar");
    assert_eq!(jf["title"], "موجز إنستغرام (@someone)");
    let atom = render::feeds::atom(&feed.account, &views, &c.output, &site, &lang(&c)).unwrap();
    assert!(
        atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"ar\">"),
        "{atom}"
    );

    // Without output.lang the fragment takes the page's language.
    let html = render::fragment(&views, &account, &config().output, None, &lang(&c)).unwrap();
    assert!(!html.contains(" lang="), "{html}");
    // Only a language tag gets into the attribute.
    for bad in [
        "e",
        "en\" onload=\"x",
        "english",
        "de-",
        "de_DE",
        "de-averylongsubtag",
    ] {
        let err = Config::parse(
            &format!("[output]\nlang = {}\n", toml::Value::String(bad.into())),
            std::path::Path::new("/site"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("output.lang") && err.contains("BCP 47"),
            "{bad}: {err}"
        );
    }
}

/// `output.eager`: the first N posts' images load at once with high priority
/// and the rest lazily; the standalone page has a meta description, in the
/// feed's language or the site's own words.
#[test]
fn the_first_images_load_first_and_the_page_is_described() {
    let (feed, entries) = fixed_feed();
    let parse = |t: &str| {
        Config::parse(t, std::path::Path::new("/site"))
            .unwrap()
            .feeds
            .remove(0)
    };
    let render = |c: &FeedConfig| {
        let l = lang(c);
        let views = render::views(&feed, &entries, &c.output, &c.images.formats, &l);
        let account = render::account_view(&feed, &entries, &c.output, &c.images.formats, &l);
        let fragment = render::fragment(&views, &account, &c.output, None, &l).unwrap();
        let page = render::page(&fragment, "sample", &c.output, &l).unwrap();
        (fragment, page)
    };
    let loading = |html: &str| -> Vec<&'static str> {
        html.split("<img ")
            .skip(1)
            .map(|img| {
                let img = img.split('>').next().unwrap();
                match (
                    img.contains(r#"loading="eager" fetchpriority="high""#),
                    img.contains(r#"loading="lazy""#),
                ) {
                    (true, false) => "eager",
                    (false, true) => "lazy",
                    _ => panic!("an image with both or neither: {img}"),
                }
            })
            .collect()
    };
    let (all_lazy, page) = render(&parse(""));
    let n = loading(&all_lazy).len();
    assert!(n >= 3, "{all_lazy}");
    assert_eq!(
        loading(&all_lazy),
        vec!["lazy"; n],
        "eager = 0 is the default"
    );
    assert!(
        page.contains(
            r#"<meta name="description" content="The latest Instagram posts of @sample">"#
        ),
        "{page}"
    );
    let (first_two, _) = render(&parse("[output]\neager = 2\n"));
    let mut wanted = vec!["lazy"; n];
    wanted[..2].fill("eager");
    assert_eq!(loading(&first_two), wanted);
    let (_, german) = render(&parse("[output]\nlang = \"de\"\n"));
    assert!(
        german.contains(r#"content="Die neuesten Instagram-Beiträge von @sample""#),
        "{german}"
    );
    let (_, own) = render(&parse(
        "[output]\ndescription = \"Photos from the <workshop> & more\"\n",
    ));
    assert!(
        own.contains(r#"content="Photos from the &#60;workshop&#62; &#38; more""#)
            || own.contains(r#"content="Photos from the &lt;workshop&gt; &amp; more""#),
        "{own}"
    );
    for bad in ["\"\"", "\"a\\nb\""] {
        let e = Config::parse(
            &format!("[output]\ndescription = {bad}\n"),
            std::path::Path::new("/site"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("output.description"), "{e}");
    }
}
