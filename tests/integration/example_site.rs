//! The README's first command: the example site builds offline from the shipped snapshot.

use crate::support::*;

#[test]
fn example_site_builds_from_the_shipped_snapshot() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("example-site");
    // Build a copy, so tests never write into the repository.
    let site = Site::new(&std::fs::read_to_string(repo.join("feedgen.toml")).unwrap());
    for (rel, bytes) in tree(&repo.join("sample-snapshot")) {
        let dest = site.path("sample-snapshot").join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
    let snapshot_before = tree(&site.path("sample-snapshot"));

    let run = site.run(&["build"], &[]).expect_code(0);
    assert!(run.stdout.contains("10 posts"), "{}", run.stdout);
    assert!(
        run.stdout.contains("13 decoded"),
        "every sample photo and the profile picture went through the pipeline: {}",
        run.stdout
    );
    assert!(
        run.stderr.is_empty(),
        "no warnings expected: {}",
        run.stderr
    );

    let page = std::fs::read_to_string(site.path("public/index.html")).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert_eq!(page.matches("<li class=\"feedgen-item").count(), 10);
    assert!(
        page.contains("<header class=\"feedgen-header p-author h-card\">")
            && page.contains("Feedgen Sample"),
        "the profile header is on"
    );
    assert!(page.contains("feedgen-item--carousel") && page.contains("feedgen-item--video"));
    let urls = html_urls(&page);
    for (url, width) in &urls {
        if url.starts_with("https://") || url.starts_with("data:") {
            continue;
        }
        let bytes = std::fs::read(site.path("public").join(url))
            .unwrap_or_else(|_| panic!("missing {url}"));
        if let Some(w) = width {
            assert_eq!(
                feedgen::media::pipeline::inspect(&bytes).unwrap().0,
                *w,
                "{url}"
            );
        }
    }
    assert_eq!(
        snapshot_before,
        tree(&site.path("sample-snapshot")),
        "an offline build never touches the snapshot"
    );
}
