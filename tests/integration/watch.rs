//! `feedgen watch` as a user runs it: edit a theme, add a width, break and fix
//! the config, and watch the output follow without API calls.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::support::docs::doc_block;
use crate::support::*;

struct Watch {
    child: std::process::Child,
    lines: Receiver<String>,
}

impl Watch {
    fn start(site: &Site, fake: &FakeInstagram) -> Watch {
        Watch::start_with(site, &["watch"], fake_env(fake))
    }

    fn start_with(site: &Site, args: &[&str], env: Vec<(&str, String)>) -> Watch {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedgen"));
        cmd.args(args);
        Watch::spawn(site, cmd, env)
    }

    /// `feedgen ARGS` run by bash after `ulimit LIMIT` (as a shell or a CI
    /// runner would have set it).
    fn start_limited(site: &Site, limit: &str, args: &[&str]) -> Watch {
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(format!("ulimit {limit} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_feedgen"))
            .args(args);
        let path = std::env::var("PATH").unwrap_or_default();
        Watch::spawn(site, cmd, vec![("PATH", path)])
    }

    fn spawn(site: &Site, mut cmd: Command, env: Vec<(&str, String)>) -> Watch {
        let mut child = cmd
            .current_dir(site.dir.path())
            .env_clear()
            .envs(env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Watch { child, lines: rx }
    }

    /// The next line containing `needle`, within `limit`.
    fn expect(&self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("no line with {needle:?} within {limit:?}"),
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_rerenders_on_theme_and_config_changes_without_api_calls() {
    let (posts, images) = account(3); // 5 images
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(
        "[output]\ntheme_dir = \"theme\"\n[images]\nwidths = [160, 320]\n[http]\nbackoff_ms = 10\n",
    );
    std::fs::create_dir_all(site.path("theme")).unwrap();
    let watch = Watch::start(&site, &fake);
    let start = watch.expect("start: 3 posts", Duration::from_secs(30));
    let watching = watch.expect("watching", Duration::from_secs(5));
    fake.reset_counts();

    // A theme edit: re-rendered within 2 s, no API call, no decode.
    let saved = Instant::now();
    std::fs::write(
        site.path("theme/light.css"),
        ".feedgen { --feedgen-bg: #123456; }\n",
    )
    .unwrap();
    let line = watch.expect("theme:", Duration::from_secs(2));
    let took = saved.elapsed();
    assert!(
        line.contains("0 API requests, 0 downloaded, 0 decoded, 0 variants made"),
        "{line}"
    );
    assert!(css_of(&site).contains("#123456"));
    // The lines docs/watch.md shows are these, numbers and timings aside.
    let shape = |line: &str| -> String {
        let line = line.split(" in ").next().unwrap();
        let mut out = String::new();
        for c in line.chars() {
            if c.is_ascii_digit() {
                if !out.ends_with('N') {
                    out.push('N');
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    let sample = doc_block("docs/watch.md", "watch-output");
    let shown: Vec<String> = sample.lines().map(shape).collect();
    assert_eq!(shown, [&start, &watching, &line].map(|l| shape(l)));
    assert_eq!(fake.with(|s| s.graph_requests.len() + s.cdn_requests), 0);
    eprintln!(
        "theme saved → output re-rendered in {} ms",
        took.as_millis()
    );

    // A new width: only the new variants (5 images × 2 formats), still offline.
    std::fs::write(
        site.path("feedgen.toml"),
        "[output]\ntheme_dir = \"theme\"\n[images]\nwidths = [160, 240, 320]\n[http]\nbackoff_ms = 10\n",
    )
    .unwrap();
    let line = watch.expect("config:", Duration::from_secs(10));
    assert!(
        line.contains("0 API requests, 0 downloaded, 5 decoded, 10 variants made"),
        "{line}"
    );

    // A broken config: reported, the watcher lives on, the output stays.
    let before = std::fs::read(site.out().join("feed.html")).unwrap();
    std::fs::write(site.path("feedgen.toml"), "[images]\nwidths = \"oops\"\n").unwrap();
    let line = watch.expect("error", Duration::from_secs(10));
    assert!(line.contains("config"), "{line}");
    assert_eq!(before, std::fs::read(site.out().join("feed.html")).unwrap());
    std::fs::write(
        site.path("feedgen.toml"),
        "[output]\ntheme_dir = \"theme\"\ntheme = \"dark\"\n[images]\nwidths = [160, 240, 320]\n",
    )
    .unwrap();
    let line = watch.expect("config:", Duration::from_secs(10));
    assert!(line.contains("0 decoded"), "{line}");
    assert_eq!(
        fake.with(|s| s.graph_requests.len() + s.cdn_requests),
        0,
        "no API call while editing"
    );
}

fn http_get(addr: &str, path: &str) -> String {
    http_get_as(addr, path, addr)
}

/// A GET with this `Host` header.
fn http_get_as(addr: &str, path: &str, host: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn serve_shows_the_feed_and_reloads_the_page_after_a_rebuild() {
    use std::io::{Read, Write};
    let site = Site::new(
        "[source]\noffline = true\nsnapshot = \"snapshot\"\n[output]\ntheme_dir = \"theme\"\n",
    );
    std::fs::create_dir_all(site.path("theme")).unwrap();
    copy_sample_snapshot(&site.path("snapshot"));
    let watch = Watch::start_with(&site, &["watch", "--serve", "127.0.0.1:0"], vec![]);
    let line = watch.expect("serving http://", Duration::from_secs(30));
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    watch.expect("watching", Duration::from_secs(5));

    let page = http_get(&addr, "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert_eq!(page.matches("class=\"feedgen-item").count(), 10);
    assert!(page.contains("EventSource(\"/__feedgen/events\")"));
    let css_href = stylesheet_href(&page);
    assert!(http_get(&addr, &format!("/{css_href}")).contains("text/css"));
    assert!(
        http_get(&addr, "/../feedgen.toml").starts_with("HTTP/1.1 404"),
        "nothing outside the output"
    );
    // DNS rebinding: a page on another name that resolves to 127.0.0.1.
    for path in ["/", "/feed.json", "/__feedgen/events"] {
        let answer = http_get_as(&addr, path, "attacker.example:8000");
        assert!(answer.starts_with("HTTP/1.1 403"), "{path}: {answer}");
    }
    let port = addr.rsplit(':').next().unwrap();
    assert!(http_get_as(&addr, "/", &format!("localhost:{port}")).starts_with("HTTP/1.1 200"));
    // A flood of live-reload streams is capped; the server keeps serving.
    let open = |addr: &str| {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(c, "GET /__feedgen/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut buf = [0u8; 256];
        let n = c.read(&mut buf).unwrap();
        (c, String::from_utf8_lossy(&buf[..n]).into_owned())
    };
    let flood: Vec<_> = (0..70).map(|_| open(&addr)).collect();
    let refused = flood
        .iter()
        .filter(|(_, head)| head.starts_with("HTTP/1.1 503"))
        .count();
    assert_eq!(refused, 70 - 64, "streams over the cap are refused");
    drop(flood);
    std::thread::sleep(Duration::from_millis(300));

    let mut events = std::net::TcpStream::connect(&addr).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        events,
        "GET /__feedgen/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut buf = [0u8; 4096];
    let n = events.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains("text/event-stream"));

    std::fs::write(
        site.path("theme/light.css"),
        ".feedgen { --feedgen-bg: #abcdef; }\n",
    )
    .unwrap();
    watch.expect("theme:", Duration::from_secs(3));
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    while !seen.contains("data: reload") && Instant::now() < deadline {
        let n = events.read(&mut buf).unwrap_or(0);
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(
        seen.contains("data: reload"),
        "the page is told to reload: {seen:?}"
    );
    assert!(http_get(&addr, "/").contains("feedgen-item"));
}

#[test]
fn an_overrides_edit_rearranges_the_feed_from_the_snapshot() {
    let (posts, images) = account(4);
    let (hidden, pinned) = (posts[0].id.clone(), posts[3].id.clone());
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new("[filter]\noverrides = \"overrides.toml\"\n[http]\nbackoff_ms = 10\n");
    std::fs::write(site.path("overrides.toml"), "").unwrap();
    let watch = Watch::start(&site, &fake);
    watch.expect("start: 4 posts", Duration::from_secs(30));
    watch.expect("watching", Duration::from_secs(5));
    fake.reset_counts();

    std::fs::write(
        site.path("overrides.toml"),
        format!("hide = [\"{hidden}\"]\npin = [\"{pinned}\"]\n"),
    )
    .unwrap();
    let line = watch.expect("overrides:", Duration::from_secs(5));
    assert!(
        line.contains("3 posts, 0 API requests, 0 downloaded, 0 decoded"),
        "{line}"
    );
    let ids = post_ids(&site.json());
    assert_eq!(ids[0], pinned);
    assert!(!ids.contains(&hidden));
    assert_eq!(fake.with(|s| s.graph_requests.len() + s.cdn_requests), 0);
}

/// A page `embed.scan` reads: saving it with a new post's link asks the API
/// for it and its card appears; an edit that names no other post rebuilds
/// nothing; dropping the post re-renders from the snapshot.
#[test]
fn a_page_naming_a_new_post_makes_its_card_while_watching() {
    let (posts, images) = account(8);
    let fake = FakeInstagram::start(posts, images);
    fake.with(|s| s.max_page_size = 2);
    let site = Site::new(
        "[source]\nmax_posts = 2\n[embed]\nscan = [\"content/**/*.md\"]\n[http]\nbackoff_ms = 10\n",
    );
    std::fs::create_dir_all(site.path("content/trips")).unwrap();
    let page = site.path("content/trips/top.md");
    std::fs::write(&page, "Nothing yet.\n").unwrap();
    let watch = Watch::start(&site, &fake);
    watch.expect("start: 2 posts", Duration::from_secs(30));
    watch.expect("watching", Duration::from_secs(5));
    fake.reset_counts();

    std::fs::write(&page, "The top:\n\n{{< instagram Sc006 >}}\n").unwrap();
    let line = watch.expect("content:", Duration::from_secs(10));
    assert!(!line.contains(" 0 API requests"), "{line}");
    let card = site.out().join("embeds/Sc006.html");
    assert!(
        std::fs::read_to_string(&card)
            .unwrap()
            .contains("Post number 6")
    );

    // Words only: no rebuild at all.
    fake.reset_counts();
    std::fs::write(&page, "The view from the top:\n\n{{< instagram Sc006 >}}\n").unwrap();
    std::fs::write(&page, "The view from the top!\n\n{{< instagram Sc006 >}}\n").unwrap();
    let quiet = Instant::now() + Duration::from_secs(1);
    while let Ok(line) = watch
        .lines
        .recv_timeout(quiet.saturating_duration_since(Instant::now()))
    {
        assert!(!line.contains("content:"), "a rebuild for words: {line}");
    }
    // The post dropped: the card goes, from the snapshot.
    std::fs::write(site.path("content/trips/top.md"), "Gone.\n").unwrap();
    let line = watch.expect("content:", Duration::from_secs(10));
    assert!(line.contains(" 0 API requests"), "{line}");
    assert!(!card.exists());
    assert_eq!(fake.with(|s| s.graph_requests.len()), 0);
}

/// Every URL an HTML page loads from: `src`, each `srcset` entry, and `href`s.
fn urls_in(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attr in ["src=\"", "href=\"", "srcset=\""] {
        for rest in html.split(attr).skip(1) {
            let value = rest.split('"').next().unwrap_or_default();
            if attr == "srcset=\"" {
                urls.extend(
                    value
                        .split(',')
                        .filter_map(|c| c.split_whitespace().next())
                        .map(str::to_string),
                );
            } else {
                urls.push(value.to_string());
            }
        }
    }
    urls
}

#[test]
fn serve_puts_the_output_at_its_base_url_so_every_image_and_stylesheet_loads() {
    // The configs `init --ssg` writes all say base_url = "/feed/".
    let site = Site::new(
        "[source]\noffline = true\nsnapshot = \"snapshot\"\n[output]\nbase_url = \"/feed/\"\n",
    );
    copy_sample_snapshot(&site.path("snapshot"));
    let watch = Watch::start_with(&site, &["watch", "--serve", "127.0.0.1:0"], vec![]);
    let line = watch.expect("serving http://", Duration::from_secs(30));
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    watch.expect("watching", Duration::from_secs(5));

    let page = http_get(&addr, "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let urls: Vec<String> = urls_in(&page)
        .into_iter()
        .filter(|u| u.starts_with('/') && !u.starts_with("//"))
        .collect();
    assert!(
        urls.iter()
            .filter(|u| u.starts_with("/feed/media/"))
            .count()
            >= 20,
        "the fragment's images are under /feed/: {urls:?}"
    );
    assert!(urls.iter().any(|u| u.ends_with(".css")), "{urls:?}");
    for url in &urls {
        let answer = http_get(&addr, url);
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "{url}: {}",
            answer.lines().next().unwrap_or("")
        );
    }
    assert!(
        http_get(&addr, "/feed/").starts_with("HTTP/1.1 200"),
        "the mount is the page too"
    );
    assert!(http_get(&addr, "/media/x.webp").starts_with("HTTP/1.1 404"));
    assert!(http_get(&addr, "/feed/../feedgen.toml").starts_with("HTTP/1.1 404"));
}

/// The address `watch --serve` printed.
fn served_at(watch: &Watch) -> String {
    let line = watch.expect("serving http://", Duration::from_secs(30));
    line.split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string()
}

/// Hundreds of connections that never send a request, against a process
/// allowed 256 descriptors: they once took every descriptor, so the next
/// rebuild failed with "Too many open files" and `GET /` hung.
#[test]
fn half_open_connections_cannot_starve_the_rebuilds() {
    use std::io::Read;
    let site = Site::new(
        "[source]\noffline = true\nsnapshot = \"snapshot\"\n[output]\ntheme_dir = \"theme\"\n",
    );
    std::fs::create_dir_all(site.path("theme")).unwrap();
    copy_sample_snapshot(&site.path("snapshot"));
    let watch = Watch::start_limited(&site, "-n 256", &["watch", "--serve", "127.0.0.1:0"]);
    let addr = served_at(&watch);
    watch.expect("watching", Duration::from_secs(5));

    let flood: Vec<std::net::TcpStream> = (0..372)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(
        site.path("theme/light.css"),
        ".feedgen { --feedgen-bg: #abcdef; }\n",
    )
    .unwrap();
    let line = watch.expect("theme:", Duration::from_secs(10));
    assert!(!line.contains("open files"), "{line}");
    assert!(
        std::fs::read_dir(site.out().join("media"))
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| std::fs::read_to_string(e.path()).is_ok_and(|css| css.contains("#abcdef"))),
        "the rebuild published the new colours"
    );
    // The server hangs up on connections that send no headers in time.
    let mut first = flood[0].try_clone().unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    assert!(matches!(first.read(&mut buf), Ok(0) | Err(_)));
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    // Once they are gone, the preview answers at once.
    drop(flood);
    drop(first);
    let started = Instant::now();
    let page = http_get(&addr, "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn watch_raises_its_soft_open_files_limit_to_the_hard_one() {
    let site = Site::new("[source]\noffline = true\nsnapshot = \"snapshot\"\n");
    copy_sample_snapshot(&site.path("snapshot"));
    let watch = Watch::start_limited(&site, "-Sn 256", &["watch", "--serve", "127.0.0.1:0"]);
    served_at(&watch);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", watch.child.id())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers[0], numbers[1], "soft = hard: {line}");
    assert_ne!(numbers[0], "256", "{line}");
}
