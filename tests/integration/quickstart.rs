//! The README's quick starts and docs/guides/ci.md's recipes for other CI systems,
//! run as written in fresh sites, each line in bash as a user types it.
//!
//! Only the network is redirected, the way a hosts file would: npm's registry
//! is a local one holding the packed tarballs (`tests/node/registry.mjs`), and
//! `github.com` is an HTTPS server on 127.0.0.1 holding a copy of the release
//! (`curl --connect-to`, with its certificate trusted through
//! `CURL_CA_BUNDLE`), so the recipes' URLs, `--proto =https` and the checksum
//! check all run unchanged.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::plugins::{lend_node_modules, write_astro_pages};
use crate::support::docs::{doc_block, run_line, shell_lines};
use crate::support::*;

/// Starts `cmd`, which prints the port it listens on as its first line.
fn start_on_port(mut cmd: Command) -> (Background, u16) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("port: {line:?}"));
    (Background(child), port)
}

/// An empty site folder, `site/` in a fresh temporary folder (which holds
/// the test's other files: a bin folder, an npm cache).
fn empty_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    (dir, site)
}

/// PATH with a folder holding `feedgen` (this build) first, as installed.
fn path_with_feedgen(root: &Path) -> String {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_feedgen"), bin.join("feedgen")).unwrap();
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

/// The environment of npm commands run against the local registry: a fresh
/// cache, and no calls to npmjs.org's audit or update endpoints.
fn npm_env(registry: u16, cache: &Path) -> Vec<(&'static str, String)> {
    vec![
        (
            "npm_config_registry",
            format!("http://127.0.0.1:{registry}/"),
        ),
        ("npm_config_cache", cache.display().to_string()),
        ("npm_config_audit", "false".into()),
        ("npm_config_fund", "false".into()),
        ("npm_config_update_notifier", "false".into()),
        ("npm_config_loglevel", "error".into()),
    ]
}

/// The local npm registry of the packed tarballs in `dist`.
fn registry(dist: &Path) -> (Background, u16) {
    let mut cmd = Command::new("node");
    cmd.arg(repo().join("tests/node/registry.mjs"))
        .arg(dist.join("npm"));
    start_on_port(cmd)
}

/// A fresh npm project (`npm init -y`) whose npm installs from the local
/// registry of the packed tarballs in `dist`; `path`: the PATH npm runs with.
struct NpmSite {
    _dir: tempfile::TempDir,
    _registry: Background,
    site: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl NpmSite {
    fn start(dist: &Path, path: Option<String>) -> Self {
        let (dir, site) = empty_site();
        let (registry, port) = registry(dist);
        let mut env = npm_env(port, &dir.path().join("npm-cache"));
        env.extend(path.map(|p| ("PATH", p)));
        run_line("npm init -y", &site, &env);
        NpmSite {
            _dir: dir,
            _registry: registry,
            site,
            env,
        }
    }
}

/// Runs a block's lines as a user types them: `export FEEDGEN_TOKEN=…` (the
/// docs elide the token) stands for the fake's token. Returns each line with
/// its output.
fn run_session(
    block: &str,
    site: &Path,
    env: &mut Vec<(&'static str, String)>,
    fake: &FakeInstagram,
) -> Vec<(String, std::process::Output)> {
    let mut ran = Vec::new();
    for line in shell_lines(block) {
        if line.starts_with("export FEEDGEN_TOKEN=") {
            env.extend(fake_env(fake));
            continue;
        }
        let out = run_line(&line, site, env);
        ran.push((line, out));
    }
    ran
}

/// After the README's npm lines: feedgen and its platform package came from
/// the registry (the launcher's optionalDependencies), and init wrote its
/// config.
fn assert_installed_from_registry(site: &Path) {
    let package = std::fs::read_to_string(site.join("package.json")).unwrap();
    let package: serde_json::Value = serde_json::from_str(&package).unwrap();
    assert!(
        package["devDependencies"]["feedgen"].is_string(),
        "{package}"
    );
    assert!(
        site.join("node_modules/@feedgen/cli-linux-x64/package.json")
            .is_file(),
        "the platform package"
    );
    assert!(site.join("feedgen.toml").is_file(), "init's config");
}

/// Feed items on a built page, with every local image published.
fn feed_items(built: &Path, page: &str) -> usize {
    let html = std::fs::read_to_string(built.join(page)).unwrap();
    for (url, _) in html_urls(&html) {
        if let Some(rel) = url.strip_prefix('/').filter(|u| u.starts_with("feed/")) {
            assert!(built.join(rel).is_file(), "{url} is not published");
        }
    }
    html.matches("class=\"feedgen-item").count()
}

#[test]
fn the_readme_eleventy_quick_start_installs_from_npm_and_builds() {
    let Some(dist) = crate::dist::dist() else {
        return;
    };
    let Some(eleventy) = node_bin("eleventy") else {
        return;
    };
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    // A fresh site as Eleventy's getting-started makes it (its
    // `npm install @11ty/eleventy` is lent from tests/node below).
    let npm = NpmSite::start(&dist, None);
    let (site, env) = (&npm.site, &npm.env);
    run_line("npm pkg set type=module", site, env);
    for line in shell_lines(&doc_block("docs/guides/eleventy.md", "eleventy-install")) {
        run_line(&line, site, env);
    }
    assert_installed_from_registry(site);
    lend_node_modules(site, "tests/node");
    std::fs::write(
        site.join("eleventy.config.js"),
        doc_block("docs/guides/eleventy.md", "eleventy-config"),
    )
    .unwrap();
    std::fs::write(
        site.join("index.njk"),
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Site</title></head>\n<body>{% instagramFeed %}</body></html>\n",
    )
    .unwrap();
    let out = Command::new(eleventy)
        .arg("--quiet")
        .current_dir(site)
        .envs(fake_env(&fake))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(feed_items(&site.join("_site"), "index.html"), 3);
}

/// On Astro 7, the newest major, on Node 22 (tests/node-current).
#[test]
fn the_readme_astro_quick_start_installs_from_npm_and_builds() {
    let Some(dist) = crate::dist::dist() else {
        return;
    };
    let Some(node) = crate::plugins::node_22("tests/node-current") else {
        return;
    };
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let path = format!(
        "{}:{}",
        node.parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    let npm = NpmSite::start(&dist, Some(path));
    let (site, mut env) = (&npm.site, npm.env.clone());
    run_line("npm pkg set type=module", site, &env);
    for line in shell_lines(&doc_block("docs/guides/astro.md", "astro-install")) {
        run_line(&line, site, &env);
    }
    assert_installed_from_registry(site);
    lend_node_modules(site, "tests/node-current");
    write_astro_pages(site);
    std::fs::write(
        site.join("src/pages/own.astro"),
        doc_block("docs/guides/astro.md", "astro-own-markup"),
    )
    .unwrap();
    env.extend(fake_env(&fake));
    env.push(("ASTRO_TELEMETRY_DISABLED", "1".into()));
    run_line("node node_modules/astro/bin/astro.mjs build", site, &env);
    assert_eq!(feed_items(&site.join("dist"), "index.html"), 3);
    assert_eq!(
        std::fs::read_to_string(site.join("dist/own/index.html"))
            .unwrap()
            .matches("<picture>")
            .count(),
        3
    );
}

#[test]
fn the_readme_jekyll_quick_start_runs_as_written() {
    if !crate::cli::have_tool("jekyll") {
        return;
    }
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let dir = tempfile::tempdir().unwrap();
    run_line("jekyll new site --blank", dir.path(), &[]);
    let site = dir.path().join("site");
    let mut index = std::fs::read_to_string(site.join("index.md")).unwrap();
    index.push('\n');
    index.push_str(&doc_block("docs/guides/jekyll.md", "jekyll-page"));
    std::fs::write(site.join("index.md"), index).unwrap();
    let mut env = fake_env(&fake);
    env.push(("PATH", path_with_feedgen(dir.path())));
    for line in shell_lines(&doc_block("docs/guides/jekyll.md", "jekyll-quick-start")) {
        run_line(&line, &site, &env);
    }
    assert_eq!(feed_items(&site.join("_site"), "index.html"), 3);
}

#[test]
fn the_readme_plain_html_quick_start_runs_as_written() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let (dir, site) = empty_site();
    let mut env = fake_env(&fake);
    env.push(("PATH", path_with_feedgen(dir.path())));
    for line in shell_lines(&doc_block("docs/guides/html.md", "html-quick-start")) {
        run_line(&line, &site, &env);
    }
    // The fragment to paste, its images beside it under /feed/.
    let fragment = std::fs::read_to_string(site.join("feed/feed.html")).unwrap();
    assert_eq!(fragment.matches("class=\"feedgen-item").count(), 3);
    let local: Vec<String> = html_urls(&fragment)
        .into_iter()
        .filter_map(|(url, _)| url.strip_prefix("/feed/").map(str::to_string))
        .collect();
    assert!(local.len() > 3, "{local:?}");
    for rel in local {
        assert!(site.join("feed").join(&rel).is_file(), "{rel}");
    }
}

/// `github.com` for curl: an HTTPS server on 127.0.0.1 serving a copy of this
/// release where GitHub serves release assets, and a `curl` first on the PATH
/// that connects there (`--connect-to`) and trusts its certificate.
struct GitHub {
    _server: Background,
    /// The folder of the `curl` shim, to put first on the PATH.
    bin: PathBuf,
    /// The certificate, for `CURL_CA_BUNDLE`.
    cert: PathBuf,
}

impl GitHub {
    fn start(dist: &Path, root: &Path) -> Self {
        let version = crate::dist::version();
        let assets = root
            .join("www/feedgen/feedgen/releases/download")
            .join(format!("v{version}"));
        std::fs::create_dir_all(&assets).unwrap();
        let archive = format!("{}.tar.gz", crate::dist::archive_name());
        for name in [archive.clone(), format!("{archive}.sha256")] {
            std::fs::copy(dist.join(&name), assets.join(&name)).unwrap();
        }
        // The install.sh the release workflow attaches: stamped.
        run_line(
            &format!(
                "bash {} v{version} {}",
                repo().join("dist/stamp-install.sh").display(),
                assets.join("install.sh").display()
            ),
            root,
            &[],
        );
        let (cert, key) = (root.join("cert.pem"), root.join("key.pem"));
        run_line(
            &format!(
                "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
                 -keyout {} -out {} -days 2 -subj /CN=github.com \
                 -addext subjectAltName=DNS:github.com 2>/dev/null",
                key.display(),
                cert.display()
            ),
            root,
            &[],
        );
        let mut server = Command::new("python3");
        server
            .arg("-c")
            .arg(HTTPS_SERVER)
            .arg(root.join("www"))
            .arg(&cert)
            .arg(&key);
        let (server, port) = start_on_port(server);
        let curl = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|d| d.join("curl"))
            .find(|p| p.is_file())
            .expect("curl");
        let bin = root.join("shim");
        std::fs::create_dir_all(&bin).unwrap();
        let shim = bin.join("curl");
        std::fs::write(
            &shim,
            format!(
                "#!/bin/sh\nexec {} --connect-to github.com:443:127.0.0.1:{port} \"$@\"\n",
                curl.display()
            ),
        )
        .unwrap();
        let mut perms = std::fs::metadata(&shim).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&shim, perms).unwrap();
        GitHub {
            _server: server,
            bin,
            cert,
        }
    }

    /// The environment a recipe runs with: the shim first on the PATH (no
    /// `feedgen` there: the recipe installs it) and the certificate trusted.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "PATH",
                format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap()),
            ),
            ("CURL_CA_BUNDLE", self.cert.display().to_string()),
        ]
    }
}

/// A threaded HTTPS file server: `python3 -c HTTPS_SERVER ROOT CERT KEY`.
const HTTPS_SERVER: &str = r#"
import functools, http.server, ssl, sys
root, cert, key = sys.argv[1:4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// A fresh Hugo site (`hugo new site`, then `feedgen init --ssg hugo`) in
/// `root/site`, as the recipes' sites are.
fn hugo_site(root: &Path) -> PathBuf {
    run_line("hugo new site site --quiet", root, &[]);
    let site = root.join("site");
    let init = Command::new(env!("CARGO_BIN_EXE_feedgen"))
        .args(["init", "--ssg", "hugo"])
        .current_dir(&site)
        .output()
        .unwrap();
    assert!(init.status.success());
    site
}

/// What both recipe tests start from: the release's "github.com", a fresh
/// Hugo site and the fake API; `None` when a tool is missing (skipped).
struct RecipeRun {
    _root: tempfile::TempDir,
    _fake: FakeInstagram,
    _github: GitHub,
    site: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl RecipeRun {
    fn start() -> Option<Self> {
        let dist = crate::dist::dist()?;
        if !["hugo", "curl", "openssl"]
            .into_iter()
            .all(crate::cli::have_tool)
        {
            return None;
        }
        let (posts, images) = account(3);
        let fake = FakeInstagram::start(posts, images);
        let root = tempfile::tempdir().unwrap();
        let github = GitHub::start(&dist, root.path());
        let site = hugo_site(root.path());
        let mut env = github.env();
        env.extend(fake_env(&fake));
        Some(RecipeRun {
            _root: root,
            _fake: fake,
            _github: github,
            site,
            env,
        })
    }
}

/// docs/guides/ci.md's GitLab CI job: its `script` lines run in order in a fresh
/// Hugo site with the job's variables and `CI_PROJECT_DIR`; what it names
/// as the artifact holds the site with the feed, and its cache keeps the
/// token state's folder.
#[test]
fn the_gitlab_recipe_runs_as_written_against_a_release() {
    let Some(run) = RecipeRun::start() else {
        return;
    };
    let recipe = doc_block("docs/guides/ci.md", "gitlab-recipe");
    let job = yaml_to_json(&recipe)["pages"].clone();
    assert_eq!(
        job["cache"]["paths"],
        serde_json::json!([".feedgen-cache/"])
    );
    assert_eq!(job["artifacts"]["paths"], serde_json::json!(["public"]));
    let version = job["variables"]["FEEDGEN_VERSION"].as_str().unwrap();
    assert_eq!(
        version,
        crate::dist::version(),
        "the recipe names the release"
    );
    // The image's packages are this machine's tools; the lines that install
    // them are not run here.
    for line in job["before_script"].as_array().unwrap() {
        assert!(line.as_str().unwrap().starts_with("apt-get "), "{line}");
    }
    let site = &run.site;
    let mut env: Vec<(&str, String)> = run.env.clone();
    env.push(("CI_PROJECT_DIR", site.display().to_string()));
    for (name, value) in job["variables"].as_object().unwrap() {
        env.push((name.as_str(), value.as_str().unwrap().to_string()));
    }
    for line in job["script"].as_array().unwrap() {
        run_line(line.as_str().unwrap(), site, &env);
    }
    assert_eq!(feed_items(&site.join("public"), "index.html"), 3);
    assert!(site.join(".feedgen-cache").is_dir());
}

/// docs/guides/ci.md's build command for Netlify and Cloudflare Pages, in a fresh
/// Hugo site.
#[test]
fn the_netlify_and_cloudflare_build_command_runs_as_written_against_a_release() {
    let Some(run) = RecipeRun::start() else {
        return;
    };
    let lines = shell_lines(&doc_block("docs/guides/ci.md", "netlify-recipe"));
    assert_eq!(lines.len(), 1, "one build command");
    assert!(
        lines[0].contains(&format!("/v{}/", crate::dist::version())),
        "the recipe names the release"
    );
    run_line(&lines[0], &run.site, &run.env);
    assert_eq!(feed_items(&run.site.join("public"), "index.html"), 3);
}

/// A YAML document as JSON, read by the `yaml` package of tests/node.
pub fn yaml_to_json(yaml: &str) -> serde_json::Value {
    let script = "const { createRequire } = require('node:module');\n\
        const YAML = createRequire(process.argv[1] + '/tests/node/package.json')('yaml');\n\
        process.stdout.write(JSON.stringify(YAML.parse(require('node:fs').readFileSync(0, 'utf8'))));";
    let mut child = Command::new("node")
        .args(["-e", script])
        .arg(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), yaml.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The README's quick start, line by line, in a fresh npm site: the token
/// line stands for the fake's token (the README elides it).
#[test]
fn the_readme_quick_start_runs_as_written() {
    let Some(dist) = crate::dist::dist() else {
        return;
    };
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let npm = NpmSite::start(&dist, None);
    let (site, mut env) = (&npm.site, npm.env.clone());
    let block = doc_block("README.md", "readme-quick-start");
    for (line, out) in run_session(&block, site, &mut env, &fake) {
        if line.contains("feedgen doctor") {
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(!said.contains('✘') && said.contains("✔ token"), "{said}");
        }
    }
    assert_installed_from_registry(site);
    let fragment = std::fs::read_to_string(site.join("feed/feed.html")).unwrap();
    assert_eq!(fragment.matches("class=\"feedgen-item").count(), 3);
}

/// The install page's npm lines in a fresh npm project: the launcher finds
/// the platform package npm chose and runs this release.
#[test]
fn the_install_page_npm_lines_run_as_written() {
    let Some(dist) = crate::dist::dist() else {
        return;
    };
    let npm = NpmSite::start(&dist, None);
    let mut last = String::new();
    for line in shell_lines(&doc_block("docs/install.md", "npm-install")) {
        last = text(&run_line(&line, &npm.site, &npm.env).stdout);
    }
    assert_eq!(last.trim(), format!("feedgen {}", crate::dist::version()));
}

/// The install page's install.sh lines, against the release's "github.com",
/// with HOME in a fresh folder.
#[test]
fn the_install_page_install_sh_lines_run_as_written() {
    let Some(run) = RecipeRun::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let mut env = run.env.clone();
    env.push(("HOME", home.path().display().to_string()));
    for line in shell_lines(&doc_block("docs/install.md", "install-sh")) {
        run_line(&line, &run.site, &env);
    }
    let out = Command::new(home.path().join(".local/bin/feedgen"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("feedgen {}", crate::dist::version())
    );
}

/// The first-feed page's lines in an empty folder, `feedgen` on the PATH:
/// the token line stands for the fake's token.
#[test]
fn the_first_feed_lines_run_as_written() {
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let (dir, site) = empty_site();
    let mut env = vec![("PATH", path_with_feedgen(dir.path()))];
    let block = doc_block("docs/first-feed.md", "first-feed");
    run_session(&block, &site, &mut env, &fake);
    let fragment = std::fs::read_to_string(site.join("feed/feed.html")).unwrap();
    assert_eq!(fragment.matches("class=\"feedgen-item").count(), 3);
}
