//! Business Discovery: another public professional account read with your
//! own Facebook-Login token, against the fake's discovery flavour
//! (`shared/docs/business-discovery.md` §7): nested cursor paging, the fields
//! it leaves out, the localised "no such account" error, throttling, a
//! revoked token, and a config mixing your own feed with a discovered one.

use crate::support::fake_facebook::FakeDiscoverable;
use crate::support::fake_instagram::Fault;
use crate::support::*;

const IG: &str = "17841400000000001";
const BRAND_ID: &str = "17841401441775531";

/// Your own account's id set, so the only requests are the discovery calls.
fn config(extra: &str) -> String {
    format!(
        "[source]\nkind = \"facebook\"\nig_user_id = \"{IG}\"\nusername = \"bluebottle\"\nmax_posts = 50\ncounts = true\n{extra}[http]\nbackoff_ms = 10\n"
    )
}

/// Six posts of @bluebottle: post 2 is a video with licensed audio (no
/// `media_url`, a poster), post 4 hides its likes, post 5 a reel with
/// downloads off and no poster either.
fn brand(personal: bool) -> (FakeDiscoverable, std::collections::HashMap<String, Vec<u8>>) {
    let (mut posts, images) = account(6);
    for (i, p) in posts.iter_mut().enumerate() {
        p.id = format!("1800000000000{:04}", 7000 - i);
        for (j, c) in p.children.iter_mut().enumerate() {
            c.id = format!("{}{j}", p.id);
        }
        p.caption = Some(format!("Fresh roast number {i}"));
    }
    posts[2].licensed_audio = true;
    posts[5].licensed_audio = true;
    posts[5].no_poster = true;
    let picture = images.keys().next().cloned();
    (
        FakeDiscoverable {
            id: BRAND_ID.into(),
            username: "bluebottle".into(),
            name: "Blue Bottle Coffee".into(),
            followers: 267_788,
            picture,
            posts,
            personal,
        },
        images,
    )
}

fn start(page_size: usize) -> FakeInstagram {
    let (own, mut images) = account(3);
    let (brand, brand_images) = brand(false);
    images.extend(brand_images);
    let fake = FakeInstagram::start_facebook(own, images);
    fake.with(|s| {
        s.max_page_size = page_size;
        s.facebook.as_mut().unwrap().discoverable.push(brand);
    });
    fake
}

fn calls(fake: &FakeInstagram) -> Vec<String> {
    fake.with(|s| s.facebook.as_ref().unwrap().discovery_calls.clone())
}

#[test]
fn two_pages_through_cursors_videos_without_media_url_and_hidden_likes() {
    let fake = start(3);
    let site = Site::new(&config(""));
    let run = site
        .run(&["build", "--report", "json"], &facebook_env(&fake))
        .expect_code(0);

    // One nested request per page, on your own account's node; the second
    // re-issues the call with the first page's `after` cursor.
    let media = "id,caption,media_type,media_product_type,media_url,permalink,thumbnail_url,timestamp,children{id,media_type,media_url,thumbnail_url},like_count,comments_count";
    let profile = "id,username,name,profile_picture_url,followers_count,media_count";
    assert_eq!(
        calls(&fake),
        [
            format!(
                "business_discovery.username(bluebottle){{{profile},media.limit(50){{{media}}}}}"
            ),
            format!(
                "business_discovery.username(bluebottle){{{profile},media.limit(50).after(QVFIUjRU3){{{media}}}}}"
            ),
        ]
    );
    assert_eq!(
        fake.with(|s| s.graph_requests.clone()),
        [format!("/v25.0/{IG}"), format!("/v25.0/{IG}")],
        "no request names a discovered media id"
    );

    let json = site.json();
    assert_eq!(json["account"]["id"], BRAND_ID);
    assert_eq!(json["account"]["username"], "bluebottle");
    assert_eq!(json["account"]["name"], "Blue Bottle Coffee");
    assert_eq!(json["account"]["followers_count"], 267_788);
    assert_eq!(json["account"]["media_count"], 6);
    let posts = json["posts"].as_array().unwrap();
    let ids = post_ids(&json);
    assert_eq!(ids.len(), 5, "{ids:?}");
    // The licensed-audio video keeps its poster.
    let video = &posts[2];
    assert_eq!(video["type"], "video");
    assert_eq!(video["images"][0]["role"], "video_poster");
    // Likes hidden by the owner: no like_count, the comments still there.
    assert!(posts[4].get("like_count").is_none(), "{}", posts[4]);
    assert_eq!(posts[4]["comments_count"], 4);
    assert_eq!(posts[1]["like_count"], 13);

    // The reel with neither a video nor a poster is left out, and counted.
    let r = run.json();
    assert_eq!(r["posts"], 5);
    assert_eq!(r["skipped_posts"], 1);
    let left = r["left_out_posts"].to_string();
    assert!(
        left.contains("18000000000006995") && left.contains("poster"),
        "{left}"
    );
    for t in [FB_USER_TOKEN, FB_PAGE_TOKEN] {
        assert!(!run.stdout.contains(t) && !run.stderr.contains(t));
        for (path, bytes) in tree(&site.out()) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(t),
                "token in {path}"
            );
        }
    }
}

#[test]
fn an_unknown_or_personal_username_is_a_config_error_that_names_it() {
    let fake = start(100);
    let (mut personal, _) = brand(true);
    personal.username = "joe.personal".into();
    fake.with(|s| s.facebook.as_mut().unwrap().discoverable.push(personal));
    for name in ["zuck2", "joe.personal"] {
        let site = Site::new(&config("").replace("bluebottle", name));
        let run = site.run(&["build"], &facebook_env(&fake)).expect_code(2);
        for needle in [
            "source.username",
            &format!("@{name}"),
            "Business or Creator account",
            "personal",
            &format!("instagram.com/{name}"),
        ] {
            run.stderr_has(needle);
        }
        // The server's (Norwegian) user text is not what feedgen tells.
        assert!(!run.stderr.contains("Finner ikke"), "{}", run.stderr);
        assert!(!site.out().exists(), "nothing published");
    }

    // A name that could change the request is refused before any request.
    fake.with(|s| s.facebook.as_mut().unwrap().discovery_calls.clear());
    let site = Site::new(&config("").replace("bluebottle", "x){id},media{id"));
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(2);
    run.stderr_has("is not an Instagram username");
    assert!(calls(&fake).is_empty());
    // And Business Discovery needs Facebook Login.
    let site = Site::new("[source]\nusername = \"bluebottle\"\n");
    let run = site.run(&["build"], &fake_env(&fake)).expect_code(2);
    run.stderr_has("source.kind = \"facebook\"");
}

#[test]
fn platform_throttling_is_waited_out_and_a_revoked_token_keeps_the_last_good_feed() {
    let fake = start(100);
    // Business Discovery is under Platform rate limiting: X-App-Usage, code 17.
    fake.with(|s| {
        s.faults.push_back(Fault::Graph {
            status: 400,
            body: serde_json::json!({"error": {"message": "(#17) User request limit reached",
                "type": "OAuthException", "is_transient": true, "code": 17,
                "fbtrace_id": "AzThrottle"}}),
            headers: vec![(
                "x-app-usage",
                r#"{"call_count":100,"total_cputime":20,"total_time":31}"#.into(),
            )],
        })
    });
    let site = Site::new(&config(""));
    let first = site
        .run(&["build", "--report", "json"], &facebook_env(&fake))
        .expect_code(0);
    let r = first.json();
    assert_eq!(r["posts"], 5);
    assert_eq!(r["api_requests"], 2, "the throttled call, then its retry");
    assert!(
        r["warnings"]
            .to_string()
            .contains("100% of this app's rate limit"),
        "{}",
        r["warnings"]
    );
    let before = tree(&site.out());

    // The token is revoked: the last good feed of @bluebottle is published again.
    fake.with(|s| s.facebook.as_mut().unwrap().user_tokens.clear());
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(3);
    run.stderr_has("last good feed");
    assert_eq!(tree(&site.out()), before, "the output stays as it was");
    assert_eq!(site.json()["account"]["username"], "bluebottle");

    // Offline, the snapshot of the discovered account builds alone.
    let run = site.run(&["build", "--offline"], &[]).expect_code(0);
    assert!(run.stdout.contains("@bluebottle"), "{}", run.stdout);
}

#[test]
fn a_missing_permission_names_the_three_business_discovery_needs() {
    let fake = start(100);
    fake.with(|s| {
        s.sticky_faults = vec![(
            "business_discovery".into(),
            Fault::Graph {
                status: 403,
                body: serde_json::json!({"error": {"message": "(#10) Application does not have permission for this action",
                    "type": "OAuthException", "code": 10, "fbtrace_id": "AzPerm"}}),
                headers: vec![],
            },
        )]
    });
    let site = Site::new(&config(""));
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(3);
    let doctor = site.run(&["doctor"], &facebook_env(&fake)).expect_code(3);
    let fix = doctor
        .stdout
        .lines()
        .find(|l| l.starts_with("  fix: grant"))
        .unwrap_or_else(|| panic!("{}", doctor.stdout))
        .to_string();
    for p in [
        "instagram_basic",
        "instagram_manage_insights",
        "pages_read_engagement",
    ] {
        run.stderr_has(p);
        assert!(fix.contains(p), "{p}: {fix}");
    }
}

#[test]
fn expired_cdn_links_are_renewed_by_reading_the_page_again() {
    let fake = start(100);
    fake.with(|s| s.facebook.as_mut().unwrap().stale_discovery_calls = 1);
    let site = Site::new(&config(""));
    let run = site
        .run(&["build", "--report", "json"], &facebook_env(&fake))
        .expect_code(0);
    let r = run.json();
    assert_eq!(r["posts"], 5, "{}", run.stderr);
    assert!(
        r["media"]["relinked"].as_u64().unwrap() >= 5,
        "{}",
        r["media"]
    );
    // One read, one re-read for every expired link; no per-item request.
    assert_eq!(calls(&fake).len(), 2, "{:?}", calls(&fake));
    assert!(
        fake.with(|s| s
            .graph_requests
            .iter()
            .all(|p| p == &format!("/v25.0/{IG}"))),
        "{:?}",
        fake.with(|s| s.graph_requests.clone())
    );
}

#[test]
fn one_config_shows_your_own_feed_and_a_discovered_one() {
    let fake = start(100);
    fake.with(|s| s.picture = Some(s.posts[0].image.clone()));
    let site = Site::new(&format!(
        "[source]\nkind = \"facebook\"\nig_user_id = \"{IG}\"\n[output]\nheader = true\n[http]\nbackoff_ms = 10\n\
         [[feed]]\nname = \"own\"\n[feed.output]\ndir = \"public/own\"\n\
         [[feed]]\nname = \"brand\"\n[feed.source]\nusername = \"bluebottle\"\n[feed.filter]\ntypes = [\"image\", \"carousel\"]\noverrides = \"brand-overrides.toml\"\n[feed.output]\ndir = \"public/brand\"\n"
    ));
    // Curated like your own: one post hidden, an older one pinned first.
    std::fs::write(
        site.path("brand-overrides.toml"),
        "hide = [\"18000000000007000\"]\npin = [\"18000000000006996\"]\n",
    )
    .unwrap();
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(0);
    let read = |dir: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(site.path(dir).join("feed.json")).unwrap())
            .unwrap()
    };
    let own = read("public/own");
    let brand = read("public/brand");
    assert_eq!(own["account"]["username"], "feedgen.test");
    assert_eq!(post_ids(&own).len(), 3);
    assert_eq!(brand["account"]["username"], "bluebottle");
    // The filter and the overrides work on a discovered account as on your own.
    assert_eq!(
        post_ids(&brand),
        [
            "18000000000006996",
            "18000000000006999",
            "18000000000006997"
        ],
        "{}",
        run.stderr
    );
    // Your own account's header, from the IG User node's profile fields.
    assert_eq!(own["account"]["name"], "Feedgen Test Shop");
    assert_eq!(own["account"]["followers_count"], 42);
    assert!(own["account"]["avatar"]["variants"].is_array(), "{own}");
    assert!(post_ids(&brand).iter().all(|id| id.starts_with("18")));
    assert!(brand["account"]["avatar"]["variants"].is_array(), "{brand}");
    let html = std::fs::read_to_string(site.path("public/brand/feed.html")).unwrap();
    assert!(
        html.contains("Blue Bottle Coffee") && html.contains("@bluebottle"),
        "{html}"
    );
}

#[test]
fn doctor_checks_that_the_username_is_reachable() {
    let fake = start(100);
    let site = Site::new(&config(""));
    let run = site.run(&["doctor"], &facebook_env(&fake)).expect_code(0);
    assert!(
        run.stdout.contains(&format!(
            "✔ account @bluebottle reachable through Business Discovery: id {BRAND_ID}, 6 posts, 267788 followers"
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("✔ media host"), "{}", run.stdout);

    let site = Site::new(&config("").replace("bluebottle", "zuck2"));
    let run = site.run(&["doctor"], &facebook_env(&fake)).expect_code(2);
    assert!(
        run.stdout
            .contains("✘ account: invalid setting `source.username`")
            && run.stdout.contains("@zuck2"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("fix: change `source.username` to the username of a public Business"),
        "{}",
        run.stdout
    );
}

/// A cursor is pasted into the next call's field expansion: one with `)` or
/// `{` would rewrite the request (here, to read the profile's other fields).
#[test]
fn a_cursor_outside_the_graph_alphabet_is_never_sent() {
    let fake = start(3);
    let hostile = "QVFI).limit(100){id,username,name,biography,website}";
    fake.with(|s| s.facebook.as_mut().unwrap().hostile_cursor = Some(hostile.into()));
    let site = Site::new(&config(""));
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(4);
    run.stderr_has("is not one");
    let sent = calls(&fake);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent.iter().all(|c| !c.contains("biography")), "{sent:?}");
}

/// A post of the discovered account embedded in a page: found by the code
/// in its permalink (the `shortcode` field is never asked for), by paging
/// on each build, since another account's post cannot be read by its id.
#[test]
fn an_embedded_post_of_the_discovered_account_is_found_by_paging_each_build() {
    let fake = start(2);
    let site = Site::new(
        &config("max_posts = 1\n[embed]\nposts = [\"Sc004\"]\n").replace("max_posts = 50\n", ""),
    );
    site.run(&["build"], &facebook_env(&fake)).expect_code(0);
    // Six posts in pages of two: the third page holds post 4.
    assert_eq!(calls(&fake).len(), 3, "{:?}", calls(&fake));
    assert!(calls(&fake).iter().all(|c| !c.contains("shortcode")));
    let card = std::fs::read_to_string(site.out().join("embeds/Sc004.html")).unwrap();
    assert!(card.contains("Fresh roast number 4"), "{card}");
    assert!(card.contains("@bluebottle"), "{card}");
    assert_eq!(post_ids(&site.json()).len(), 1, "the feed stays one post");

    fake.with(|s| s.facebook.as_mut().unwrap().discovery_calls.clear());
    fake.reset_counts();
    site.run(&["build"], &facebook_env(&fake)).expect_code(0);
    assert_eq!(calls(&fake).len(), 3, "paged again, never read by id");
    assert!(
        fake.with(|s| s.graph_requests.iter().all(|p| p.ends_with(IG))),
        "no request names a discovered media id"
    );
    assert_eq!(
        std::fs::read_to_string(site.out().join("embeds/Sc004.html")).unwrap(),
        card
    );
}
