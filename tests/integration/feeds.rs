//! Several feeds in one config, built in one run: their own accounts, tokens,
//! layouts and folders; one shared client and content store; and a feed that
//! fails alone, keeping its last good output while the others publish.

use std::collections::BTreeSet;

use crate::support::*;

const CONFIG: &str = r#"
[source]
max_posts = 10
[http]
backoff_ms = 10

[[feed]]
name = "photos"

[[feed]]
name = "shop"
[feed.source]
kind = "facebook"
counts = true
[feed.token]
env = "FEEDGEN_TOKEN_SHOP"
[feed.output]
layout = "carousel"
label = "Shop"
"#;

/// Both fakes' variables: each feed reads its own token and host.
fn env(photos: &FakeInstagram, shop: &FakeInstagram) -> Vec<(&'static str, String)> {
    vec![
        ("FEEDGEN_TOKEN", TEST_TOKEN.into()),
        ("FEEDGEN_API_BASE", photos.base_url()),
        ("FEEDGEN_TOKEN_SHOP", FB_USER_TOKEN.into()),
        ("FEEDGEN_FACEBOOK_API_BASE", shop.base_url()),
        (
            "FEEDGEN_MEDIA_HOSTS",
            format!("{},{}", photos.host(), shop.host()),
        ),
    ]
}

fn json_of(site: &Site, feed: &str) -> serde_json::Value {
    let text =
        std::fs::read_to_string(site.path(&format!("public/feed/{feed}/feed.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn media_files(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|it| {
            it.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn two_feeds_build_in_one_run_and_a_dead_token_keeps_only_its_last_good_output() {
    let (posts, images) = account(5);
    let photos = FakeInstagram::start(posts, images);
    let (posts, images) = account(3);
    let shop = FakeInstagram::start_facebook(posts, images);
    shop.with(|s| s.username = "shop.test".into());
    let site = Site::new(CONFIG);

    let first = site.run(&["build"], &env(&photos, &shop)).expect_code(0);
    assert!(
        first
            .stdout
            .contains("feedgen [photos]: 5 posts from @feedgen.test via the API")
            && first
                .stdout
                .contains("feedgen [shop]: 3 posts from @shop.test via the API"),
        "{}",
        first.stdout
    );
    // Each feed its own folder, layout, token and host; records apart, one store.
    assert_eq!(post_ids(&json_of(&site, "photos")).len(), 5);
    assert_eq!(json_of(&site, "shop")["account"]["username"], "shop.test");
    let shop_html = std::fs::read_to_string(site.path("public/feed/shop/feed.html")).unwrap();
    assert!(shop_html.contains("feedgen--carousel") && shop_html.contains("aria-label=\"Shop\""));
    assert!(photos.with(|s| s.tokens_seen.iter().all(|t| t == TEST_TOKEN)));
    assert!(shop.with(|s| s.tokens_seen.iter().all(|t| t == FB_USER_TOKEN)));
    for feed in ["photos", "shop"] {
        assert!(
            site.cache(&format!("feeds/{feed}/snapshot/feed.json"))
                .is_file()
        );
        assert!(
            site.cache(&format!("feeds/{feed}/token-state.json"))
                .is_file()
        );
    }
    // The same photos on both accounts are encoded once, into the one store.
    let store = media_files(&site.cache("media"));
    let photos_media = media_files(&site.path("public/feed/photos/media"));
    let shop_media = media_files(&site.path("public/feed/shop/media"));
    assert!(
        !photos_media.is_disjoint(&shop_media),
        "shared images share files"
    );
    assert_eq!(
        store,
        &photos_media | &shop_media,
        "the store holds exactly what the outputs use"
    );

    // A new post on one account; the other account's token is revoked.
    photos.with(|s| {
        let mut newest = s.posts[0].clone();
        newest.id = "17900000000099999".into();
        newest.timestamp += 3600;
        newest.shortcode = "New001".into();
        s.posts.insert(0, newest);
    });
    shop.with(|s| s.facebook.as_mut().unwrap().user_tokens.clear());
    let shop_before = tree(&site.path("public/feed/shop"));
    shop.reset_counts();
    let second = site.run(&["build"], &env(&photos, &shop)).expect_code(3);
    assert!(
        second.stdout.contains("feedgen [photos]: 6 posts"),
        "{}",
        second.stdout
    );
    assert_eq!(
        post_ids(&json_of(&site, "photos"))[0],
        "17900000000099999",
        "photos published"
    );
    assert_eq!(
        tree(&site.path("public/feed/shop")),
        shop_before,
        "shop kept its output"
    );
    assert!(
        second
            .stderr
            .contains("warning: [shop] the API failed, so the last good feed")
            && second
                .stderr
                .contains("error: [shop] The access token is not valid for graph.facebook.com"),
        "{}",
        second.stderr
    );
    assert!(
        !second.stderr.contains("[photos] the API failed"),
        "{}",
        second.stderr
    );
    // The store still holds every file either output uses.
    let store = media_files(&site.cache("media"));
    assert!(store.is_superset(&media_files(&site.path("public/feed/shop/media"))));
    assert!(store.is_superset(&media_files(&site.path("public/feed/photos/media"))));

    // The JSON report has one entry per feed.
    let report = site
        .run(&["build", "--report", "json"], &env(&photos, &shop))
        .expect_code(3);
    let report: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    let feeds = report["feeds"].as_array().unwrap();
    assert_eq!(feeds[0]["feed"], "photos");
    assert_eq!(feeds[0]["origin"], "api");
    assert_eq!(feeds[1]["feed"], "shop");
    assert_eq!(feeds[1]["source"], "facebook");
    assert_eq!(feeds[1]["stale"]["exit_code"], 3);

    // --feed builds only the feeds named; the other's API is not called.
    shop.reset_counts();
    site.run(&["build", "--feed", "photos"], &env(&photos, &shop))
        .expect_code(0);
    assert_eq!(shop.with(|s| s.graph_requests.len()), 0);
    let run = site
        .run(&["build", "--feed", "nope"], &env(&photos, &shop))
        .expect_code(2);
    assert!(
        run.stderr
            .contains("no feed is named `nope`; the config has `photos`, `shop`"),
        "{}",
        run.stderr
    );
}

#[test]
fn offline_with_out_writes_each_feed_into_its_own_folder() {
    let (posts, images) = account(2);
    let photos = FakeInstagram::start(posts, images);
    let (posts, images) = account(2);
    let shop = FakeInstagram::start_facebook(posts, images);
    let site = Site::new(CONFIG);
    site.run(&["build"], &env(&photos, &shop)).expect_code(0);
    let run = site
        .run(&["build", "--offline", "--out", "elsewhere"], &[])
        .expect_code(0);
    assert!(
        run.stdout
            .contains("[shop]: 2 posts from @feedgen.test from the snapshot (offline)"),
        "{}",
        run.stdout
    );
    for feed in ["photos", "shop"] {
        assert!(
            site.path(&format!("elsewhere/{feed}/feed.html")).is_file(),
            "{feed}"
        );
    }
}

#[test]
fn feeds_that_would_share_a_folder_are_refused_by_name() {
    let site = Site::new(
        "[[feed]]\nname = \"a\"\n[feed.output]\ndir = \"out\"\n[[feed]]\nname = \"b\"\n[feed.output]\ndir = \"out\"\n",
    );
    let run = site.run(&["build"], &[]).expect_code(2);
    assert!(
        run.stderr.contains("the feeds `a` and `b` would share")
            && run.stderr.contains("feedgen.toml"),
        "{}",
        run.stderr
    );
    let site = Site::new("[[feed]]\nname = \"a\"\n[feed.source]\nmax_posts = 0\n");
    let run = site.run(&["build"], &[]).expect_code(2);
    assert!(
        run.stderr
            .contains("invalid setting `source.max_posts` of feed `a`"),
        "{}",
        run.stderr
    );
}

#[test]
fn two_feeds_of_one_account_download_each_image_once() {
    let (posts, images) = account(6);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(
        "[build]\nconcurrency = 2\n[http]\nbackoff_ms = 10\n[[feed]]\nname = \"grid\"\n[[feed]]\nname = \"videos\"\n[feed.filter]\ntypes = [\"video\", \"carousel\"]\n[feed.output]\nlayout = \"masonry\"\n",
    );
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(
        run.stdout.contains("[grid]: 6 posts") && run.stdout.contains("[videos]: 4 posts"),
        "{}",
        run.stdout
    );
    // Six posts with 10 images. Reading one account, the feeds are built one
    // after the other even with concurrency 2: the second links the originals
    // the first downloaded (the same bytes by name) and reuses its variants.
    assert_eq!(fake.with(|s| s.cdn_requests), 10);
    assert!(
        run.stdout.contains(
            "[videos]: 4 posts from @feedgen.test via the API (3 requests); images: 0 downloaded, 0 decoded, 0 variants made"
        ),
        "{}",
        run.stdout
    );
    let grid = media_files(&site.path("public/feed/grid/media"));
    let videos = media_files(&site.path("public/feed/videos/media"));
    assert!(
        videos
            .iter()
            .filter(|f| !f.ends_with(".css"))
            .all(|f| grid.contains(f))
    );
}

/// Going from one feed to several leaves nothing of the one feed in the
/// folder that now holds a folder per feed: it would be deployed forever.
#[test]
fn going_from_one_feed_to_several_leaves_no_stale_output() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("[http]\nbackoff_ms = 10\n");
    site.build(&fake, &[]).expect_code(0);
    assert!(site.out().join("feed.html").is_file());
    std::fs::write(
        site.path("feedgen.toml"),
        "[http]\nbackoff_ms = 10\n[[feed]]\nname = \"all\"\n[[feed]]\nname = \"photos\"\n[feed.filter]\ntypes = [\"image\"]\n",
    )
    .unwrap();
    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has("old files are removed");
    let left: BTreeSet<String> = std::fs::read_dir(site.out())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        BTreeSet::from(["all".to_string(), "photos".to_string()])
    );
    assert!(site.out().join("photos/feed.html").is_file());
    // A folder feedgen never published into keeps its files.
    let mine = site.path("public/feed/../notes.txt");
    std::fs::write(&mine, "mine").unwrap();
    site.build(&fake, &[]).expect_code(0);
    assert!(mine.is_file());
}
