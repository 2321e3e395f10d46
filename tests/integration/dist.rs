//! Installing without compiling: the release archive's static binary, the npm
//! launcher and its platform package, and `dist/install.sh`, all built by
//! `.ci/run` with the release scripts (`dist/release.sh`, `dist/npm/pack.mjs`)
//! into the folder `FEEDGEN_DIST` names. Without it these tests skip, unless
//! FEEDGEN_REQUIRE_TOOLS is set.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::docs::{doc_block, shell_lines};
use crate::support::*;

const CONFIG: &str = "[source]\nmax_posts = 50\n[http]\nbackoff_ms = 10\n";
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The folder of release artifacts, or `None` (test skipped).
pub fn dist() -> Option<PathBuf> {
    match std::env::var_os("FEEDGEN_DIST") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            missing("FEEDGEN_DIST (the release artifacts)");
            None
        }
    }
}

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

pub fn archive_name() -> String {
    format!("feedgen-{TARGET}-v{}", version())
}

fn output(cmd: &mut Command) -> Output {
    // Not `{cmd:?}`: that would print the environment, token included.
    let shown = format!(
        "{:?} {:?}",
        cmd.get_program(),
        cmd.get_args().collect::<Vec<_>>()
    );
    cmd.output().unwrap_or_else(|e| panic!("run {shown}: {e}"))
}

/// The release archive unpacked into `into`; returns the binary's path.
fn unpack_release(dist: &Path, into: &Path) -> PathBuf {
    let archive = dist.join(format!("{}.tar.gz", archive_name()));
    let check = output(
        Command::new("sha256sum")
            .arg("--check")
            .arg(format!("{}.tar.gz.sha256", archive_name()))
            .current_dir(dist),
    );
    assert!(
        check.status.success(),
        "checksum file: {}",
        text(&check.stdout)
    );
    let out = output(
        Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(into),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    into.join(archive_name()).join("feedgen")
}

#[test]
fn without_system_ca_certificates_the_bundled_roots_are_used() {
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    let mut env = fake_env(&fake);
    env.push(("SSL_CERT_FILE", "/nonexistent/ca.pem".into()));
    env.push(("SSL_CERT_DIR", "/nonexistent/certs".into()));
    let run = site.run(&["build"], &env).expect_code(0);
    assert!(
        run.stderr
            .contains("using the Mozilla roots built into feedgen"),
        "{}",
        run.stderr
    );
    assert_eq!(post_ids(&site.json()).len(), 2);
}

#[test]
fn the_release_binary_is_static_and_builds_a_feed_in_an_empty_root() {
    let Some(dist) = dist() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let binary = unpack_release(&dist, tmp.path());
    let ldd = output(Command::new("ldd").arg(&binary));
    let said = text(&ldd.stdout) + &text(&ldd.stderr);
    assert!(
        said.contains("statically linked") || said.contains("not a dynamic executable"),
        "ldd: {said}"
    );
    if unsafe { libc::geteuid() } != 0 {
        missing("root, which the chroot check needs,");
        return;
    }

    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    // Nothing but the binary, the site, /etc/hosts and (first) the CA bundle:
    // no libc, no loader, no NSS modules.
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("etc/ssl/certs")).unwrap();
    std::fs::create_dir_all(root.join("site")).unwrap();
    std::fs::copy(&binary, root.join("feedgen")).unwrap();
    std::fs::write(root.join("etc/hosts"), "127.0.0.1 localhost\n").unwrap();
    std::fs::copy(
        "/etc/ssl/certs/ca-certificates.crt",
        root.join("etc/ssl/certs/ca-certificates.crt"),
    )
    .unwrap();
    std::fs::write(root.join("site/feedgen.toml"), CONFIG).unwrap();
    let build = |root: &Path| {
        output(
            Command::new("chroot")
                .arg(root)
                .args(["/feedgen", "build", "--config", "/site/feedgen.toml"])
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("FEEDGEN_TOKEN", TEST_TOKEN)
                // A name, not an address: resolved through /etc/hosts by the static libc.
                .env(
                    "FEEDGEN_API_BASE",
                    format!("http://localhost:{}", fake.addr.port()),
                )
                .env("FEEDGEN_MEDIA_HOSTS", fake.host()),
        )
    };
    let out = build(&root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("site/public/feed/feed.json")).unwrap())
            .unwrap();
    assert_eq!(post_ids(&json).len(), 3);

    // A FROM scratch image without a CA bundle still builds.
    std::fs::remove_file(root.join("etc/ssl/certs/ca-certificates.crt")).unwrap();
    fake.with(|s| s.posts.truncate(2));
    let out = build(&root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("site/public/feed/feed.json")).unwrap())
            .unwrap();
    assert_eq!(post_ids(&json).len(), 2);
}

/// The release binary's libwebp is built for SSE4.1 (Cargo feature `sse41`).
/// On a processor without it, qemu's Core 2 Duo of 2006, a build must say so
/// and keep the previous output, not die of an illegal instruction half-way.
#[test]
fn a_processor_without_sse41_gets_a_message_and_the_output_is_kept() {
    let Some(dist) = dist() else { return };
    if !crate::cli::have_tool("qemu-x86_64") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let binary = unpack_release(&dist, tmp.path());
    let (posts, images) = account(2);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(CONFIG);
    let run = |qemu_cpu: Option<&str>| {
        let mut cmd = match qemu_cpu {
            Some(cpu) => {
                let mut c = Command::new("qemu-x86_64");
                c.args(["-cpu", cpu]).arg(&binary);
                c
            }
            None => Command::new(&binary),
        };
        cmd.arg("build")
            .current_dir(site.dir.path())
            .envs(fake_env(&fake))
            .env("NO_COLOR", "1");
        output(&mut cmd)
    };
    let first = run(None);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let before = tree(&site.out());

    let old = run(Some("core2duo"));
    let stderr = text(&old.stderr);
    assert_eq!(old.status.code(), Some(1), "{stderr}");
    // Word for word what the install page shows.
    assert_eq!(
        stderr.trim_end(),
        doc_block("docs/install.md", "sse41-message").trim_end(),
    );
    assert!(!stderr.contains("Illegal instruction"), "{stderr}");
    assert_eq!(tree(&site.out()), before, "the previous output changed");
}

/// A scratch npm project with the packed launcher and linux-x64 package
/// installed from their tarballs, offline; returns it and the seconds `npm install` took.
fn npm_project(dist: &Path) -> (tempfile::TempDir, f64) {
    let npm = dist.join("npm");
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("package.json"),
        r#"{"name":"my-site","private":true}"#,
    )
    .unwrap();
    let started = Instant::now();
    let out = output(
        Command::new("npm")
            .args([
                "install",
                "--offline",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ])
            .arg(npm.join(format!("feedgen-cli-linux-x64-{}.tgz", version())))
            .arg(npm.join(format!("feedgen-{}.tgz", version())))
            .current_dir(project.path()),
    );
    assert!(out.status.success(), "npm install: {}", text(&out.stderr));
    (project, started.elapsed().as_secs_f64())
}

/// `npx --offline feedgen ARGS` in `dir` with `env`, stdin from `stdin`.
fn npx(dir: &Path, args: &[&str], env: &[(&str, String)], stdin: Stdio) -> Command {
    let mut cmd = Command::new("npx");
    cmd.args(["--offline", "feedgen"])
        .args(args)
        .current_dir(dir)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

#[test]
fn npx_feedgen_behaves_like_the_binary() {
    let Some(dist) = dist() else { return };
    let (project, install_secs) = npm_project(&dist);
    let dir = project.path();

    // Arguments and stdout.
    let out = output(&mut npx(dir, &["--version"], &[], Stdio::null()));
    assert_eq!(text(&out.stdout).trim(), format!("feedgen {}", version()));

    // init names the command the user has: `npx feedgen`, not a bare `feedgen`.
    let fresh = dir.join("fresh");
    std::fs::create_dir_all(&fresh).unwrap();
    let out = output(&mut npx(
        &fresh,
        &["init", "--ssg", "jekyll"],
        &[],
        Stdio::null(),
    ));
    assert!(
        text(&out.stdout).contains("npx feedgen doctor, npx feedgen build")
            && text(&out.stdout).contains("Run npx feedgen build before jekyll build"),
        "{}",
        text(&out.stdout)
    );

    // A first feed: exit 0.
    let (posts, images) = account(4);
    let fake = FakeInstagram::start(posts, images);
    std::fs::write(dir.join("feedgen.toml"), CONFIG).unwrap();
    let built = Instant::now();
    let out = output(&mut npx(dir, &["build"], &fake_env(&fake), Stdio::null()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    eprintln!(
        "npm install of the packed tarballs {install_secs:.1} s, then a first feed of 4 posts in {:.1} s",
        built.elapsed().as_secs_f64()
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("public/feed/feed.json")).unwrap()).unwrap();
    assert_eq!(post_ids(&json).len(), 4);

    // Exit 2 and stderr: a config problem.
    let out = output(&mut npx(
        dir,
        &["build", "--config", "missing.toml"],
        &[],
        Stdio::null(),
    ));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("missing.toml"),
        "{}",
        text(&out.stderr)
    );

    // Exit 3: a dead token.
    fake.with(|s| s.error = Some(FakeError::expired_token()));
    let out = output(&mut npx(dir, &["build"], &fake_env(&fake), Stdio::null()));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    fake.with(|s| s.error = None);

    // Stdin reaches the binary: `token exchange` reads the short-lived token from it.
    let short = fake.short_lived_token();
    let env = [
        (
            "FEEDGEN_APP_SECRET",
            crate::support::fake_instagram::APP_SECRET.to_string(),
        ),
        ("FEEDGEN_API_BASE", fake.base_url()),
    ];
    let out = {
        use std::io::Write;
        let mut child = npx(dir, &["token", "exchange"], &env, Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(format!("{short}\n").as_bytes()).unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("(60 days)"),
        "{}",
        text(&out.stdout)
    );

    // FEEDGEN_BINARY picks another binary.
    let out = output(&mut npx(
        dir,
        &["--help"],
        &[("FEEDGEN_BINARY", env!("CARGO_BIN_EXE_feedgen").into())],
        Stdio::null(),
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Spawns `cmd`, waits until the build is inside a (hanging) API request,
/// sends SIGINT to `target(pid)`, and returns the exit status.
fn interrupt_mid_build(
    fake: &FakeInstagram,
    mut cmd: Command,
    target: impl Fn(u32) -> i32,
) -> (std::process::ExitStatus, String) {
    fake.with(|s| s.hang_next = Some(Duration::from_secs(30)));
    let child = cmd.spawn().unwrap();
    let started = Instant::now();
    // The fake takes `hang_next` when the request arrives.
    while fake.with(|s| s.hang_next.is_some()) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no request came"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: signalling processes this test started.
    assert_eq!(unsafe { libc::kill(target(child.id()), libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the build went on"
    );
    (out.status, text(&out.stderr))
}

#[test]
fn signals_reach_the_binary_through_the_launcher() {
    let Some(dist) = dist() else { return };
    let (project, _) = npm_project(&dist);
    let dir = project.path();
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    std::fs::write(dir.join("feedgen.toml"), CONFIG).unwrap();
    let out = output(&mut npx(dir, &["build"], &fake_env(&fake), Stdio::null()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let before = tree(&dir.join("public/feed"));

    // SIGINT to the launcher alone (a `kill`, a CI runner's cancel): passed on,
    // feedgen stops cleanly and the launcher exits with its code.
    let mut launcher = Command::new(dir.join("node_modules/.bin/feedgen"));
    launcher
        .arg("build")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in fake_env(&fake) {
        launcher.env(k, v);
    }
    let (status, stderr) = interrupt_mid_build(&fake, launcher, |pid| pid as i32);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("error: interrupted; nothing was published and the previous output is as it was. Images downloaded and made so far are kept, so the next build goes on from there"),
        "{stderr}"
    );
    assert_eq!(tree(&dir.join("public/feed")), before, "the output stays");

    // Ctrl-C in a terminal: SIGINT to the whole process group of `npx`. npm
    // itself dies of it (a shell reports 130); feedgen still stops cleanly.
    let mut cmd = npx(dir, &["build"], &fake_env(&fake), Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let (status, stderr) = interrupt_mid_build(&fake, cmd, |pid| -(pid as i32));
    use std::os::unix::process::ExitStatusExt;
    assert!(
        status.code() == Some(130) || status.signal() == Some(libc::SIGINT),
        "{status:?}: {stderr}"
    );
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(tree(&dir.join("public/feed")), before, "the output stays");
}

#[test]
fn a_missing_platform_package_or_platform_is_explained() {
    let Some(dist) = dist() else { return };
    let (project, _) = npm_project(&dist);
    let dir = project.path();
    // What a lockfile written on another platform leaves behind (npm/cli#4828).
    std::fs::remove_dir_all(dir.join("node_modules/@feedgen/cli-linux-x64")).unwrap();
    let out = output(&mut npx(dir, &["--version"], &[], Stdio::null()));
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    // Word for word what the install page shows.
    assert_eq!(
        said.trim_end(),
        doc_block("docs/install.md", "missing-platform-message")
            .trim_end()
            .replace("0.1.0", version()),
    );
    for needle in [
        "@feedgen/cli-linux-x64",
        "is not installed",
        &format!(
            "npm install --include=optional @feedgen/cli-linux-x64@{}",
            version()
        ),
        "FEEDGEN_BINARY",
    ] {
        assert!(said.contains(needle), "{needle:?} in {said}");
    }

    // An override that points nowhere is named, not silently replaced.
    let out = output(&mut npx(
        dir,
        &["--version"],
        &[("FEEDGEN_BINARY", "/nonexistent/feedgen".into())],
        Stdio::null(),
    ));
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(
            "FEEDGEN_BINARY is set to \"/nonexistent/feedgen\", but there is no file there"
        ),
        "{said}"
    );

    let probe = "try { require('feedgen').findBinary({ platform: 'freebsd', arch: 'riscv64' }); } \
                 catch (e) { console.log(e.message); }";
    let out = output(Command::new("node").args(["-e", probe]).current_dir(dir));
    let said = text(&out.stdout);
    assert!(
        said.contains("no prebuilt feedgen binary for freebsd riscv64")
            && said.contains("cargo install --locked feedgen"),
        "{said}"
    );
}

/// Serves `files` (URL path → bytes) on 127.0.0.1 until dropped.
struct FileServer {
    addr: std::net::SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl FileServer {
    fn start(files: Vec<(String, Vec<u8>)>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let files = std::sync::Arc::new(files);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
                    let files = files.clone();
                    async move {
                        match files.iter().find(|(p, _)| p.as_str() == uri.path()) {
                            Some((_, body)) => (axum::http::StatusCode::OK, body.clone()),
                            None => (axum::http::StatusCode::NOT_FOUND, b"Not Found".to_vec()),
                        }
                    }
                });
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        FileServer { addr, _stop: tx }
    }
}

#[test]
fn install_sh_installs_the_release_and_refuses_a_tampered_one() {
    let Some(dist) = dist() else { return };
    let name = archive_name();
    let archive = std::fs::read(dist.join(format!("{name}.tar.gz"))).unwrap();
    let sum = std::fs::read(dist.join(format!("{name}.tar.gz.sha256"))).unwrap();
    let path = |suffix: &str| format!("/v{}/{name}.tar.gz{suffix}", version());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/install.sh");
    let install = |server: &FileServer, bin: &Path| {
        output(
            Command::new("bash")
                .arg(&script)
                .arg("--dir")
                .arg(bin)
                .env("FEEDGEN_RELEASES", format!("http://{}", server.addr)),
        )
    };

    let good = FileServer::start(vec![(path(""), archive.clone()), (path(".sha256"), sum)]);
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    let out = install(&good, &bin);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        bin.join("feedgen").to_str().unwrap()
    );
    let run = output(Command::new(bin.join("feedgen")).arg("--version"));
    assert_eq!(text(&run.stdout).trim(), format!("feedgen {}", version()));

    // One flipped byte: refused, and nothing is installed.
    let mut evil = archive;
    let mid = evil.len() / 2;
    evil[mid] ^= 1;
    let sum = std::fs::read(dist.join(format!("{name}.tar.gz.sha256"))).unwrap();
    let bad = FileServer::start(vec![(path(""), evil), (path(".sha256"), sum)]);
    let other = tmp.path().join("other");
    let out = install(&bad, &other);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("checksum mismatch"),
        "{}",
        text(&out.stderr)
    );
    assert!(!other.join("feedgen").exists());

    // The copy attached to a release, downloaded alone (no checkout beside
    // it), installs its own release without --version, as the GitLab,
    // Netlify and Cloudflare recipes run it.
    let alone_dir = tmp.path().join("downloaded");
    std::fs::create_dir_all(&alone_dir).unwrap();
    let stamped = alone_dir.join("install.sh");
    let stamp = output(
        Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/stamp-install.sh"))
            .arg(format!("v{}", version()))
            .arg(&stamped),
    );
    assert!(stamp.status.success(), "{}", text(&stamp.stderr));
    let alone_bin = tmp.path().join("alone-bin");
    let out = output(
        Command::new("bash")
            .arg(&stamped)
            .arg("--dir")
            .arg(&alone_bin)
            .current_dir(&alone_dir)
            .env("FEEDGEN_RELEASES", format!("http://{}", good.addr)),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run = output(Command::new(alone_bin.join("feedgen")).arg("--version"));
    assert_eq!(text(&run.stdout).trim(), format!("feedgen {}", version()));

    // A version that is not a release number never reaches a URL or a path.
    for bad in ["../../etc", "0.1.0/../../x", "0.1.0 --dir /", "latest"] {
        let out = output(
            Command::new("bash")
                .arg(&script)
                .args(["--version", bad, "--dir"])
                .arg(&other)
                .env("FEEDGEN_RELEASES", format!("http://{}", good.addr)),
        );
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("is not a release number"),
            "{bad}"
        );
    }
    assert!(!other.exists());
}

#[test]
fn cargo_binstall_metadata_names_the_release_archive() {
    let manifest: toml::Value = toml::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/Cargo.toml"
    )))
    .unwrap();
    let package = &manifest["package"];
    let meta = &package["metadata"]["binstall"];
    let fill = |template: &str| {
        template
            .replace("{ repo }", package["repository"].as_str().unwrap())
            .replace("{ version }", version())
            .replace("{ name }", "feedgen")
            .replace("{ bin }", "feedgen")
            .replace("{ target }", TARGET)
            .replace("{ archive-suffix }", ".tar.gz")
            .replace("{ binary-ext }", "")
    };
    assert_eq!(meta["pkg-fmt"].as_str(), Some("tgz"));
    let url = fill(meta["pkg-url"].as_str().unwrap());
    assert_eq!(
        url,
        format!(
            "{}/releases/download/v{}/{}.tar.gz",
            package["repository"].as_str().unwrap(),
            version(),
            archive_name()
        )
    );
    // The install page's lines: binstall reads the metadata above, and
    // `cargo install --locked` needs the lock file in the published package.
    let lines = shell_lines(&doc_block("docs/install.md", "cargo-install"));
    assert_eq!(
        lines
            .iter()
            .map(|l| l.split('#').next().unwrap().trim())
            .collect::<Vec<_>>(),
        ["cargo binstall feedgen", "cargo install --locked feedgen"]
    );
    assert_eq!(package["name"].as_str(), Some("feedgen"));
    let listed = output(
        Command::new(env!("CARGO"))
            .args(["package", "--list", "--allow-dirty", "--offline"])
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    let listed = text(&listed.stdout);
    for file in ["Cargo.lock", "src/main.rs", "feedgen.example.toml"] {
        assert!(listed.lines().any(|l| l == file), "{file} in {listed}");
    }
    let Some(dist) = dist() else { return };
    let file = url.rsplit('/').next().unwrap();
    let listing = output(Command::new("tar").arg("-tzf").arg(dist.join(file)));
    let bin_dir = fill(meta["bin-dir"].as_str().unwrap());
    assert!(
        text(&listing.stdout).lines().any(|l| l == bin_dir),
        "{bin_dir} in {}",
        text(&listing.stdout)
    );
}

#[test]
fn install_sh_downloaded_alone_says_what_it_needs_and_refuses_plain_http() {
    let tmp = tempfile::tempdir().unwrap();
    let alone = tmp.path().join("install.sh");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/install.sh"),
        &alone,
    )
    .unwrap();
    let run = |args: &[&str], releases: Option<&str>| {
        let mut cmd = Command::new("bash");
        cmd.arg(&alone)
            .args(args)
            .arg("--dir")
            .arg(tmp.path().join("bin"));
        match releases {
            Some(r) => cmd.env("FEEDGEN_RELEASES", r),
            None => cmd.env_remove("FEEDGEN_RELEASES"),
        };
        output(&mut cmd)
    };
    let out = run(&[], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("pass --version X.Y.Z"),
        "{}",
        text(&out.stderr)
    );
    // A network attacker would serve both the archive and its checksum.
    for base in [
        "http://releases.example/download",
        "ftp://x/y",
        "file:///tmp",
    ] {
        let out = run(&["--version", "0.1.0"], Some(base));
        assert_eq!(out.status.code(), Some(2), "{base}");
        assert!(
            text(&out.stderr).contains("is not https"),
            "{base}: {}",
            text(&out.stderr)
        );
    }
    assert!(!tmp.path().join("bin").exists());
}

/// Runs one step of the GitHub Action (`dist/action.sh SUB`) as the runner
/// would, from a copy in a fresh folder; returns the output and what the step
/// wrote to GITHUB_OUTPUT.
fn action_step(
    sub: &str,
    runner_temp: &Path,
    site: &Site,
    env: &[(&str, String)],
) -> (Output, String) {
    let scripts = tempfile::tempdir_in(runner_temp).unwrap();
    for name in ["action.sh", "install.sh"] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("dist")
                .join(name),
            scripts.path().join(name),
        )
        .unwrap();
    }
    let outputs = runner_temp.join("github_output");
    let _ = std::fs::remove_file(&outputs);
    let mut cmd = Command::new("bash");
    cmd.arg(scripts.path().join("action.sh"))
        .arg(sub)
        .current_dir(site.dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", site.dir.path())
        .env("RUNNER_TEMP", runner_temp)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_PATH", runner_temp.join("github_path"))
        .env("GITHUB_ENV", runner_temp.join("github_env"))
        .env("GITHUB_REPOSITORY", "someone/site")
        .env("CONFIG", "feedgen.toml");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = output(&mut cmd);
    (out, std::fs::read_to_string(&outputs).unwrap_or_default())
}

fn sha256_of(path: &Path) -> String {
    let out = output(Command::new("sha256sum").arg(path));
    text(&out.stdout).split(' ').next().unwrap().to_string()
}

#[test]
fn the_action_restores_the_cache_before_it_installs_and_copies_its_scripts_first() {
    let yml =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let at = |needle: &str| {
        yml.find(needle)
            .unwrap_or_else(|| panic!("action.yml has no {needle:?}"))
    };
    let order = [
        at("id: prepare"),
        at("actions/cache/restore@"),
        at("id: install"),
        at("action.sh\" build"),
        at("action.sh\" secret"),
        at("actions/cache/save@"),
    ];
    assert!(order.is_sorted(), "step order {order:?}");
    // After the restore nothing runs from the action's own folder, which a
    // restore with absolute paths could have rewritten.
    let restore = at("actions/cache/restore@");
    assert!(!yml[restore..].contains("GITHUB_ACTION_PATH"));
}

#[test]
fn the_action_installs_into_a_fresh_folder_and_runs_nothing_it_did_not_verify() {
    let runner_temp = tempfile::tempdir().unwrap();
    let site = Site::new("[source]\noffline = true\nsnapshot = \"snapshot\"\n");
    copy_sample_snapshot(&site.path("snapshot"));

    // The release archive, installed as the install step does (when CI built it).
    let mut binary = PathBuf::from(env!("CARGO_BIN_EXE_feedgen"));
    if let Some(dist) = dist() {
        let name = archive_name();
        let file =
            |suffix: &str| std::fs::read(dist.join(format!("{name}.tar.gz{suffix}"))).unwrap();
        let path = |suffix: &str| format!("/v{}/{name}.tar.gz{suffix}", version());
        let server = FileServer::start(vec![
            (path(""), file("")),
            (path(".sha256"), file(".sha256")),
        ]);
        // A binary a poisoned cache planted where the old action installed.
        let planted = runner_temp.path().join("feedgen/bin/feedgen");
        std::fs::create_dir_all(planted.parent().unwrap()).unwrap();
        std::fs::write(&planted, "#!/bin/sh\necho pwned\n").unwrap();
        let (out, outputs) = action_step(
            "install",
            runner_temp.path(),
            &site,
            &[
                ("FEEDGEN_VERSION", version().to_string()),
                ("FEEDGEN_RELEASES", format!("http://{}", server.addr)),
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let installed = outputs
            .lines()
            .find_map(|l| l.strip_prefix("binary="))
            .map(PathBuf::from)
            .expect("the binary output");
        assert_ne!(installed, planted);
        assert!(installed.starts_with(runner_temp.path()));
        let sha = outputs
            .lines()
            .find_map(|l| l.strip_prefix("sha256="))
            .unwrap();
        assert_eq!(sha, sha256_of(&installed));
        binary = installed;
    }
    let copy = runner_temp.path().join("bin/feedgen");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(&binary, &copy).unwrap();
    let verified = [
        ("FEEDGEN_BINARY", copy.display().to_string()),
        ("FEEDGEN_SHA256", sha256_of(&copy)),
    ];

    let (out, outputs) = action_step("build", runner_temp.path(), &site, &verified);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(outputs.contains("exit-code=0"), "{outputs}");
    // The site's npm plugin, run next in the job, reads this feed: no second fetch.
    let job_env = std::fs::read_to_string(runner_temp.path().join("github_env")).unwrap();
    assert_eq!(job_env, "FEEDGEN_PREBUILT=1\n");
    assert!(outputs.contains("changed=true"), "{outputs}");
    // The next scheduled run finds nothing new: a success that says so.
    let (out, outputs) = action_step("build", runner_temp.path(), &site, &verified);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        outputs.contains("exit-code=0") && outputs.contains("changed=false"),
        "{outputs}"
    );

    // Replaced after the install (a restored cache, an earlier step): refused
    // before it runs with the token.
    let marker = runner_temp.path().join("ran");
    std::fs::write(&copy, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
    for sub in ["build", "secret"] {
        let mut env = verified.to_vec();
        env.push(("GH_TOKEN", "ghp_secretswriter".into()));
        env.push(("FEEDGEN_TOKEN", TEST_TOKEN.into()));
        let (out, _) = action_step(sub, runner_temp.path(), &site, &env);
        assert_eq!(out.status.code(), Some(1), "{sub}");
        assert!(
            text(&out.stdout).contains("is not the feedgen this action installed"),
            "{sub}: {}",
            text(&out.stdout)
        );
        assert!(!marker.exists(), "{sub} ran the replaced binary");
    }
}

#[test]
fn update_secret_refuses_a_cached_token_state_and_a_token_of_two_lines() {
    let runner_temp = tempfile::tempdir().unwrap();
    let site = Site::new("[source]\noffline = true\nsnapshot = \"snapshot\"\n");
    copy_sample_snapshot(&site.path("snapshot"));
    let bin = runner_temp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let real = bin.join("feedgen");
    std::fs::copy(env!("CARGO_BIN_EXE_feedgen"), &real).unwrap();
    // `gh` records what it was asked to store.
    let stored = runner_temp.path().join("stored");
    let gh = bin.join("gh");
    std::fs::write(&gh, format!("#!/bin/sh\ncat > {}\n", stored.display())).unwrap();
    std::fs::set_permissions(&gh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = |binary: &Path| {
        vec![
            ("FEEDGEN_BINARY", binary.display().to_string()),
            ("FEEDGEN_SHA256", sha256_of(binary)),
            ("PATH", path.clone()),
            ("CACHE", "true".into()),
            ("UPDATE_SECRET", "FEEDGEN_TOKEN".into()),
            ("SECRET_NAME", "FEEDGEN_TOKEN".into()),
            ("GH_TOKEN", "ghp_secretswriter".into()),
            ("FEEDGEN_TOKEN", TEST_TOKEN.into()),
        ]
    };

    // A token state restored with the cache is refused: update-secret never
    // saves one, so it came from another run.
    let state = site.token_state();
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    std::fs::write(&state, "{}").unwrap();
    let (out, _) = action_step("build", runner_temp.path(), &site, &env(&real));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("holds the token state"),
        "{}",
        text(&out.stdout)
    );
    std::fs::remove_file(&state).unwrap();
    let (out, _) = action_step("build", runner_temp.path(), &site, &env(&real));
    assert!(out.status.success(), "{}", text(&out.stdout));

    // The refreshed token goes to the secret, masked first; the state is
    // deleted before the cache is saved.
    let refreshed = "IGAArefreshedtoken0123456789abcdefXYZ";
    let now = chrono::Utc::now();
    feedgen::token::save_state(
        &state,
        &feedgen::token::TokenState {
            version: feedgen::token::STATE_VERSION,
            input_fingerprint: feedgen::token::fingerprint(&feedgen::Token::new(TEST_TOKEN)),
            token: feedgen::Token::new(refreshed),
            obtained_at: now - chrono::Duration::days(1),
            obtained: feedgen::token::Obtained::Refreshed,
            expires_at: Some(now + chrono::Duration::days(59)),
            last_refresh_attempt: None,
            last_refresh_error: None,
        },
    )
    .unwrap();
    let (out, _) = action_step("secret", runner_temp.path(), &site, &env(&real));
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).starts_with(&format!("::add-mask::{refreshed}\n")));
    assert_eq!(std::fs::read_to_string(&stored).unwrap(), refreshed);
    assert!(!state.exists(), "no token state is left for the cache");

    // A binary (or state) handing over a token of two lines: the second line
    // would run as a workflow command after a mask of the first.
    std::fs::remove_file(&stored).unwrap();
    let two = bin.join("two-lines");
    std::fs::write(
        &two,
        "#!/bin/sh\ncase \"$1\" in\n  paths) echo '{\"feeds\": []}' ;;\n  token) printf 'IGAAfirst\\n::set-env name=NODE_OPTIONS::x' > \"$6\" ;;\nesac\n",
    )
    .unwrap();
    std::fs::set_permissions(&two, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (out, _) = action_step("secret", runner_temp.path(), &site, &env(&two));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("not one line"),
        "{}",
        text(&out.stdout)
    );
    assert!(!text(&out.stdout).contains("add-mask"));
    assert!(!stored.exists(), "nothing is stored");
}

/// GitHub's hosted runners deprecated actions that run on Node 20: every pin
/// is a commit of a release that runs on Node 24 (the first such majors:
/// cache 5, checkout 5, setup-node 5, upload-artifact 6, download-artifact 7,
/// upload-pages-artifact 5, deploy-pages 5),
/// and the action's cache key names the config, so two uses in one job keep
/// two caches.
#[test]
fn the_action_and_the_release_pin_node_24_actions_and_key_the_cache_by_config() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let first_node24 = [
        ("actions/cache", 5),
        ("actions/checkout", 5),
        ("actions/setup-node", 5),
        ("actions/upload-artifact", 6),
        ("actions/download-artifact", 7),
        ("actions/upload-pages-artifact", 5),
        ("actions/deploy-pages", 5),
    ];
    let mut pins = 0;
    for file in ["action.yml", ".github/workflows/release.yml"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for line in text.lines().filter(|l| l.contains("uses: ")) {
            let spec = line.split("uses: ").nth(1).unwrap();
            let (action, rest) = spec.split_once('@').unwrap();
            let (sha, comment) = rest
                .split_once(" # v")
                .unwrap_or_else(|| panic!("{file}: {line}"));
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{file}: pin a commit: {line}"
            );
            let major: u32 = comment.split('.').next().unwrap().parse().unwrap();
            let owner_repo = action.split('/').take(2).collect::<Vec<_>>().join("/");
            let (_, min) = first_node24
                .iter()
                .find(|(a, _)| *a == owner_repo)
                .unwrap_or_else(|| panic!("{file}: is {owner_repo} on Node 24? {line}"));
            assert!(major >= *min, "{file}: {line} runs on Node 20");
            pins += 1;
        }
    }
    assert!(pins >= 7, "{pins}");
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let prepare = &action
        [action.find("id: prepare").unwrap()..action.find("actions/cache/restore@").unwrap()];
    assert!(
        prepare.contains("cache-key=") && prepare.contains("$CONFIG"),
        "{prepare}"
    );
    assert_eq!(
        action
            .matches("key: ${{ steps.prepare.outputs.cache-key }}-")
            .count(),
        2
    );
}

/// The install page's `docker run` line, read against the image it names:
/// this release's image, the site mounted where the image works (WORKDIR),
/// run as the caller, and arguments that go to feedgen (the ENTRYPOINT).
/// (`dist/container/check.sh`, run by `.ci/run`, builds the example site in
/// the image that way with buildah.)
#[test]
fn the_install_page_docker_line_fits_the_image() {
    let line = shell_lines(&doc_block("docs/install.md", "container")).join(" ");
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&words[..3], ["docker", "run", "--rm"], "{line}");
    assert!(line.contains(r#"--user "$(id -u):$(id -g)""#), "{line}");
    assert!(line.contains(r#"-v "$PWD:/site""#), "{line}");
    assert!(line.contains("-e FEEDGEN_TOKEN "), "{line}");
    let image = format!("ghcr.io/feedgen/feedgen:{}", version());
    assert!(line.ends_with(&format!("{image} build")), "{line}");
    let containerfile = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/container/Containerfile"),
    )
    .unwrap();
    for needed in ["WORKDIR /site", "ENTRYPOINT [\"/usr/local/bin/feedgen\"]"] {
        assert!(containerfile.lines().any(|l| l == needed), "{needed}");
    }
}

/// The release targets have one list, dist/npm/feedgen/lib/targets.json,
/// which the npm launcher ships and the release workflow reads; install.sh,
/// which must work downloaded alone, keeps its own `uname` table, and this
/// test keeps it to the same targets. The version has one reader,
/// dist/version.sh.
#[test]
fn release_targets_and_the_version_have_one_home() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |rel: &str| std::fs::read_to_string(root.join(rel)).unwrap();
    let targets: serde_json::Value =
        serde_json::from_str(&read("dist/npm/feedgen/lib/targets.json")).unwrap();
    let listed: BTreeSet<(String, String)> = targets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["target"].as_str().unwrap().to_string(),
                t["node"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // install.sh: `Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-gnu ;;`
    let install = read("dist/install.sh");
    let mut installed = BTreeSet::new();
    for line in install.lines().filter(|l| l.contains(") target=")) {
        let (patterns, rest) = line.trim().split_once(") target=").unwrap();
        let target = rest.split_whitespace().next().unwrap().to_string();
        for pattern in patterns.split(" | ") {
            let (os, arch) = pattern.split_once('/').unwrap();
            let os = match os {
                "Linux" => "linux",
                "Darwin" => "darwin",
                _ if os.ends_with('*') => "win32",
                other => panic!("install.sh: unknown system {other}"),
            };
            let arch = match arch {
                "x86_64" | "amd64" => "x64",
                "aarch64" | "arm64" => "arm64",
                other => panic!("install.sh: unknown machine {other}"),
            };
            installed.insert((target.clone(), format!("{os} {arch}")));
        }
    }
    assert_eq!(installed, listed, "install.sh's table vs targets.json");
    // The executable's name and the archive's kind: targets.json says, and
    // release.sh and the npm launcher read it; install.sh, downloaded alone,
    // keeps its own one-line rule, held to the list here.
    let rule = install
        .lines()
        .find(|l| l.contains("exe=feedgen.exe"))
        .expect("install.sh names the Windows executable");
    assert!(
        rule.contains("*-windows-*") && rule.contains("ext=zip"),
        "{rule}"
    );
    for t in targets.as_array().unwrap() {
        let windows = t["target"].as_str().unwrap().contains("-windows-");
        let wanted = if windows {
            ("feedgen.exe", "zip")
        } else {
            ("feedgen", "tar.gz")
        };
        assert_eq!(
            (t["exe"].as_str().unwrap(), t["archive"].as_str().unwrap()),
            wanted,
            "install.sh's rule vs targets.json for {}",
            t["target"]
        );
    }
    for rel in ["dist/release.sh", "dist/npm/feedgen/lib/binary.js"] {
        assert!(
            !read(rel).contains("feedgen.exe"),
            "{rel} names the Windows executable itself instead of reading targets.json"
        );
    }

    let workflow = read(".github/workflows/release.yml");
    assert!(workflow.contains("dist/npm/feedgen/lib/targets.json"));
    for (target, _) in &listed {
        assert!(
            !workflow.contains(target.as_str()),
            "release.yml names {target} itself instead of reading targets.json"
        );
    }
    for rel in [
        "dist/release.sh",
        "dist/install.sh",
        "dist/npm/pack.mjs",
        ".github/workflows/release.yml",
        ".ci/run",
    ] {
        let text = read(rel);
        assert!(
            !text.contains("s/^version = ") && !text.contains("^version = "),
            "{rel} reads Cargo.toml's version itself instead of dist/version.sh"
        );
    }
    let out = output(Command::new("bash").arg(root.join("dist/version.sh")));
    assert_eq!(text(&out.stdout).trim(), version());
}
