//! The config's unit tests: parsing, layering, defaults and refusals.

use super::*;
use crate::model::PostKind;

fn parse(t: &str) -> Result<Config, ConfigError> {
    Config::parse(t, Path::new("/site"))
}

/// The error text of a config that must be refused.
fn err(t: &str) -> String {
    parse(t).unwrap_err().to_string()
}

/// `t` with the environment layer `env` over it.
fn with_env(t: &str, env: EnvOverrides) -> Result<Config, ConfigError> {
    let over = Overrides {
        env,
        ..Overrides::default()
    };
    Config::parse_with(t, Path::new("/site"), &over)
}

fn one(t: &str) -> FeedConfig {
    let mut c = parse(t).unwrap();
    assert_eq!(c.feeds.len(), 1);
    c.feeds.remove(0)
}

#[test]
fn a_username_is_one_instagram_name_for_facebook_sources_only() {
    let fb = |name: &str| format!("[source]\nkind = \"facebook\"\nusername = \"{name}\"\n");
    assert_eq!(
        one(&fb("@blue.bottle_1")).source.username.as_deref(),
        Some("blue.bottle_1"),
        "a leading @ is dropped"
    );
    // Anything that could change the nested field expansion, or is no name.
    for bad in [
        "",
        "@",
        "x){id}",
        "a,b",
        "a b",
        "a{b}",
        "ünï",
        &"a".repeat(31),
    ] {
        let e = err(&fb(bad));
        assert!(
            e.contains("source.username") && e.contains("is not an Instagram username"),
            "{bad}: {e}"
        );
    }
    let e = err("[source]\nusername = \"bluebottle\"\n");
    assert!(e.contains("source.kind = \"facebook\""), "{e}");
}

#[test]
fn show_more_needs_at_least_one_post_before_it() {
    let e = err("[output]\ninitial = 0\n");
    assert!(
        e.contains("output.initial") && e.contains("at least 1"),
        "{e}"
    );
    assert_eq!(one("[output]\ninitial = 1\n").output.initial, Some(1));
    assert_eq!(one("").output.initial, None);
}

#[test]
fn empty_config_gets_defaults() {
    let c = parse("").unwrap();
    let f = &c.feeds[0];
    assert_eq!(f.name, DEFAULT_FEED_NAME);
    assert_eq!(f.source.api_base.as_str(), "https://graph.instagram.com/");
    assert_eq!(f.source.kind, SourceKind::Instagram);
    assert_eq!(f.images.widths, vec![320, 640, 1080]);
    assert_eq!(f.output.dir, PathBuf::from("/site/public/feed"));
    // The paths a one-feed config always had, so existing caches keep working.
    assert_eq!(
        f.source.snapshot_dir,
        PathBuf::from("/site/.feedgen-cache/snapshot")
    );
    assert_eq!(
        f.token.state_file,
        PathBuf::from("/site/.feedgen-cache/token-state.json")
    );
    assert_eq!(
        f.manifest,
        PathBuf::from("/site/.feedgen-cache/manifest.json")
    );
    assert!(f.filter.is_open());
    assert!(!c.named_feeds);
}

#[test]
fn unknown_key_names_line_and_expected_keys() {
    let err = parse("[images]\nwidth = [1]\n").unwrap_err().to_string();
    assert!(err.contains("line 2, column 1"), "{err}");
    assert!(
        err.contains("unknown key `width` in [images]; did you mean `widths`?"),
        "{err}"
    );
    let err = parse("[[feed]]\nname = \"a\"\n[feed.http]\ntimeout = 3\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("[http] is shared by every feed"), "{err}");
}

#[test]
fn bad_values_name_the_key() {
    for (text, needle) in [
        ("[images]\nwidths = [0]\n", "images.widths"),
        (
            "[source]\napi_base = \"http://example.com\"\n",
            "plain http",
        ),
        ("[output]\nhtml = \"../x.html\"\n", "output.html"),
    ] {
        let e = err(text);
        assert!(e.contains(needle), "{text}: {e}");
    }
}

#[test]
fn env_overrides_file() {
    let c = with_env(
        "[source]\ntoken = \"from-file-token\"\n",
        EnvOverrides {
            api_base: Some("http://127.0.0.1:9/".into()),
            media_hosts: Some("127.0.0.1:9, cdn.example.com".into()),
            ..EnvOverrides::default()
        }
        .with_token("FEEDGEN_TOKEN", "from-env-token"),
    )
    .unwrap();
    let f = &c.feeds[0];
    assert_eq!(f.token.env.as_ref().unwrap().expose(), "from-env-token");
    assert_eq!(f.source.token.as_ref().unwrap().expose(), "from-file-token");
    assert_eq!(f.source.api_base.as_str(), "http://127.0.0.1:9/");
    assert_eq!(f.source.media_hosts, vec!["127.0.0.1:9", "cdn.example.com"]);
}

#[test]
fn a_parse_error_never_shows_the_token() {
    for (text, secret) in [
        (
            "[source]\ntoken = IGAAsecret1234567890\n",
            "IGAAsecret1234567890",
        ),
        (
            "[source]\ntoken = 12345678901234567890\n",
            "12345678901234567890",
        ),
        (
            "[source]\ntoken = \"IGAAsecret1234567890\n",
            "IGAAsecret1234567890",
        ),
        (
            "[source]\ntoken = \"\"\"\nIGAAsecret1234567890abc\n\"\"\"\nmax_posts = \"x\"\n",
            "IGAAsecret1234567890abc",
        ),
        (
            "[source]\ncounts = yes # IGAAsecret1234567890abc\n",
            "IGAAsecret1234567890abc",
        ),
    ] {
        let err = parse(text).unwrap_err().to_string();
        assert!(!err.contains(secret), "{text}: {err}");
    }
}

#[test]
fn the_annotated_example_lists_every_default() {
    assert_eq!(parse(EXAMPLE_CONFIG).unwrap(), parse("").unwrap());
}

#[test]
fn legacy_platform_api_is_recognised() {
    let err = parse("[source]\napi_base = \"https://api.instagram.com/v1\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("2020-06-29"), "{err}");
}

const TWO: &str = r##"
[images]
widths = [320, 640]
[output]
dir = "static/feed"
base_url = "/feed/"
layout = "masonry"
[filter]
exclude_hashtags = ["#Ad"]

[[feed]]
name = "photos"
[feed.filter]
types = ["image", "carousel"]

[[feed]]
name = "shop"
[feed.source]
kind = "facebook"
ig_user_id = "17841400000000002"
counts = true
[feed.token]
env = "FEEDGEN_TOKEN_SHOP"
[feed.output]
layout = "carousel"
dir = "static/shop-feed"
"##;

#[test]
fn feeds_layer_their_tables_over_the_top_level_ones() {
    let c = parse(TWO).unwrap();
    assert!(c.named_feeds);
    let [photos, shop] = c.feeds.as_slice() else {
        panic!("two feeds")
    };
    assert_eq!(photos.name, "photos");
    // Inherited, key by key.
    assert_eq!(photos.images.widths, vec![320, 640]);
    assert_eq!(shop.images.widths, vec![320, 640]);
    assert_eq!(photos.output.layout, Layout::Masonry);
    assert_eq!(shop.output.layout, Layout::Carousel);
    assert_eq!(photos.filter.exclude_hashtags, vec!["ad"]);
    assert_eq!(shop.filter.exclude_hashtags, vec!["ad"]);
    assert_eq!(
        photos.filter.types,
        vec![PostKind::Image, PostKind::Carousel]
    );
    assert_eq!(shop.filter.types.len(), 3);
    // Own folders: the shared output folder plus the name, unless set.
    assert_eq!(photos.output.dir, PathBuf::from("/site/static/feed/photos"));
    assert_eq!(photos.output.base_url, "/feed/photos/");
    assert_eq!(shop.output.dir, PathBuf::from("/site/static/shop-feed"));
    assert_eq!(
        photos.source.snapshot_dir,
        PathBuf::from("/site/.feedgen-cache/feeds/photos/snapshot")
    );
    assert_eq!(
        shop.token.state_file,
        PathBuf::from("/site/.feedgen-cache/feeds/shop/token-state.json")
    );
    assert_eq!(shop.source.kind, SourceKind::Facebook);
    assert_eq!(shop.source.api_base.as_str(), "https://graph.facebook.com/");
    assert_eq!(shop.source.api_version, DEFAULT_FACEBOOK_API_VERSION);
    assert!(shop.source.counts && !photos.source.counts);
    assert_eq!(shop.token.env_var, "FEEDGEN_TOKEN_SHOP");
    assert_eq!(photos.token.env_var, DEFAULT_TOKEN_ENV);
}

#[test]
fn each_feed_reads_its_own_token_variable_and_api_host() {
    let c = with_env(
        TWO,
        EnvOverrides {
            api_base: Some("http://127.0.0.1:7/".into()),
            facebook_api_base: Some("http://127.0.0.1:8/".into()),
            token_file: Some("token.txt".into()),
            ..EnvOverrides::default()
        }
        .with_token("FEEDGEN_TOKEN", "instagram-token-1")
        .with_token("FEEDGEN_TOKEN_SHOP", "facebook-token-2"),
    )
    .unwrap();
    let (photos, shop) = (&c.feeds[0], &c.feeds[1]);
    assert_eq!(
        photos.token.env.as_ref().unwrap().expose(),
        "instagram-token-1"
    );
    assert_eq!(
        shop.token.env.as_ref().unwrap().expose(),
        "facebook-token-2"
    );
    assert_eq!(photos.source.api_base.as_str(), "http://127.0.0.1:7/");
    assert_eq!(shop.source.api_base.as_str(), "http://127.0.0.1:8/");
    assert_eq!(photos.token.file, Some(PathBuf::from("token.txt")));
    assert_eq!(
        shop.token.file, None,
        "FEEDGEN_TOKEN_FILE goes with FEEDGEN_TOKEN"
    );
}

#[test]
fn feeds_may_not_share_folders_or_names() {
    for (text, needle) in [
        (
            "[[feed]]\nname = \"a\"\n[feed.output]\ndir = \"out\"\n[[feed]]\nname = \"b\"\n[feed.output]\ndir = \"out/b\"\n",
            "`a` and `b` would share",
        ),
        (
            "[[feed]]\nname = \"a\"\n[[feed]]\nname = \"a\"\n",
            "two feeds are named `a`",
        ),
        (
            "[[feed]]\nname = \"My Feed\"\n",
            "`My Feed` is not a feed name",
        ),
    ] {
        let e = err(text);
        assert!(e.contains(needle), "{text}: {e}");
    }
}

#[test]
fn a_bad_value_in_a_feed_names_the_feed() {
    let err = parse("[[feed]]\nname = \"shop\"\n[feed.source]\nmax_posts = 0\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`source.max_posts`") && err.contains("feed `shop`"),
        "{err}"
    );
}

#[test]
fn filter_values_are_checked_and_normalised() {
    let f = one(
        "[filter]\ninclude_hashtags = [\"#Travel\", \"travel\"]\nsince = 2024-05-01\nuntil = \"2024-05-31\"\n",
    );
    assert_eq!(f.filter.include_hashtags, vec!["travel"]);
    assert_eq!(
        f.filter.since.unwrap().to_rfc3339(),
        "2024-05-01T00:00:00+00:00"
    );
    assert_eq!(
        f.filter.until.unwrap().to_rfc3339(),
        "2024-05-31T23:59:59+00:00"
    );
    assert!(!f.filter.is_open());
    for (text, key) in [
        ("[filter]\ntypes = []\n", "filter.types"),
        ("[filter]\nsince = \"last week\"\n", "filter.since"),
        (
            "[filter]\nsince = 2024-06-01\nuntil = 2024-05-01\n",
            "filter.until",
        ),
        (
            "[filter]\nexclude_hashtags = [\"two words\"]\n",
            "filter.exclude_hashtags",
        ),
        (
            "[source]\nmax_posts = 50\nscan_limit = 10\n",
            "source.scan_limit",
        ),
        ("[source]\nig_user_id = \"123\"\n", "source.ig_user_id"),
        (
            "[source]\nkind = \"facebook\"\nig_user_id = \"12ab\"\n",
            "source.ig_user_id",
        ),
        (
            "[source]\nkind = \"facebook\"\napi_version = \"21\"\n",
            "source.api_version",
        ),
        ("[token]\nenv = \"FEEDGEN_API_BASE\"\n", "token.env"),
        ("[token]\nenv = \"lower\"\n", "token.env"),
    ] {
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains(key), "{text}: {err}");
    }
    let err = parse("[filter]\ntypes = [\"reel\"]\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown variant `reel`"), "{err}");
}

#[test]
fn the_wrong_host_for_the_source_kind_says_which_to_use() {
    let err = parse("[source]\napi_base = \"https://graph.facebook.com\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("source.kind = \\\"facebook\\\"")
            || err.contains("source.kind = \"facebook\""),
        "{err}"
    );
    let err = parse(
        "[source]\nkind = \"facebook\"\nfacebook_api_base = \"https://graph.instagram.com\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("source.facebook_api_base"), "{err}");
}

#[test]
fn select_and_single_explain_the_feed_names() {
    let c = parse(TWO).unwrap();
    let err = c.single().unwrap_err().to_string();
    assert!(
        err.contains("`photos`, `shop`") && err.contains("--feed"),
        "{err}"
    );
    let only = |name: &str| {
        let over = Overrides {
            feeds: vec![name.to_string()],
            ..Overrides::default()
        };
        Config::parse_with(TWO, Path::new("/site"), &over)
    };
    let err = only("nope").unwrap_err().to_string();
    assert!(err.contains("no feed is named `nope`"), "{err}");
    assert_eq!(only("shop").unwrap().single().unwrap().name, "shop");
}

#[test]
fn every_key_of_every_layer_is_in_the_annotated_example_and_back() {
    let layers: [(&str, &[&str]); 10] = [
        ("source", SourceLayer::KEYS),
        ("images", ImagesLayer::KEYS),
        ("output", OutputLayer::KEYS),
        ("token", TokenLayer::KEYS),
        ("filter", FilterLayer::KEYS),
        ("embed", EmbedLayer::KEYS),
        ("cache", CacheLayer::KEYS),
        ("http", HttpLayer::KEYS),
        ("build", BuildLayer::KEYS),
        ("feed", &["name"]),
    ];
    let known = explain::catalogue();
    for (table, keys) in layers {
        for key in keys {
            // A key that is a table (`[output.text]`) is documented by its header.
            let sub_table = format!("{table}.{key}");
            assert!(
                known
                    .iter()
                    .any(|k| (k.table == table && k.key == *key) || k.table == sub_table),
                "{table}.{key} is read from the file, but feedgen.example.toml does not document it"
            );
        }
    }
    for k in &known {
        let (table, key) = (k.table, k.key);
        // `[output.text]` holds the site's words, by text key: not a key of the table.
        if table == "output.text" {
            continue;
        }
        assert!(
            layers
                .iter()
                .any(|(t, keys)| *t == table && keys.contains(&key)),
            "feedgen.example.toml documents {table}.{key}, which no layer reads"
        );
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn line() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("[source]"),
            Just("[images]"),
            Just("[output]"),
            Just("[token]"),
            Just("[http]"),
            Just("[cache]"),
            Just("[filter]"),
            Just("[[feed]]"),
            Just("[feed.source]"),
            Just("name ="),
            Just("max_posts ="),
            Just("widths ="),
            Just("quality ="),
            Just("formats ="),
            Just("dir ="),
            Just("api_base ="),
            Just("html ="),
            Just("timeout ="),
            Just("since ="),
            Just("types ="),
            Just("refresh_days_left ="),
            Just("bogus ="),
        ];
        let value = prop_oneof![
            Just("".to_string()),
            Just("0".to_string()),
            Just("-1".to_string()),
            Just("99999999999".to_string()),
            Just("[320, 640]".to_string()),
            Just("[]".to_string()),
            Just("[\"webp\", \"gif\"]".to_string()),
            Just("\"../x\"".to_string()),
            Just("\"a\"".to_string()),
            Just("2024-01-01".to_string()),
            Just("\"http://evil.example\"".to_string()),
            ".{0,12}",
        ];
        (key, value).prop_map(|(k, v)| {
            if k.starts_with('[') {
                k.to_string()
            } else {
                format!("{k} {v}")
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any text is a config or an error that says where or which key; never a panic.
        #[test]
        fn config_text_parses_or_explains(lines in proptest::collection::vec(line(), 0..8)) {
            let text = lines.join("\n");
            if let Err(e) = Config::parse(&text, Path::new("/site")) {
                let msg = e.to_string();
                prop_assert!(msg.contains("line") || msg.contains('`'), "{}", msg);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,200}") {
            let _ = Config::parse(&text, Path::new("/site"));
        }
    }
}

#[test]
fn a_wrong_value_names_the_line_that_sets_it() {
    let e = err("[source]\nmax_posts = 30\n\n[output]\ncss = true\ncaption_length = 0\n");
    assert!(
        e.contains("`output.caption_length` line 6: must be at least 1"),
        "{e}"
    );
    // In a `[[feed]]` file: the line of the feed that sets it, not another feed's.
    let text = "[source]\nmax_posts = 30\n\n[[feed]]\nname = \"a\"\n[feed.source]\nmax_posts = 10\n\n[[feed]]\nname = \"b\"\n[feed.source]\nmax_posts = 0\n";
    let e = err(text);
    assert!(e.contains("`source.max_posts` of feed `b` line 12:"), "{e}");
    // Set at the top level only: that line.
    let e = err("[source]\nmax_posts = 0\n\n[[feed]]\nname = \"a\"\n");
    assert!(e.contains("`source.max_posts` of feed `a` line 2:"), "{e}");
    // A rule between keys: the line of the key the error names.
    let e = err("[source]\nmax_posts = 600\nscan_limit = 500\n");
    assert!(e.contains("`source.scan_limit` line 3:"), "{e}");
    let e = with_env(
        "",
        EnvOverrides {
            api_base: Some("ftp://x".into()),
            ..EnvOverrides::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("`FEEDGEN_API_BASE`:"),
        "the environment has no line: {e}"
    );
}
