//! The Facebook-Login source against the fake graph.facebook.com: finding the
//! Instagram business account through the token's Pages, paging, counts,
//! errors, and the token exchange that yields a Page token.

use crate::support::fake_facebook::FakePage;
use crate::support::fake_instagram::{APP_ID, APP_SECRET, Fault};
use crate::support::*;

const CONFIG: &str =
    "[source]\nkind = \"facebook\"\nmax_posts = 50\ncounts = true\n[http]\nbackoff_ms = 10\n";
const IG: &str = "17841400000000001";

fn requests(fake: &FakeInstagram) -> Vec<String> {
    fake.with(|s| s.graph_requests.clone())
}

/// No token of the fake in any output file or stream.
fn assert_no_tokens(site: &Site, runs: &[&Run]) {
    let secrets = [
        FB_USER_TOKEN,
        FB_PAGE_TOKEN,
        FB_SHORT_TOKEN,
        TEST_TOKEN,
        APP_SECRET,
    ];
    for run in runs {
        for t in secrets {
            assert!(
                !run.stdout.contains(t) && !run.stderr.contains(t),
                "a token leaked"
            );
        }
    }
    for (path, bytes) in tree(&site.out()) {
        let text = String::from_utf8_lossy(&bytes);
        for t in secrets {
            assert!(!text.contains(t), "a token leaked into {path}");
        }
    }
}

#[test]
fn a_user_token_finds_the_account_through_its_pages_and_reads_every_page_of_media() {
    let (posts, images) = account(7);
    let fake = FakeInstagram::start_facebook(posts, images);
    fake.with(|s| {
        s.max_page_size = 3;
        s.facebook.as_mut().unwrap().max_accounts_page = 1;
    });
    let site = Site::new(CONFIG);
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(0);
    assert!(
        run.stdout.contains("7 posts from @feedgen.test"),
        "{}",
        run.stdout
    );

    assert_eq!(
        requests(&fake),
        [
            // The Pages, one per page of /me/accounts, then which has Instagram.
            "/v25.0/me/accounts",
            "/v25.0/10000000000001/accounts",
            "/v25.0/100000000000011",
            "/v25.0/100000000000012",
            // The Instagram business account, then its media, 3 per page.
            &format!("/v25.0/{IG}"),
            &format!("/v25.0/{IG}/media"),
            &format!("/v25.0/{IG}/media"),
            &format!("/v25.0/{IG}/media"),
        ]
        .map(String::from)
    );
    assert!(fake.with(|s| s.tokens_seen.iter().all(|t| t == FB_USER_TOKEN)));

    let json = site.json();
    let posts = json["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 7);
    // Counts where the API gives them; post 4's owner hides its likes.
    assert_eq!(posts[1]["like_count"], 13);
    assert_eq!(posts[1]["comments_count"], 1);
    assert!(posts[4].get("like_count").is_none(), "{}", posts[4]);
    assert_eq!(posts[4]["comments_count"], 4);
    let html = std::fs::read_to_string(site.out().join("feed.html")).unwrap();
    assert!(html.contains("13 likes"), "counts are shown: {html}");
    assert_no_tokens(&site, &[&run]);
}

#[test]
fn a_page_token_is_its_own_page_and_ig_user_id_skips_the_lookup() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start_facebook(posts, images);
    let site = Site::new(CONFIG);
    let mut env = facebook_env(&fake);
    env[0].1 = FB_PAGE_TOKEN.into();
    site.run(&["build"], &env).expect_code(0);
    assert_eq!(
        requests(&fake)[..3],
        [
            "/v25.0/me/accounts".to_string(),
            "/v25.0/me".into(),
            format!("/v25.0/{IG}")
        ],
        "a Page has no accounts edge: it is asked about itself"
    );

    fake.reset_counts();
    let site = Site::new(&CONFIG.replace(
        "kind = \"facebook\"",
        &format!("kind = \"facebook\"\nig_user_id = \"{IG}\"\napi_version = \"v22.0\""),
    ));
    site.run(&["build"], &facebook_env(&fake)).expect_code(0);
    assert_eq!(
        requests(&fake)[..2],
        [format!("/v22.0/{IG}"), format!("/v22.0/{IG}/media")],
        "no discovery, and the configured version"
    );
}

#[test]
fn several_instagram_accounts_ask_which_one_and_none_says_how_to_connect_one() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start_facebook(posts, images);
    fake.with(|s| {
        s.facebook.as_mut().unwrap().pages.push(FakePage {
            id: "100000000000013".into(),
            name: "Second Shop".into(),
            ig_user_id: Some("17841400000000099".into()),
            token: "EAAtest-page-token-third-NOT-REAL-000000000000000000000".into(),
        })
    });
    let site = Site::new(CONFIG);
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(2);
    for needle in [
        "source.ig_user_id",
        "Page Feedgen Test Shop (page_id 100000000000012) → ig_user_id 17841400000000001",
        "Page Second Shop (page_id 100000000000013) → ig_user_id 17841400000000099",
    ] {
        run.stderr_has(needle);
    }
    // Naming the Page picks its account, with one request for the lookup.
    fake.reset_counts();
    let site = Site::new(&CONFIG.replace(
        "kind = \"facebook\"",
        "kind = \"facebook\"\npage_id = \"100000000000013\"",
    ));
    // The fake serves only the first account: "Unsupported get request" on the
    // account node means this token cannot read it, a token problem (exit 3).
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(3);
    run.stderr_has("cannot read this Instagram account");
    assert_eq!(
        requests(&fake)[..2],
        [
            "/v25.0/100000000000013".to_string(),
            "/v25.0/17841400000000099".into()
        ]
    );
    run.stderr_has("17841400000000099");

    fake.with(|s| {
        for p in &mut s.facebook.as_mut().unwrap().pages {
            p.ig_user_id = None;
        }
    });
    let site = Site::new(CONFIG);
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(3);
    for needle in [
        "none of its Facebook Pages (Bakery Events, Feedgen Test Shop, Second Shop) has an Instagram business account connected",
        "pages_show_list",
        "Linked accounts",
    ] {
        run.stderr_has(needle);
    }
}

#[test]
fn an_instagram_login_token_on_the_facebook_host_says_which_kind_to_use() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start_facebook(posts, images);
    let site = Site::new(CONFIG);
    let mut env = facebook_env(&fake);
    env[0].1 = TEST_TOKEN.into();
    let run = site.run(&["build"], &env).expect_code(3);
    assert!(
        run.stderr.contains("not valid for graph.facebook.com")
            && run.stderr.contains("source.kind = \"instagram\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Graph API Explorer"),
        "the Facebook remedy: {}",
        run.stderr
    );
    assert_no_tokens(&site, &[&run]);
}

#[test]
fn throttling_is_retried_and_a_revoked_token_keeps_the_last_good_feed() {
    let (posts, images) = account(4);
    let fake = FakeInstagram::start_facebook(posts, images);
    fake.with(|s| s.faults.push_back(Fault::throttle(403, 4, 0)));
    let site = Site::new(CONFIG);
    let first = site.run(&["build"], &facebook_env(&fake)).expect_code(0);
    assert!(first.stdout.contains("4 posts"), "{}", first.stdout);
    let before = tree(&site.out());

    fake.with(|s| s.facebook.as_mut().unwrap().user_tokens.clear());
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(3);
    run.stderr_has("last good feed");
    assert_eq!(tree(&site.out()), before, "the output stays as it was");
    assert_no_tokens(&site, &[&first, &run]);
}

#[test]
fn token_exchange_stores_a_page_token_that_later_builds_use() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start_facebook(posts, images);
    let site = Site::new(CONFIG);
    let mut env = facebook_env(&fake);
    env[0].1 = FB_SHORT_TOKEN.into();
    let mut with_app = env.clone();
    with_app.push(("FEEDGEN_APP_ID", APP_ID.into()));
    with_app.push(("FEEDGEN_APP_SECRET", APP_SECRET.into()));
    let exchange = site.run(&["token", "exchange"], &with_app).expect_code(0);
    assert!(
        exchange.stdout.contains("Feedgen Test Shop")
            && exchange.stdout.contains("does not expire"),
        "{}",
        exchange.stdout
    );
    let state = feedgen::token::load_state(&site.token_state())
        .unwrap()
        .unwrap();
    assert_eq!(state.token.expose(), FB_PAGE_TOKEN);
    assert_eq!(state.expires_at, None);

    let status = site.run(&["token", "status"], &env).expect_code(0);
    assert!(status.stdout.contains("@feedgen.test"), "{}", status.stdout);
    assert!(
        status.stdout.contains("refresh   never"),
        "{}",
        status.stdout
    );
    let refresh = site.run(&["token", "refresh"], &env).expect_code(2);
    refresh.stderr_has("token exchange");

    fake.reset_counts();
    site.run(&["build"], &env).expect_code(0);
    assert!(
        fake.with(|s| s.tokens_seen.iter().all(|t| t == FB_PAGE_TOKEN)),
        "the Page token replaced the short-lived one"
    );
    let doctor = site.run(&["doctor"], &env).expect_code(0);
    assert!(
        doctor
            .stdout
            .contains("through the Facebook Page Feedgen Test Shop"),
        "{}",
        doctor.stdout
    );
    assert_no_tokens(&site, &[&exchange, &status, &refresh, &doctor]);
}

#[test]
fn an_id_from_the_api_that_is_not_digits_never_reaches_a_path() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start_facebook(posts, images);
    fake.with(|s| s.facebook.as_mut().unwrap().pages[1].ig_user_id = Some("../me/accounts".into()));
    let site = Site::new(CONFIG);
    let run = site.run(&["build"], &facebook_env(&fake)).expect_code(4);
    assert!(
        run.stderr
            .contains("\"../me/accounts\" is not a string of digits"),
        "{}",
        run.stderr
    );
    assert!(
        !requests(&fake)
            .iter()
            .any(|p| p.contains("..") || p.ends_with("/me/accounts/media"))
    );
}
