//! The command line as a new user meets it: init, doctor, build, reports,
//! completions, and the Hugo guide's walkthrough (the `--help` pages are
//! docs/reference/cli.md, generated and checked by docs.rs).

use std::process::Command;

use crate::support::docs::{doc_block, run_line};
use crate::support::fake_instagram::Fault;
use crate::support::*;

/// Whether the tool `name` runs; [`missing`] when not.
pub fn have_tool(name: &str) -> bool {
    let found = Command::new(name).arg("version").output().is_ok();
    if !found {
        missing(name);
    }
    found
}

#[test]
fn init_writes_an_annotated_config_and_refuses_to_overwrite() {
    let site = Site::new("");
    std::fs::remove_file(site.path("feedgen.toml")).unwrap();
    let run = site.run(&["init"], &[]).expect_code(0);
    assert!(
        run.stdout.contains("wrote ./feedgen.toml"),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(site.path("feedgen.toml")).unwrap();
    for key in [
        "max_posts = 24",
        "widths = [320, 640, 1080]",
        "refresh_days_left = 30",
        "retry_budget = 120",
    ] {
        assert!(text.contains(key), "{key} missing");
    }
    let again = site.run(&["init"], &[]).expect_code(2);
    again.stderr_has("--force");
    let astro = site
        .run(&["init", "--force", "--ssg", "astro"], &[])
        .expect_code(0);
    assert!(
        astro.stdout.contains("feedgen/astro")
            && astro.stdout.contains("feedgen/InstagramFeed.astro"),
        "init --ssg astro points at the loader: {}",
        astro.stdout
    );
    assert!(
        std::fs::read_to_string(site.path("feedgen.toml"))
            .unwrap()
            .contains("dir = \"public/feed\"")
    );
}

/// The Hugo guide's walkthrough, command by command as a user types it, on
/// the oldest and the newest Hugo (each making its own fresh site): init's
/// output word for word, doctor's checks in order, one summary line, a site
/// that shows the feed and runs no caption as template or script.
#[test]
fn the_readme_hugo_walkthrough_runs_as_written() {
    let transcript = doc_block("docs/guides/hugo.md", "hugo-walkthrough");
    for (hugo, _) in crate::plugins::hugo_releases() {
        hugo_walkthrough(&transcript, &hugo);
    }
}

fn hugo_walkthrough(transcript: &str, hugo: &std::path::Path) {
    let (mut posts, images) = account(3);
    posts[0].caption = Some("{{ site.Title }} {{< shortcode >}} <script>alert(1)</script>".into());
    let fake = FakeInstagram::start(posts, images);
    let root = tempfile::tempdir().unwrap();
    // `feedgen` and this `hugo` on the PATH, as installed.
    let bin = root.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_feedgen"), bin.join("feedgen")).unwrap();
    let hugo = which(hugo);
    std::os::unix::fs::symlink(&hugo, bin.join("hugo")).unwrap();
    let mut env = vec![(
        "PATH",
        format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
    )];
    let mut dir = root.path().to_path_buf();

    // The transcript: `$ command` lines, each followed by what it printed.
    let mut steps: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in transcript.lines() {
        match line.strip_prefix("$ ") {
            Some(command) => steps.push((command, Vec::new())),
            None => steps.last_mut().unwrap().1.push(line),
        }
    }
    for (command, printed) in steps {
        if let Some(sub) = command.strip_prefix("cd ") {
            dir = dir.join(sub);
            continue;
        }
        if let Some((name, _)) = command
            .strip_prefix("export ")
            .and_then(|a| a.split_once('='))
        {
            // The guide elides the token; the fake's stands in.
            assert_eq!(name, "FEEDGEN_TOKEN");
            env.extend(fake_env(&fake));
            continue;
        }
        let out = run_line(command, &dir, &env);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let said: Vec<&str> = said.lines().collect();
        match command.split_whitespace().take(2).collect::<Vec<_>>()[..] {
            ["feedgen", "init"] => assert_eq!(said, printed, "{command}"),
            ["feedgen", "doctor"] => {
                let checks = |lines: &[&str]| -> Vec<String> {
                    lines
                        .iter()
                        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
                        .collect()
                };
                assert_eq!(checks(&said), checks(&printed), "{}", said.join("\n"));
            }
            ["feedgen", "build"] => {
                assert_eq!(said.len(), 1, "{said:?}");
                assert!(
                    said[0].starts_with("feedgen: ") && said[0].contains(" → ./static/feed in "),
                    "{}",
                    said[0]
                );
                assert!(printed[0].contains(" → ./static/feed in "), "{printed:?}");
            }
            _ => {}
        }
    }
    let page = std::fs::read_to_string(dir.join("public/index.html")).unwrap();
    assert_eq!(page.matches("class=\"feedgen-item").count(), 3, "{page}");
    assert!(!page.contains("<script>alert"), "markup stays text");
    for (url, _) in html_urls(&page) {
        if let Some(rel) = url.strip_prefix("/feed/") {
            assert!(
                dir.join("public/feed").join(rel).is_file(),
                "{url} missing from the built site"
            );
        }
    }
}

/// The full path of a command (a bare name is looked up on the PATH).
fn which(cmd: &std::path::Path) -> std::path::PathBuf {
    if cmd.components().count() > 1 {
        return cmd.to_path_buf();
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(cmd))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{} is not on the PATH", cmd.display()))
}

#[test]
fn doctor_names_each_problem_with_its_fix() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("[output]\ndir = \"mine\"\n");
    std::fs::create_dir_all(site.path("mine")).unwrap();
    std::fs::write(site.path("mine/index.html"), "x").unwrap();
    let mut env = fake_env(&fake);
    env.remove(0);
    let run = site.run(&["doctor"], &env).expect_code(3);
    assert!(
        run.stdout
            .contains("✘ token: none given\n  fix: set FEEDGEN_TOKEN"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("✘ output folder") && run.stdout.contains("did not write"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("✔ config is valid"), "{}", run.stdout);

    fake.with(|s| s.error = Some(FakeError::expired_token()));
    let expired = site.run(&["doctor"], &fake_env(&fake)).expect_code(3);
    // The API is the judge: a refused token never gets a ✔ line first.
    assert!(
        expired
            .stdout
            .contains("✘ token from FEEDGEN_TOKEN: refused by the API")
            && expired.stdout.contains("has expired"),
        "{}",
        expired.stdout
    );
    assert!(!expired.stdout.contains("✔ token"), "{}", expired.stdout);
    assert!(!expired.stdout.contains(TEST_TOKEN) && !expired.stderr.contains(TEST_TOKEN));
}

/// Every `✘` line of `out` is followed by a `fix:` that stands on its own.
fn assert_fixes_stand_alone(case: &str, out: &str) {
    let lines: Vec<&str> = out.lines().collect();
    let failures: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with('✘'))
        .collect();
    assert!(!failures.is_empty(), "{case}: no failing check\n{out}");
    for i in failures {
        // A message may span lines (a config snippet); its fix ends it.
        let fix = lines[i + 1..]
            .iter()
            .take_while(|l| !l.starts_with(['✘', '✔']))
            .find_map(|l| l.strip_prefix("  fix: "))
            .unwrap_or_else(|| panic!("{case}: no fix after {}\n{out}", lines[i]));
        for vague in ["see the message", "above", "named", "the message says"] {
            assert!(
                !fix.contains(vague),
                "{case}: the fix points elsewhere ({vague}): {fix}"
            );
        }
        assert!(
            fix.split(' ').count() >= 6,
            "{case}: a fix too short to follow: {fix}"
        );
    }
    assert!(
        !out.contains("previous output"),
        "{case}: doctor builds nothing, so it keeps no previous output\n{out}"
    );
}

#[test]
fn every_failing_doctor_check_ends_with_a_fix_to_follow() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let env = fake_env(&fake);
    let with_token = |token: &str| {
        let mut e = fake_env(&fake);
        e[0].1 = token.into();
        e
    };
    let doctor = |case: &str, config: &str, env: &[(&str, String)], prepare: &dyn Fn(&Site)| {
        let site = Site::new(config);
        prepare(&site);
        let run = site.run(&["doctor"], env);
        assert_ne!(run.code, 0, "{case}: doctor passed\n{}", run.stdout);
        assert_fixes_stand_alone(case, &run.stdout);
        run.stdout
    };
    let nothing = |_: &Site| {};

    let out = doctor(
        "a value of the wrong type",
        "[source]\nmax_posts = \"12\"\n",
        &env,
        &nothing,
    );
    assert!(out.contains("fix: correct line 2"), "{out}");
    let out = doctor(
        "an out-of-range value",
        "[images]\nquality = 0\n",
        &env,
        &nothing,
    );
    assert!(out.contains("fix: change `images.quality`"), "{out}");
    doctor(
        "a damaged token state",
        "[token]\nstate = \"state.json\"\n",
        &env,
        &|site| std::fs::write(site.path("state.json"), "{not json").unwrap(),
    );
    doctor(
        "an unreadable token file",
        "[token]\nfile = \"missing-token.txt\"\n",
        &[],
        &nothing,
    );
    let mut no_token = env.clone();
    no_token.remove(0);
    doctor("no token", "", &no_token, &nothing);
    doctor(
        "a Basic Display token",
        "",
        &with_token("IGQVJWZAkRBasicDisplay123"),
        &nothing,
    );
    let out = doctor(
        "a Facebook token on the Instagram host",
        "",
        &with_token("EAAGm0PX4ZCpsBAFacebook123"),
        &nothing,
    );
    assert!(out.contains("fix: set source.kind = \"facebook\""), "{out}");

    fake.with(|s| s.error = Some(FakeError::expired_token()));
    let out = doctor("an expired token", "", &env, &nothing);
    assert!(
        out.contains("fix: generate a new long-lived token"),
        "{out}"
    );
    fake.with(|s| s.error = None);

    fake.with(|s| {
        s.sticky_faults
            .push(("/me?".into(), Fault::throttle(400, 4, 60)))
    });
    let out = doctor(
        "the app's rate limit",
        "[http]\nretries = 0\n",
        &env,
        &nothing,
    );
    assert!(
        out.contains("fix: wait for the rate limit to reset"),
        "{out}"
    );
    fake.with(|s| s.sticky_faults.clear());

    let mut unreachable = env.clone();
    unreachable[1].1 = "http://127.0.0.1:9".into();
    let out = doctor(
        "an unreachable API",
        "[http]\nretries = 0\n",
        &unreachable,
        &nothing,
    );
    assert!(
        out.contains("fix: check that this machine reaches 127.0.0.1"),
        "{out}"
    );

    fake.with(|s| {
        s.sticky_faults
            .push(("/media?".into(), Fault::unavailable()))
    });
    doctor(
        "a failing media list",
        "[http]\nretries = 0\n",
        &env,
        &nothing,
    );
    fake.with(|s| s.sticky_faults.clear());

    let mut other_cdn = env.clone();
    other_cdn[2].1 = "cdn.example.org".into();
    doctor("a media host not allowed", "", &other_cdn, &nothing);

    doctor(
        "a broken overrides file",
        "[filter]\noverrides = \"overrides.toml\"\n",
        &env,
        &|site| std::fs::write(site.path("overrides.toml"), "nonsense = 1\n").unwrap(),
    );
    doctor("a foreign output folder", "", &env, &|site| {
        std::fs::create_dir_all(site.out()).unwrap();
        std::fs::write(site.out().join("index.html"), "theirs").unwrap();
    });
    doctor("variants missing from the store", "", &env, &|site| {
        site.build(&fake, &[]).expect_code(0);
        let media = site.cache("media");
        let first = tree(&media)
            .into_keys()
            .find(|f| f.ends_with(".webp"))
            .unwrap();
        std::fs::remove_file(media.join(first)).unwrap();
    });
}

#[test]
fn report_json_and_quiet() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("");
    let run = site.build(&fake, &["--report", "json"]).expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["posts"], 2);
    assert_eq!(report["origin"], "api");
    assert_eq!(report["media"]["downloaded"], 4);
    assert_eq!(report["token"]["origin"], "FEEDGEN_TOKEN");

    let quiet = site.build(&fake, &["--quiet"]).expect_code(0);
    assert_eq!(quiet.stdout, "");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = Command::new(env!("CARGO_BIN_EXE_feedgen"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("feedgen") && text.contains("doctor"),
            "{shell}"
        );
    }
}

#[test]
fn paths_says_where_each_feeds_files_go_without_building() {
    let site = Site::new(
        "[output]\ndir = \"static/feed\"\nbase_url = \"/feed/\"\nhtml = \"insta.html\"\n[[feed]]\nname = \"a\"\n[[feed]]\nname = \"b\"\n",
    );
    let run = site.run(&["paths"], &[]).expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let feeds = doc["feeds"].as_array().unwrap();
    assert_eq!(feeds.len(), 2);
    assert_eq!(feeds[1]["name"], "b");
    assert_eq!(feeds[1]["dir"], "./static/feed/b");
    assert_eq!(feeds[1]["base_url"], "/feed/b/");
    assert_eq!(feeds[1]["html"], "insta.html");
    assert_eq!(feeds[1]["json"], "feed.json");
    assert_eq!(
        feeds[1]["token_state"],
        "./.feedgen-cache/feeds/b/token-state.json"
    );
    assert!(!site.path("static").exists(), "nothing built");
}

#[test]
fn init_again_says_the_file_is_kept_and_how_to_replace_it() {
    let site = Site::new("");
    std::fs::remove_file(site.path("feedgen.toml")).unwrap();
    site.run(&["init"], &[]).expect_code(0);
    let again = site.run(&["init"], &[]).expect_code(2);
    assert_eq!(
        again.stderr.trim_end(),
        "error: ./feedgen.toml already exists, so `feedgen init` left it as it is. Edit it, or run `feedgen init --force` to write it anew (your changes to it are then lost)"
    );
}

#[test]
fn report_json_is_one_document_with_its_duration_whatever_happens() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("[http]\nbackoff_ms = 10\n");
    let doc = |run: &crate::support::Run| -> serde_json::Value {
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {:?}", run.stdout))
    };
    // Success: the report, with duration_ms last.
    let ok = site.build(&fake, &["--report", "json"]).expect_code(0);
    let report = doc(&ok);
    assert_eq!(report["posts"], 2);
    assert!(report["duration_ms"].is_u64(), "{report}");
    // A first build whose token is refused: the error and its exit code.
    let fresh = Site::new("[http]\nbackoff_ms = 10\n");
    fake.with(|s| s.error = Some(FakeError::expired_token()));
    let failed = fresh.build(&fake, &["--report", "json"]).expect_code(3);
    let report = doc(&failed);
    assert_eq!(report["exit_code"], 3);
    assert!(
        report["error"].as_str().unwrap().contains("expired"),
        "{report}"
    );
    assert!(report["duration_ms"].is_u64());
    // A config that does not load.
    let broken = Site::new("[source]\nmax_posts = -1\n");
    let run = broken.build(&fake, &["--report", "json"]).expect_code(2);
    assert_eq!(doc(&run)["exit_code"], 2);
    // Several feeds: every feed, and the run's duration.
    let feeds =
        Site::new("[[feed]]\nname = \"a\"\n[[feed]]\nname = \"b\"\n[http]\nbackoff_ms = 10\n");
    let run = feeds.build(&fake, &["--report", "json"]).expect_code(3);
    let report = doc(&run);
    assert_eq!(report["feeds"].as_array().unwrap().len(), 2);
    assert!(report["duration_ms"].is_u64());
}

#[test]
fn a_token_of_the_other_login_is_named_before_any_request() {
    let (posts, images) = account(1);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("");
    let mut env = fake_env(&fake);
    env[0].1 = "EAAGm0PX4ZCpsBAFacebookLoginToken123".into();
    let run = site.run(&["build"], &env).expect_code(3);
    assert!(
        run.stderr.contains("This is a Facebook-Login token (EAA…)")
            && run.stderr.contains("source.kind = \"facebook\""),
        "{}",
        run.stderr
    );
    let doctor = site.run(&["doctor"], &env).expect_code(3);
    assert!(
        doctor
            .stdout
            .contains("fix: set source.kind = \"facebook\" in feedgen.toml"),
        "{}",
        doctor.stdout
    );
    assert_eq!(fake.with(|s| s.graph_requests.len()), 0, "no request spent");

    // And the reverse: an Instagram-Login token on graph.facebook.com.
    let fb = Site::new("[source]\nkind = \"facebook\"\n");
    let run = fb.run(&["build"], &fake_env(&fake)).expect_code(3);
    assert!(
        run.stderr
            .contains("This is an Instagram-Login token (IGAA…)"),
        "{}",
        run.stderr
    );
    assert_eq!(fake.with(|s| s.graph_requests.len()), 0);
}

#[test]
fn help_ends_with_examples_the_token_variable_and_the_docs() {
    let out = Command::new(env!("CARGO_BIN_EXE_feedgen"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("Examples:\n  feedgen init --ssg hugo"),
        "{help}"
    );
    assert!(
        help.contains("FEEDGEN_TOKEN   the long-lived access token"),
        "{help}"
    );
    assert!(help.contains("Documentation: https://"), "{help}");
}

#[test]
fn init_names_the_command_the_user_runs() {
    for (invoked, expect) in [
        (None, "feedgen doctor, feedgen build"),
        (Some("npx feedgen"), "npx feedgen doctor, npx feedgen build"),
        (Some("feedgen\n::error::x"), "feedgen doctor, feedgen build"),
    ] {
        let site = Site::new("");
        std::fs::remove_file(site.path("feedgen.toml")).unwrap();
        let env: Vec<(&str, String)> = invoked
            .map(|v| vec![("FEEDGEN_INVOKED_AS", v.to_string())])
            .unwrap_or_default();
        let run = site.run(&["init"], &env).expect_code(0);
        let then = run.stdout.lines().find(|l| l.starts_with("then:")).unwrap();
        assert!(then.ends_with(expect), "{invoked:?}: {then}");
        assert!(!run.stdout.contains("::error"));
    }
}

/// The config init writes takes the `[[feed]]` tables its own comment shows:
/// it sets no path that feeds cannot share.
#[test]
fn the_init_config_takes_the_feeds_its_comment_suggests() {
    let site = Site::new("");
    std::fs::remove_file(site.path("feedgen.toml")).unwrap();
    site.run(&["init"], &[]).expect_code(0);
    let written = std::fs::read_to_string(site.path("feedgen.toml")).unwrap();
    let example: String = written
        .lines()
        .skip_while(|l| !l.starts_with("# [[feed]]"))
        .map(|l| l.strip_prefix("# ").unwrap_or(l.trim_start_matches('#')))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(example.contains("[[feed]]"), "{written}");
    std::fs::write(site.path("feedgen.toml"), format!("{written}\n{example}\n")).unwrap();
    let run = site.run(&["paths"], &[]).expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let feeds = doc["feeds"].as_array().unwrap();
    assert_eq!(feeds.len(), 2, "{}", run.stdout);
    assert_ne!(feeds[0]["token_state"], feeds[1]["token_state"]);
}
