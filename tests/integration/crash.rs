//! Builds killed with SIGKILL at random moments never leave a broken output.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;

/// The output folder is absent, or whole: documents (the JSON data file
/// signed by feedgen, which is how the next build knows the folder is its
/// own), and every file the HTML and JSON refer to; HTML and JSON describe
/// the same posts.
fn assert_consistent(out: &std::path::Path) {
    if !out.exists() {
        return;
    }
    let html = std::fs::read_to_string(out.join("feed.html")).expect("feed.html");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("feed.json")).expect("feed.json"))
            .expect("valid JSON");
    assert!(
        json["generator"].as_str().unwrap().starts_with("feedgen "),
        "the JSON data file says who wrote the folder"
    );
    for (url, _) in html_urls(&html) {
        if !url.starts_with("https://") {
            assert!(
                out.join(&url).is_file(),
                "the HTML refers to a missing {url}"
            );
        }
    }
    let posts = json["posts"].as_array().unwrap();
    for v in posts
        .iter()
        .flat_map(|p| p["images"].as_array().unwrap())
        .flat_map(|i| i["variants"].as_array().unwrap())
    {
        assert!(
            out.join(v["url"].as_str().unwrap()).is_file(),
            "the JSON refers to a missing file"
        );
    }
    assert_eq!(
        html.matches("<li class=\"feedgen-item").count(),
        posts.len(),
        "HTML and JSON agree"
    );
}

#[test]
fn builds_killed_at_random_moments_leave_the_old_or_the_new_output_whole() {
    const RUNS: u64 = 50;
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("");
    let mut rng = fastrand::Rng::with_seed(20_261_123);
    // Kill points are drawn over 1.5× the duration of one full build on this
    // machine, so the test interrupts every phase however fast CI is.
    site.build(&fake, &[]).expect_code(0); // downloads once
    std::fs::write(
        site.path("feedgen.toml"),
        "[images]\nwidths = [160, 320]\nquality = 99\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    site.build(&fake, &[]).expect_code(0);
    let span = (started.elapsed().as_millis() as u64 * 3 / 2).max(50);
    let mut killed = 0;
    for i in 0..RUNS {
        // A new quality each run: every variant is encoded again, so there is work to interrupt.
        let config = format!(
            "[images]\nwidths = [160, 320]\nquality = {}\n[http]\nbackoff_ms = 10\n",
            50 + i % 40
        );
        std::fs::write(site.path("feedgen.toml"), config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_feedgen"))
            .arg("build")
            .current_dir(site.dir.path())
            .env_clear()
            .envs(fake_env(&fake))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.u64(0..span)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        child.wait().unwrap();
        assert_consistent(&site.out());
    }
    let last = site.build(&fake, &[]).expect_code(0);
    eprintln!("{}", last.stdout.trim());
    assert_consistent(&site.out());
    let leftovers: Vec<_> = std::fs::read_dir(site.path("public"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    eprintln!(
        "crash test: {killed} of {RUNS} builds killed with SIGKILL within {span} ms; output consistent after every one"
    );
    assert!(
        killed >= 5,
        "the test must really interrupt builds ({killed} killed)"
    );
    assert!(
        killed <= RUNS - 5,
        "some builds must finish, so swaps are interrupted too ({killed} killed)"
    );
}
