//! Token lifecycle against the fake API: refresh policy, persistence, failures,
//! sources and precedence, the token commands, and that no secret ever shows.

use std::os::unix::fs::PermissionsExt;

use chrono::{Duration, Utc};
use feedgen::Token;
use feedgen::token::{self, Obtained, TokenState};

use crate::support::docs::doc_block;
use crate::support::fake_instagram::{APP_ID, APP_SECRET, AUTH_CODE, REDIRECT_URI};
use crate::support::*;

const CONFIG: &str = "[source]\nmax_posts = 10\n[http]\nbackoff_ms = 10\n";

/// Seeds the site's state file and the fake's record of TEST_TOKEN with the same age and expiry.
fn seed(site: &Site, fake: &FakeInstagram, age: Duration, left: Duration) {
    let now = Utc::now();
    let state = TokenState {
        version: token::STATE_VERSION,
        input_fingerprint: token::fingerprint(&Token::new(TEST_TOKEN)),
        token: Token::new(TEST_TOKEN),
        obtained_at: now - age,
        obtained: Obtained::Refreshed,
        expires_at: Some(now + left),
        last_refresh_attempt: None,
        last_refresh_error: None,
    };
    token::save_state(&site.token_state(), &state).unwrap();
    fake.with(|s| {
        let t = s.tokens.get_mut(TEST_TOKEN).unwrap();
        t.issued_at = s.now - age.num_seconds();
        t.expires_at = s.now + left.num_seconds();
    });
}

fn state(site: &Site) -> TokenState {
    token::load_state(&site.token_state())
        .unwrap()
        .expect("a state file")
}

fn refreshes(fake: &FakeInstagram) -> usize {
    fake.with(|s| {
        s.graph_requests
            .iter()
            .filter(|p| p.as_str() == "/refresh_access_token")
            .count()
    })
}

/// No token the fake ever issued, nor the app secret or code, in the run's output.
fn assert_no_secrets(fake: &FakeInstagram, runs: &[&Run]) {
    let mut secrets: Vec<String> = fake.with(|s| s.tokens.keys().cloned().collect());
    secrets.push(APP_SECRET.into());
    secrets.push(AUTH_CODE.into());
    for run in runs {
        for secret in &secrets {
            assert!(
                !run.stdout.contains(secret.as_str()),
                "stdout leaks a secret:\n{}",
                run.stdout
            );
            assert!(
                !run.stderr.contains(secret.as_str()),
                "stderr leaks a secret:\n{}",
                run.stderr
            );
        }
    }
}

#[test]
fn a_day_old_token_near_expiry_is_refreshed_once_and_persisted() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    seed(&site, &fake, Duration::hours(25), Duration::days(20));

    let run = site.build(&fake, &["-vv"]).expect_code(0);
    assert_eq!(refreshes(&fake), 1);
    assert!(
        run.stdout.contains("token: refreshed, 59 days left"),
        "{}",
        run.stdout
    );

    let s = state(&site);
    assert_ne!(s.token.expose(), TEST_TOKEN);
    assert!(
        fake.with(|f| f.tokens.contains_key(s.token.expose())),
        "the issued token is stored"
    );
    assert_eq!(s.obtained, Obtained::Refreshed);
    let expires_in = (s.expires_at.unwrap() - s.obtained_at).num_seconds();
    assert_eq!(
        expires_in, 5_183_944,
        "the API's expires_in, not an assumed 60 days"
    );
    let mode = std::fs::metadata(site.token_state())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let after_refresh: Vec<String> = fake.with(|f| {
        f.tokens_seen
            .iter()
            .skip_while(|t| t.as_str() == TEST_TOKEN)
            .cloned()
            .collect()
    });
    assert!(
        !after_refresh.is_empty() && after_refresh.iter().all(|t| t == s.token.expose()),
        "the feed is fetched with the new token"
    );

    fake.reset_counts();
    let run2 = site.build(&fake, &["-vv"]).expect_code(0);
    assert_eq!(
        refreshes(&fake),
        0,
        "the new token is too young to refresh again"
    );
    assert!(
        fake.with(|f| f.tokens_seen.iter().all(|t| t == s.token.expose())),
        "the stored token is used, not FEEDGEN_TOKEN"
    );
    assert_no_secrets(&fake, &[&run, &run2]);
}

#[test]
fn a_two_hour_old_token_is_not_touched() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    seed(&site, &fake, Duration::hours(2), Duration::days(20));
    let before = std::fs::read(site.token_state()).unwrap();

    let run = site.build(&fake, &[]).expect_code(0);
    assert_eq!(refreshes(&fake), 0);
    assert_eq!(
        before,
        std::fs::read(site.token_state()).unwrap(),
        "state unchanged"
    );
    assert!(run.stdout.contains("token: 19 days left"), "{}", run.stdout);
}

#[test]
fn a_refresh_error_keeps_the_old_token_and_retries_a_day_later() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    seed(&site, &fake, Duration::hours(30), Duration::days(10));
    fake.with(|s| {
        s.refresh_error = Some(FakeError {
            status: 500,
            body: serde_json::json!({"error": {"message": "An unknown error occurred", "type": "OAuthException", "code": 1, "is_transient": true}}),
        })
    });

    let run = site.build(&fake, &[]).expect_code(0);
    run.stderr_has("could not be refreshed");
    assert!(
        run.stderr.contains("expires in 9 days"),
        "warned within 14 days of expiry: {}",
        run.stderr
    );
    let s = state(&site);
    assert_eq!(s.token.expose(), TEST_TOKEN, "the working token is kept");
    assert!(
        s.last_refresh_error
            .as_deref()
            .unwrap()
            .contains("unknown error")
    );
    assert!(
        site.out().join("feed.html").is_file(),
        "the build published"
    );

    fake.reset_counts();
    site.build(&fake, &[]).expect_code(0);
    assert_eq!(refreshes(&fake), 0, "at most one attempt a day");
    assert_no_secrets(&fake, &[&run]);
}

#[test]
fn an_expired_token_fails_cleanly_with_the_output_intact() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    seed(&site, &fake, Duration::hours(2), Duration::days(20));
    site.build(&fake, &[]).expect_code(0);
    let before = tree(&site.out());

    fake.with(|s| s.now += 21 * 86_400); // the fake's clock passes the expiry
    let run = site.build(&fake, &["-vv"]).expect_code(3);
    run.stderr_has("has expired");
    run.stderr_has("Generate token");
    assert_eq!(before, tree(&site.out()));
    assert_no_secrets(&fake, &[&run]);
}

#[test]
fn a_new_token_is_recorded_as_first_seen_and_a_fresh_input_replaces_the_state() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(
        run.stdout
            .contains("expiry not known yet (the API refused a refresh"),
        "{}",
        run.stdout
    );
    let s = state(&site);
    assert_eq!(s.obtained, Obtained::FirstSeen);
    assert_eq!(s.token.expose(), TEST_TOKEN);

    // The user mints a new token and puts it in FEEDGEN_TOKEN: it wins over the state.
    let minted = fake.with(|f| {
        let t = "IGAAminted-NOT-REAL-token-value-0000000000000000000000000000".to_string();
        f.tokens.insert(t.clone(), f.tokens[TEST_TOKEN].clone());
        t
    });
    let mut env = fake_env(&fake);
    env[0].1 = minted.clone();
    fake.reset_counts();
    site.run(&["build"], &env).expect_code(0);
    assert!(fake.with(|f| f.tokens_seen.iter().all(|t| *t == minted)));
    assert_eq!(state(&site).token.expose(), minted);
}

#[test]
fn token_sources_follow_the_documented_precedence() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let file_token = fake.with(|f| {
        let t = "IGAAfromfile-NOT-REAL-token-value-00000000000000000000000000".to_string();
        f.tokens.insert(t.clone(), f.tokens[TEST_TOKEN].clone());
        t
    });
    let site = Site::new(
        "[token]\nfile = \"secret-token.txt\"\n[source]\ntoken = \"IGAAfromconfig-NOT-REAL\"\n",
    );
    std::fs::write(site.path("secret-token.txt"), format!("  {file_token}\n")).unwrap();
    let mut env = fake_env(&fake);
    env.remove(0); // no FEEDGEN_TOKEN: the file beats the config key
    site.run(&["build"], &env).expect_code(0);
    assert!(fake.with(|f| f.tokens_seen.iter().all(|t| *t == file_token)));

    fake.reset_counts();
    std::fs::remove_file(site.token_state()).unwrap();
    site.build(&fake, &[]).expect_code(0); // FEEDGEN_TOKEN beats the file
    assert!(fake.with(|f| f.tokens_seen.iter().all(|t| t == TEST_TOKEN)));

    std::fs::remove_file(site.path("secret-token.txt")).unwrap();
    let run = site.run(&["build"], &env).expect_code(2);
    assert!(
        run.stderr.contains("token.file") && run.stderr.contains("secret-token.txt"),
        "{}",
        run.stderr
    );
}

#[test]
fn status_shows_account_age_and_expiry_but_never_the_token() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    seed(&site, &fake, Duration::hours(25), Duration::days(20));
    let run = site
        .run(&["token", "status"], &fake_env(&fake))
        .expect_code(0);
    for needle in [
        "from FEEDGEN_TOKEN",
        "@feedgen.test",
        "25 h ago",
        "19 days left",
        "due: the next build refreshes it",
    ] {
        assert!(
            run.stdout.contains(needle),
            "status lacks {needle:?}:\n{}",
            run.stdout
        );
    }
    assert_eq!(refreshes(&fake), 0, "status never refreshes");
    // The CI guide's sample shows the same lines, in the same order.
    let labels = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('$'))
            .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        labels(&doc_block("docs/guides/ci.md", "token-status")),
        labels(&run.stdout)
    );

    fake.with(|s| s.error = Some(FakeError::expired_token()));
    let bad = site
        .run(&["token", "status"], &fake_env(&fake))
        .expect_code(3);
    assert!(
        bad.stdout.contains("✘") && bad.stdout.contains("has expired"),
        "{}",
        bad.stdout
    );
    assert_no_secrets(&fake, &[&run, &bad]);
}

#[test]
fn exchange_code_then_build_from_the_stored_long_lived_token() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    let env = vec![
        ("FEEDGEN_APP_SECRET", APP_SECRET.to_string()),
        ("FEEDGEN_OAUTH_BASE", fake.base_url()),
        ("FEEDGEN_API_BASE", fake.base_url()),
        ("FEEDGEN_MEDIA_HOSTS", fake.host()),
    ];
    let code = format!("{AUTH_CODE}#_");
    let args = [
        "token",
        "exchange-code",
        "--app-id",
        APP_ID,
        "--redirect-uri",
        REDIRECT_URI,
        "--code",
        &code,
    ];
    let run = site.run(&args, &env).expect_code(0);
    assert!(
        run.stdout.contains("user id 17841405793187218"),
        "ids above 2^53 keep every digit: {}",
        run.stdout
    );
    let s = state(&site);
    assert_eq!(s.obtained, Obtained::Exchanged);
    assert!(fake.with(|f| f.tokens[s.token.expose()].long_lived));

    // No FEEDGEN_TOKEN: the build uses the stored long-lived token.
    let build = site.run(&["build"], &env).expect_code(0);
    assert!(build.stdout.contains("1 posts"), "{}", build.stdout);

    let again = site.run(&args, &env).expect_code(4);
    assert!(
        again.stderr.contains("has been used") && again.stderr.contains("authorize again"),
        "{}",
        again.stderr
    );

    let mut no_secret = env.clone();
    no_secret.remove(0);
    let missing = site.run(&args, &no_secret).expect_code(2);
    missing.stderr_has("FEEDGEN_APP_SECRET");
    assert_no_secrets(&fake, &[&run, &build, &again, &missing]);
}

#[test]
fn exchange_turns_a_short_token_from_stdin_into_a_long_lived_one() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let short = fake.short_lived_token();
    let site = Site::new(CONFIG);
    let env = [
        ("FEEDGEN_APP_SECRET", APP_SECRET.to_string()),
        ("FEEDGEN_API_BASE", fake.base_url()),
    ];
    let run = site
        .run_with_stdin(&["token", "exchange"], &env, &format!("{short}\n"))
        .expect_code(0);
    assert!(
        run.stdout.contains("expires") && run.stdout.contains("(60 days)"),
        "{}",
        run.stdout
    );
    let s = state(&site);
    assert_eq!(s.obtained, Obtained::Exchanged);
    assert_ne!(s.token.expose(), short);
    assert_no_secrets(&fake, &[&run]);
}

#[test]
fn export_writes_the_token_in_use_to_a_private_file_only() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    seed(&site, &fake, Duration::hours(25), Duration::days(20));
    site.build(&fake, &[]).expect_code(0); // refreshes
    let current = state(&site).token.expose().to_string();
    let run = site
        .run(
            &["token", "export", "--file", "new-token"],
            &fake_env(&fake),
        )
        .expect_code(0);
    assert_eq!(
        std::fs::read_to_string(site.path("new-token")).unwrap(),
        current
    );
    let mode = std::fs::metadata(site.path("new-token"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert!(run.stdout.contains("the refreshed one"), "{}", run.stdout);
    assert_no_secrets(&fake, &[&run]);
}

#[test]
fn retired_token_kinds_get_the_migration_path_without_a_request() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    for (token, needle) in [
        ("IGQVJX-fake-NOT-REAL-token", "2024-12-04"),
        (
            "1234567.1677ed0.0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "2020-06-29",
        ),
    ] {
        let mut env = fake_env(&fake);
        env[0].1 = token.to_string();
        let run = site.run(&["build"], &env).expect_code(3);
        run.stderr_has(needle);
        run.stderr_has("Business or Creator");
        assert!(!run.stderr.contains(token));
    }
    assert_eq!(fake.with(|s| s.graph_requests.len()), 0);
}

#[test]
fn a_crash_while_writing_the_state_leaves_the_previous_token_readable() {
    let site = Site::new(CONFIG);
    let now = Utc::now();
    let state_v1 = TokenState {
        version: token::STATE_VERSION,
        input_fingerprint: "x".into(),
        token: Token::new("IGAAprevious-NOT-REAL"),
        obtained_at: now,
        obtained: Obtained::Refreshed,
        expires_at: None,
        last_refresh_attempt: None,
        last_refresh_error: None,
    };
    token::save_state(&site.token_state(), &state_v1).unwrap();
    // What a kill during the next write leaves: a half-written temp file beside it.
    std::fs::write(site.cache(".feedgen-tmp-abc123"), "{\"version\": 1, \"tok").unwrap();
    assert_eq!(state(&site).token.expose(), "IGAAprevious-NOT-REAL");
    let mode = std::fs::metadata(site.token_state())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

/// Every form of code 190 that Meta documents or that users have posted from
/// the live API, with the words feedgen must answer each with. Several come
/// without `error_subcode`, as graph.instagram.com sends them.
const FORMS_OF_190: [(Option<i64>, &str, &str); 9] = [
    (
        None,
        "Error validating access token: Session has expired on Friday, 13-Mar-20 08:00:00 PDT. The current time is Monday, 16-Mar-20 01:20:10 PDT.",
        "has expired",
    ),
    (
        Some(463),
        "Error validating access token: Session has expired on Friday, 11-Sep-20 06:41:31 PDT. The current time is Wednesday, 18-Nov-20 06:50:07 PST.",
        "has expired",
    ),
    (
        None,
        "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
        "was invalidated",
    ),
    (
        Some(460),
        "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
        "was invalidated",
    ),
    (
        None,
        "Error validating access token: The session was invalidated explicitly using an API call.",
        "was invalidated",
    ),
    (
        None,
        "Error validating access token: User 17841400000000001 has not authorized application 1234567890.",
        "has not authorized this app",
    ),
    (
        Some(458),
        "Error validating access token: The user has not logged in to your app.",
        "has not authorized this app",
    ),
    (
        None,
        "Invalid OAuth access token - Cannot parse access token",
        "not valid for this API",
    ),
    (
        None,
        "Something Meta has not said before",
        "without saying why",
    ),
];

#[test]
fn each_form_of_190_is_named_for_what_it_is() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    for (subcode, message, said) in FORMS_OF_190 {
        let mut error = serde_json::json!({"message": message, "type": "OAuthException", "code": 190, "fbtrace_id": "AxYz"});
        if let Some(s) = subcode {
            error["error_subcode"] = s.into();
        }
        fake.with(|s| {
            s.error = Some(FakeError {
                status: 400,
                body: serde_json::json!({ "error": error }),
            })
        });
        let run = site.build(&fake, &[]).expect_code(3);
        assert!(
            run.stderr.contains(said),
            "{subcode:?} {message}: {}",
            run.stderr
        );
        if said != "not valid for this API" {
            assert!(
                !run.stderr.contains("mistyped"),
                "{message}: a guess where the API said why: {}",
                run.stderr
            );
        }
        let doctor = site.run(&["doctor"], &fake_env(&fake));
        assert!(
            doctor.stdout.contains(said),
            "doctor, {message}: {}",
            doctor.stdout
        );
    }
}

#[test]
fn unsupported_get_request_on_the_account_names_the_likely_causes() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    for (kind, message) in [
        (
            "IGApiException",
            "Unsupported get request. Object with ID 'me' does not exist, cannot be loaded due to missing permissions, or does not support this operation",
        ),
        (
            "GraphMethodException",
            "Unsupported request - method type: get",
        ),
    ] {
        fake.with(|s| {
            s.error = Some(FakeError {
                status: 400,
                body: serde_json::json!({"error": {"message": message, "type": kind, "code": 100, "error_subcode": 33, "fbtrace_id": "AxYz"}}),
            })
        });
        let run = site.build(&fake, &[]).expect_code(3);
        let err = &run.stderr;
        let tester = err.find("tester invitation").expect(err);
        let business = err.find("Business or Creator").expect(err);
        let other_app = err.find("another app").expect(err);
        assert!(tester < business && business < other_app, "{err}");
    }
}

#[test]
fn a_token_first_seen_is_refreshed_once_it_has_worked() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);

    // Under 24 h old: the API refuses; that is expected, so no warning, and no
    // second attempt the same day.
    let site = Site::new(CONFIG);
    let run = site.build(&fake, &[]).expect_code(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(refreshes(&fake), 1);
    assert!(state(&site).last_refresh_attempt.is_some());
    site.build(&fake, &[]).expect_code(0);
    assert_eq!(refreshes(&fake), 1, "retried only after 24 h");

    // Ten days old, and the state file lost (a CI job without a cache): the
    // first build refreshes and knows the real expiry at once.
    fake.with(|s| s.tokens.get_mut(TEST_TOKEN).unwrap().issued_at = s.now - 10 * 86_400);
    let fresh = Site::new(CONFIG);
    let run = fresh.build(&fake, &[]).expect_code(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(refreshes(&fake), 2);
    let s = state(&fresh);
    assert_eq!(s.obtained, Obtained::Refreshed);
    assert_ne!(s.token.expose(), TEST_TOKEN);
    let days = (s.expires_at.unwrap() - Utc::now()).num_days();
    assert!((59..=60).contains(&days), "{days}");
    let status = fresh
        .run(&["token", "status"], &fake_env(&fake))
        .expect_code(0);
    assert!(
        status.stdout.contains("59 days") || status.stdout.contains("60 days"),
        "{}",
        status.stdout
    );

    // A refresh may hand back the same token string: that works too.
    let again = Site::new(CONFIG);
    fake.with(|s| {
        let body: &'static str = Box::leak(
            format!(
                r#"{{"access_token":"{TEST_TOKEN}","token_type":"bearer","expires_in":5183944}}"#
            )
            .into_boxed_str(),
        );
        s.sticky_faults = vec![(
            "refresh_access_token".into(),
            crate::support::fake_instagram::Fault::Reflect { status: 200, body },
        )];
    });
    again.build(&fake, &[]).expect_code(0);
    let s = state(&again);
    assert_eq!(
        (s.obtained, s.token.expose()),
        (Obtained::Refreshed, TEST_TOKEN)
    );
    again.build(&fake, &[]).expect_code(0);
}
