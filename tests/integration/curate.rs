//! Which posts a feed shows, judged on the JSON data file: `[filter]` (types,
//! hashtags, dates, reels) applied while fetching, and the site's overrides
//! file (hide, pin, alt text, captions).

use chrono::{DateTime, Utc};

use crate::support::*;

fn media_pages(fake: &FakeInstagram) -> usize {
    fake.with(|s| {
        s.graph_requests
            .iter()
            .filter(|p| p.ends_with("/media"))
            .count()
    })
}

fn day(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn the_filter_reads_on_until_enough_posts_pass_and_downloads_only_those() {
    let (mut posts, images) = account(30);
    for i in [0, 4] {
        posts[i].caption = Some(format!("Sponsored post {i} #Ad"));
    }
    // What the filter should pass, worked out here on the fake's own data.
    let wanted: Vec<String> = posts
        .iter()
        .filter(|p| p.media_type != "VIDEO")
        .filter(|p| {
            !p.caption
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .contains("#ad")
        })
        .take(4)
        .map(|p| p.id.clone())
        .collect();
    let images_of_wanted: usize = posts
        .iter()
        .filter(|p| wanted.contains(&p.id))
        .map(|p| p.children.len().max(1))
        .sum();
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.max_page_size = 5);
    let site = Site::new(
        "[source]\nmax_posts = 4\n[filter]\ntypes = [\"image\", \"carousel\"]\nexclude_hashtags = [\"#ad\"]\n[http]\nbackoff_ms = 10\n",
    );
    site.build(&fake, &[]).expect_code(0);
    let json = site.json();
    assert_eq!(post_ids(&json), wanted);
    for p in json["posts"].as_array().unwrap() {
        assert_ne!(p["type"], "video", "{p}");
    }
    // 8 posts were read to find 4: two pages of 5, not all six.
    assert_eq!(media_pages(&fake), 2);
    assert_eq!(
        fake.with(|s| s.cdn_requests),
        images_of_wanted,
        "no image of a post left out was downloaded"
    );

    // Hashtags to require: only posts tagged #test (post 3 has no caption).
    let site = Site::new(
        "[source]\nmax_posts = 3\n[filter]\ninclude_hashtags = [\"TEST\"]\n[http]\nbackoff_ms = 10\n",
    );
    site.build(&fake, &[]).expect_code(0);
    let json = site.json();
    let captions: Vec<&str> = json["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["caption"].as_str().unwrap())
        .collect();
    assert_eq!(
        captions,
        [
            "Post number 1 #test",
            "Post number 2 #test",
            "Post number 5 #test"
        ]
    );
}

#[test]
fn a_date_range_stops_reading_at_since_and_reels_can_be_left_out() {
    let (posts, images) = account(20);
    let ts = |i: usize| posts[i].timestamp;
    let config = format!(
        "[source]\nmax_posts = 50\n[filter]\nsince = {}\nuntil = \"{}\"\nexclude_reels = true\n[http]\nbackoff_ms = 10\n",
        day(ts(12)),
        day(ts(3)),
    );
    let expected: Vec<String> = (3..=12)
        .filter(|&i| posts[i].product() != "REELS")
        .map(|i| posts[i].id.clone())
        .collect();
    assert!(expected.len() < 10, "a reel is in the range");
    assert!(
        (3..=12).any(|i| posts[i].media_type == "VIDEO" && posts[i].product() == "FEED"),
        "and a video that is no reel"
    );
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.max_page_size = 5);
    let site = Site::new(&config);
    site.build(&fake, &[]).expect_code(0);
    assert_eq!(post_ids(&site.json()), expected);
    // Post 13, the first before `since`, is on the third page: no fourth is read.
    assert_eq!(media_pages(&fake), 3);
}

const OVERRIDES: &str = r#"
hide = ["https://www.instagram.com/p/Sc000/?igsh=abc123", "ID1"]
pin = ["ID25", "https://www.instagram.com/reel/Sc002/", "instagram.com/p/Sc029/"]

[post."ID3"]
alt = "Three kayaks on a lake at dawn"

[post."https://www.instagram.com/p/Sc004/"]
caption = "Edited by the site"
"#;

#[test]
fn overrides_hide_pin_and_edit_posts_and_fetch_an_old_pinned_one_by_id() {
    let (posts, images) = account(30);
    let id = |i: usize| posts[i].id.clone();
    let overrides = OVERRIDES
        .replace("ID1", &id(1))
        .replace("ID25", &id(25))
        .replace("ID3", &id(3));
    let expected = [id(25), id(2), id(3), id(4), id(5)];
    let fake = FakeInstagram::start(posts.clone(), images);
    fake.with(|s| s.max_page_size = 10);
    let site = Site::new(
        "[source]\nmax_posts = 5\ncounts = true\n[filter]\noverrides = \"overrides.toml\"\n[http]\nbackoff_ms = 10\n",
    );
    std::fs::write(site.path("overrides.toml"), &overrides).unwrap();
    let run = site.build(&fake, &[]).expect_code(0);

    let json = site.json();
    assert_eq!(
        post_ids(&json),
        expected,
        "pinned first, in pin order; hidden never"
    );
    let post = |i: usize| {
        json["posts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id(i))
            .unwrap()
            .clone()
    };
    assert_eq!(post(3)["alt"], "Three kayaks on a lake at dawn");
    assert_eq!(post(4)["caption"], "Edited by the site");
    assert_eq!(
        post(5)["like_count"],
        53,
        "counts on graph.instagram.com too"
    );
    // One page of the listing, then the pinned post 25 by its id.
    assert_eq!(
        fake.with(|s| s.graph_requests.clone()),
        [
            "/me".to_string(),
            "/me/media".into(),
            format!("/{}", id(25)),
            "/refresh_access_token".into(),
        ]
    );
    assert!(
        run.stderr
            .contains("pinned post https://www.instagram.com/p/Sc029/ is not among the")
            && run.stderr.contains("pin it by its media id"),
        "{}",
        run.stderr
    );
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    assert!(
        html.contains("alt=\"Three kayaks on a lake at dawn\""),
        "{html}"
    );

    // The snapshot keeps the posts as Instagram sent them: an override taken
    // out takes its effect out, offline too.
    std::fs::write(
        site.path("overrides.toml"),
        overrides.replace("caption = \"Edited by the site\"", "alt = \"An album\""),
    )
    .unwrap();
    fake.reset_counts();
    site.run(&["build", "--offline"], &[]).expect_code(0);
    assert_eq!(fake.with(|s| s.graph_requests.len()), 0);
    let json = site.json();
    assert_eq!(post_ids(&json), expected);
    let caption = json["posts"][3]["caption"].as_str().unwrap();
    assert_eq!(caption, posts[4].caption.as_deref().unwrap());

    // Counts turned off show no more, though the snapshot has them.
    let config = std::fs::read_to_string(site.path("feedgen.toml")).unwrap();
    std::fs::write(
        site.path("feedgen.toml"),
        config.replace("counts = true", "counts = false"),
    )
    .unwrap();
    site.run(&["build", "--offline"], &[]).expect_code(0);
    let json = site.json();
    assert!(
        json["posts"][4].get("like_count").is_none(),
        "{}",
        json["posts"][4]
    );
}

#[test]
fn a_bad_overrides_file_names_the_file_and_the_entry() {
    let site = Site::new("[filter]\noverrides = \"overrides.toml\"\n");
    std::fs::write(site.path("overrides.toml"), "hide = [\"my best post\"]\n").unwrap();
    let run = site.run(&["build", "--offline"], &[]).expect_code(2);
    assert!(
        run.stderr.contains("overrides.toml")
            && run.stderr.contains("`my best post` is neither a media id"),
        "{}",
        run.stderr
    );
    std::fs::write(site.path("overrides.toml"), "pin = [\n").unwrap();
    let run = site.run(&["build", "--offline"], &[]).expect_code(2);
    assert!(
        run.stderr.contains("overrides.toml") && run.stderr.contains("TOML parse error at line"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(site.path("overrides.toml")).unwrap();
    let run = site.run(&["build", "--offline"], &[]).expect_code(2);
    run.stderr_has("cannot read the overrides file");
}

/// A reel not shared to the profile grid (`is_shared_to_feed: false`, trial
/// reels too) is hidden, as Instagram's grid hides it, also when the feed is
/// rebuilt from its snapshot; `unshared_reels` shows it, `only_reels` makes
/// a Reels-tab feed.
#[test]
fn reels_off_the_profile_grid_are_hidden_as_on_instagram() {
    let (mut posts, images) = account(12);
    let reels: Vec<String> = posts
        .iter()
        .filter(|p| p.product() == "REELS")
        .map(|p| p.id.clone())
        .collect();
    assert_eq!(reels.len(), 2, "account(12) has two reels");
    posts
        .iter_mut()
        .find(|p| p.id == reels[0])
        .unwrap()
        .shared_to_feed = Some(false);
    let all: Vec<String> = posts.iter().map(|p| p.id.clone()).collect();
    let fake = FakeInstagram::start(posts, images);
    let shown = |filter: &str, extra: &[&str]| {
        let site = Site::new(&format!("[source]\nmax_posts = 50\n[filter]\n{filter}\n"));
        site.build(&fake, &[]).expect_code(0);
        if !extra.is_empty() {
            site.build(&fake, extra).expect_code(0);
        }
        post_ids(&site.json())
    };
    let without = |id: &String| all.iter().filter(|x| *x != id).cloned().collect::<Vec<_>>();
    assert_eq!(shown("", &[]), without(&reels[0]), "the grid's posts");
    assert_eq!(
        shown("", &["--offline"]),
        without(&reels[0]),
        "the snapshot remembers which reel is off the grid"
    );
    assert_eq!(shown("unshared_reels = true", &[]), all);
    assert_eq!(shown("only_reels = true", &[]), vec![reels[1].clone()]);
    assert_eq!(
        shown("only_reels = true\nunshared_reels = true", &[]),
        reels
    );
    Site::new("[output]\nlayout = \"masonry\"\ntile = \"portrait\"\n")
        .build(&fake, &[])
        .expect_code(2)
        .stderr_has("output.tile");
    Site::new("[filter]\nonly_reels = true\nexclude_reels = true\n")
        .build(&fake, &[])
        .expect_code(2)
        .stderr_has("filter.only_reels");
}
