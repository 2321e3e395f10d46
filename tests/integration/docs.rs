//! The docs' examples are the tested ones: every fenced block of the checked
//! pages is claimed by a `<!-- check: NAME -->` line, and a test takes each
//! claimed block with `doc_block` and runs or builds it as written.

use std::path::PathBuf;

use crate::support::docs::{blocks, claimed, doc_block};
use crate::support::{missing, repo};

/// The pages (and the part of each, from the heading that starts with the
/// given text to the next of its level; `# ` is the whole page) whose every
/// example must be run by a test: the README's quick start, Getting started,
/// every guide, and the reference pages with examples (the generated blocks
/// of docs/reference/cli.md excepted: they are the code's own `--help`).
const CHECKED: [(&str, &str); 23] = [
    ("README.md", "## Two commands"),
    ("docs/reference/json.md", "# "),
    ("docs/reference/output.md", "# "),
    ("README.md", "## Quick start"),
    ("docs/install.md", "# "),
    ("docs/first-feed.md", "# "),
    ("docs/watch.md", "# "),
    ("docs/guides/hugo.md", "# "),
    ("docs/guides/jekyll.md", "# "),
    ("docs/guides/eleventy.md", "# "),
    ("docs/guides/astro.md", "# "),
    ("docs/guides/html.md", "# "),
    ("docs/guides/ci.md", "# "),
    ("docs/guides/facebook-login.md", "# "),
    ("docs/guides/another-account.md", "# "),
    ("docs/guides/feeds.md", "# "),
    ("docs/guides/filters.md", "# "),
    ("docs/guides/embeds.md", "# "),
    ("docs/guides/personal-accounts.md", "# "),
    ("docs/guides/look.md", "# "),
    ("docs/guides/language.md", "# "),
    ("docs/reference/config.md", "# "),
    ("docs/reference/cli.md", "# "),
];

/// The (file, NAME) of every `doc_block("file", "NAME")` in the test sources.
fn claims_taken() -> Vec<(String, String)> {
    let mut taken = Vec::new();
    for entry in walkdir::WalkDir::new(repo().join("tests/integration"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
    {
        let source = std::fs::read_to_string(entry.path()).unwrap();
        // `claimed("NAME")` takes every block marked NAME, in any file.
        for call in source.split("claimed(\"").skip(1) {
            if let Some((name, _)) = call.split_once('"') {
                taken.push(("*".to_string(), name.to_string()));
            }
        }
        for call in source.split("doc_block(").skip(1) {
            let literals: Vec<&str> = call.split('"').collect();
            // `doc_block("file", "NAME")`: the 2nd and 4th pieces.
            if literals.len() > 4 && literals[0].trim().is_empty() && literals[2].trim() == "," {
                taken.push((literals[1].to_string(), literals[3].to_string()));
            }
        }
    }
    taken
}

#[test]
fn every_example_is_claimed_by_a_test() {
    let taken = claims_taken();
    let mut unclaimed = Vec::new();
    let mut untaken = Vec::new();
    for (file, heading) in CHECKED {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        // Lines outside fenced blocks and generated parts, numbered from 0.
        let mut prose = Vec::new();
        let (mut fenced, mut generated) = (false, false);
        for (i, line) in text.lines().enumerate() {
            if line.starts_with("```") {
                fenced = !fenced;
            } else if line.starts_with("<!-- generated: ") {
                generated = true;
            } else if line.starts_with("<!-- end of generated -->") {
                generated = false;
            }
            prose.push((i, line, fenced || generated, generated));
        }
        let level = heading.split(' ').next().unwrap().len();
        let from = prose
            .iter()
            .find(|(_, l, hidden, _)| !hidden && l.starts_with(heading))
            .unwrap_or_else(|| panic!("{file} has no {heading}"))
            .0;
        // To the next heading of the same level or above.
        let to = prose
            .iter()
            .skip(from + 1)
            .find(|(_, l, hidden, _)| {
                let this = l.split(' ').next().unwrap_or("");
                !hidden && !this.is_empty() && this.chars().all(|c| c == '#') && this.len() <= level
            })
            .map_or(usize::MAX, |(i, _, _, _)| *i);
        let shown = |line: usize| !prose[line].3;
        for block in blocks(file)
            .into_iter()
            .filter(|b| (from..to).contains(&(b.line - 1)) && shown(b.line - 1))
        {
            match &block.check {
                None => unclaimed.push(format!("{file}:{} ({})", block.line, block.lang)),
                Some(name)
                    if !taken.contains(&(file.to_string(), name.clone()))
                        && !taken.contains(&("*".to_string(), name.clone())) =>
                {
                    untaken.push(format!("{file}:{} {name}", block.line));
                }
                Some(_) => {}
            }
        }
    }
    assert!(
        unclaimed.is_empty(),
        "blocks without a <!-- check: NAME --> line: {unclaimed:?}"
    );
    assert!(
        untaken.is_empty(),
        "claims that no test takes with doc_block: {untaken:?}"
    );
}

/// Checks the generated part of a page (between `<!-- generated: NAME -->`
/// and `<!-- end of generated -->`) against what the code makes now; with
/// `FEEDGEN_BLESS=1` writes it instead.
fn check_generated(rel: &str, name: &str, now: &str) {
    let path = repo().join(rel);
    let page = std::fs::read_to_string(&path).unwrap();
    let start_mark = format!("<!-- generated: {name} -->\n");
    let end_mark = "<!-- end of generated -->";
    let start = page
        .find(&start_mark)
        .unwrap_or_else(|| panic!("{rel} has no {start_mark:?}"))
        + start_mark.len();
    let end = start
        + page[start..]
            .find(end_mark)
            .unwrap_or_else(|| panic!("{rel} has no {end_mark:?}"));
    if std::env::var_os("FEEDGEN_BLESS").is_some() {
        std::fs::write(&path, format!("{}{now}{}", &page[..start], &page[end..])).unwrap();
        return;
    }
    assert!(
        page[start..end] == *now,
        "{rel} is out of date with the code; regenerate it with \
         FEEDGEN_BLESS=1 cargo test --test integration docs::"
    );
}

/// `feedgen ARGS --help`, as printed (not a terminal: no colour, 100 columns).
fn help(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_feedgen"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands a `--help` lists, `help` left out.
fn subcommands(help: &str) -> Vec<String> {
    let Some((_, rest)) = help.split_once("Commands:\n") else {
        return Vec::new();
    };
    rest.lines()
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The command-line reference: every command's `--help`, subcommands too.
fn cli_reference() -> String {
    let mut page = String::new();
    let mut queue = vec![Vec::<String>::new()];
    while let Some(args) = queue.pop() {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = help(&argv);
        let name = std::iter::once("feedgen")
            .chain(argv.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        page.push_str(&format!(
            "## `{name}`\n\n```text\n{}\n```\n\n",
            text.trim_end()
        ));
        for sub in subcommands(&text).into_iter().rev() {
            let mut next = args.clone();
            next.push(sub);
            queue.push(next);
        }
    }
    page
}

#[test]
fn the_command_line_reference_is_the_help_of_each_command() {
    check_generated("docs/reference/cli.md", "cli", &cli_reference());
}

/// One key of feedgen.example.toml: (name, default or example, type, meaning, set).
struct Key {
    name: String,
    value: String,
    kind: &'static str,
    meaning: String,
    set: bool,
}

fn kind_of(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "string",
        toml::Value::Integer(_) => "integer",
        toml::Value::Float(_) => "number",
        toml::Value::Boolean(_) => "boolean",
        toml::Value::Datetime(_) => "date",
        toml::Value::Array(items) => match items.first() {
            Some(toml::Value::Integer(_)) => "list of integers",
            _ => "list of strings",
        },
        toml::Value::Table(_) => "table",
    }
}

/// `key = value` as one TOML key and value, if it is one.
fn key_line(line: &str) -> Option<(String, toml::Value)> {
    let (key, _) = line.split_once(" = ")?;
    if !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        return None;
    }
    let table: toml::Table = toml::from_str(line).ok()?;
    table.into_iter().next()
}

/// The configuration reference, from feedgen.example.toml: one table per
/// TOML table, each key with its default (or, for keys unset by default, an
/// example), type and meaning, in the file's order. It stops at `[[feed]]`,
/// whose keys are the tables above.
fn config_reference() -> String {
    let example = std::fs::read_to_string(repo().join("feedgen.example.toml")).unwrap();
    // (table, the comment right above its header, its keys)
    let mut tables: Vec<(String, String, Vec<Key>)> = Vec::new();
    let mut comment: Vec<String> = Vec::new();
    let mut after_key = false;
    for line in example.lines() {
        let bare = line.strip_prefix("# ").unwrap_or(line);
        if bare.starts_with("[[feed]]") {
            break;
        }
        if let Some(name) = bare.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            tables.push((name.to_string(), comment.join(" "), Vec::new()));
            comment.clear();
            after_key = false;
            continue;
        }
        let Some((_, _, keys)) = tables.last_mut() else {
            continue;
        };
        if let Some((name, value)) = key_line(bare) {
            // Keys on consecutive lines share the comment above the first.
            let meaning = match (comment.is_empty(), after_key, keys.last()) {
                (true, true, Some(previous)) => previous.meaning.clone(),
                _ => comment.join(" "),
            };
            keys.push(Key {
                name,
                kind: kind_of(&value),
                value: bare.split_once(" = ").unwrap().1.to_string(),
                meaning,
                set: !line.starts_with('#'),
            });
            after_key = true;
            if !line.starts_with('#') {
                comment.clear();
            }
        } else if let Some(text) = line.strip_prefix('#') {
            if after_key {
                comment.clear();
                after_key = false;
            }
            comment.push(text.trim().to_string());
        } else if line.trim().is_empty() {
            comment.clear();
        }
    }
    let cell = |s: &str| {
        s.replace('|', "\\|")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('*', "\\*")
    };
    let mut page = String::new();
    for (table, about, keys) in tables {
        page.push_str(&format!("## `[{table}]`\n\n"));
        if !about.is_empty() {
            page.push_str(&format!("{}\n\n", cell(&about)));
        }
        page.push_str("| key | default | type | meaning |\n| --- | --- | --- | --- |\n");
        for key in keys {
            let default = if key.set {
                format!("`{}`", cell(&key.value))
            } else {
                format!("unset (e.g. `{}`)", cell(&key.value))
            };
            let meaning = if key.meaning.is_empty() {
                "an example: see above".to_string()
            } else {
                cell(&key.meaning)
            };
            page.push_str(&format!(
                "| `{}` | {default} | {} | {meaning} |\n",
                key.name, key.kind
            ));
        }
        page.push('\n');
    }
    page
}

#[test]
fn the_configuration_reference_is_the_annotated_example_config() {
    check_generated("docs/reference/config.md", "config", &config_reference());
}

/// mdBook, as `.ci/run` installs it (`FEEDGEN_MDBOOK`), or `mdbook` on the
/// PATH; `None` (test skipped) without either.
fn mdbook() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FEEDGEN_MDBOOK") {
        return Some(PathBuf::from(path));
    }
    if std::process::Command::new("mdbook")
        .arg("--version")
        .output()
        .is_ok()
    {
        return Some(PathBuf::from("mdbook"));
    }
    missing("mdBook (FEEDGEN_MDBOOK)");
    None
}

/// The book builds, and every link between its pages, to its images and to
/// an anchor (`page.html#id`, `#id`) lands on a file and an element that
/// exist, offline (links off the book are not followed).
#[test]
fn the_book_builds_and_every_internal_link_and_anchor_holds() {
    let Some(mdbook) = mdbook() else {
        return;
    };
    let out_dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(mdbook)
        .arg("build")
        .arg(repo().join("docs"))
        .arg("--dest-dir")
        .arg(out_dir.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "mdbook build: {said}");
    assert!(!said.contains("WARN") && !said.contains("ERROR"), "{said}");
    let book = out_dir.path();
    let mut broken = Vec::new();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(book)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
    {
        let html = std::fs::read_to_string(entry.path()).unwrap();
        let page = entry
            .path()
            .strip_prefix(book)
            .unwrap()
            .display()
            .to_string();
        for (url, _) in crate::support::html_urls(&html) {
            if url.contains(':') || url.starts_with("//") || url.is_empty() {
                continue;
            }
            let (path, anchor) = url.split_once('#').unwrap_or((url.as_str(), ""));
            let path = path.split('?').next().unwrap();
            let target = if path.is_empty() {
                entry.path().to_path_buf()
            } else if let Some(rooted) = path.strip_prefix('/') {
                // The book's site-url (book.toml) is its root.
                let mut t = book.join(rooted.strip_prefix("feedgen/").unwrap_or(rooted));
                if path.ends_with('/') {
                    t = t.join("index.html");
                }
                t
            } else {
                let mut t = entry.path().parent().unwrap().join(path);
                if path.ends_with('/') {
                    t = t.join("index.html");
                }
                t
            };
            checked += 1;
            let Ok(text) = std::fs::read(&target) else {
                broken.push(format!("{page}: {url} (no file)"));
                continue;
            };
            let text = String::from_utf8_lossy(&text);
            if !anchor.is_empty() && !text.contains(&format!("id=\"{anchor}\"")) {
                broken.push(format!("{page}: {url} (no anchor)"));
            }
        }
    }
    assert!(checked > 100, "only {checked} links");
    assert!(
        broken.is_empty(),
        "broken links in the book:\n{}",
        broken.join("\n")
    );
}

/// Every link to the published book in the code's messages, the example
/// config and the Action names a page of the book and, after `#`, one of its
/// headings.
#[test]
fn links_into_the_book_from_the_code_name_its_pages() {
    const BOOK: &str = "https://feedgen.github.io/feedgen/";
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(repo().join("src"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    files.push(repo().join("feedgen.example.toml"));
    files.push(repo().join("README.md"));
    let mut found = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for rest in text.split(BOOK).skip(1) {
            let link: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-_./#".contains(*c))
                .collect();
            let link = link.trim_end_matches('.');
            let (page, anchor) = link.split_once('#').unwrap_or((link, ""));
            let source = if page.is_empty() {
                "introduction.md".to_string()
            } else {
                page.replace(".html", ".md")
            };
            let md = std::fs::read_to_string(repo().join("docs").join(&source))
                .unwrap_or_else(|_| panic!("{}: {link}: no docs/{source}", file.display()));
            if !anchor.is_empty() {
                let ids: Vec<String> = md
                    .lines()
                    .filter(|l| l.starts_with('#'))
                    .map(|l| {
                        l.trim_start_matches('#')
                            .trim()
                            .to_lowercase()
                            .chars()
                            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
                            .map(|c| if c == ' ' { '-' } else { c })
                            .collect()
                    })
                    .collect();
                assert!(
                    ids.iter().any(|id| id == anchor),
                    "{}: {link}: no heading #{anchor} in docs/{source}",
                    file.display()
                );
            }
            found += 1;
        }
    }
    assert!(found >= 5, "{found} links into the book");
}

/// Every config example of the docs (`<!-- check: config -->`) is a valid
/// feedgen.toml as written: `feedgen paths` reads and checks it (unknown
/// keys, overlapping folders, bad values all fail there).
#[test]
fn every_config_example_is_a_valid_config() {
    for (at, block) in claimed("config") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("feedgen.toml"), &block).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_feedgen"))
            .args(["paths", "--config", "feedgen.toml"])
            .current_dir(dir.path())
            .env_clear()
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{at}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The filters guide's config and overrides file, as written, in a build
/// against the fake API (ids and links it does not know are left alone).
#[test]
fn the_filters_guide_config_and_overrides_build() {
    use crate::support::*;
    let (posts, images) = account(3);
    let fake = FakeInstagram::start(posts, images);
    let site = Site::new(&doc_block("docs/guides/filters.md", "filters-config"));
    std::fs::write(
        site.path("feedgen-overrides.toml"),
        doc_block("docs/guides/filters.md", "overrides"),
    )
    .unwrap();
    site.run(&["build"], &fake_env(&fake)).expect_code(0);
}

/// A workflow example as a whole workflow: a fragment of steps (indented as
/// in a job) goes under one job.
fn as_workflow(block: &str) -> String {
    if block.contains("\njobs:") || block.starts_with("jobs:") {
        return block.to_string();
    }
    let indent = block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let steps: String = block
        .lines()
        .map(|l| format!("      {}\n", l.get(indent..).unwrap_or("")))
        .collect();
    format!(
        "name: example\non: workflow_dispatch\npermissions:\n  contents: read\njobs:\n  feed:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"
    )
}

/// Every GitHub Actions example of the docs (`<!-- check: workflow -->`)
/// passes actionlint and shellcheck (`.ci/lint-actions.mjs`), gives the
/// feedgen action only inputs action.yml declares, and uses the majors of
/// GitHub's actions that feedgen's own workflows pin (no Node 20 ones).
#[test]
fn every_workflow_example_lints_clean_and_names_real_inputs() {
    if crate::support::node_bin("eleventy").is_none() {
        return; // tests/node (actionlint, yaml) is not installed
    }
    let action: serde_json::Value =
        yaml_json(&std::fs::read_to_string(repo().join("action.yml")).unwrap());
    let inputs: Vec<&String> = action["inputs"].as_object().unwrap().keys().collect();
    let own = std::fs::read_to_string(repo().join(".github/workflows/release.yml")).unwrap()
        + &std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, (at, block)) in claimed("workflow").into_iter().enumerate() {
        let workflow = as_workflow(&block);
        let doc = yaml_json(&workflow);
        for job in doc["jobs"].as_object().unwrap().values() {
            for step in job["steps"].as_array().unwrap() {
                let Some(uses) = step["uses"].as_str() else {
                    continue;
                };
                if uses.starts_with("feedgen/feedgen@") {
                    for key in step["with"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k)
                    {
                        assert!(inputs.contains(&key), "{at}: feedgen has no input {key}");
                    }
                } else if let Some((name, major)) = uses.split_once('@') {
                    let pinned = format!("uses: {name}@");
                    assert!(
                        own.contains(&pinned),
                        "{at}: {uses} is not one feedgen uses"
                    );
                    let ours = own
                        .split(&pinned)
                        .nth(1)
                        .and_then(|r| r.split("# v").nth(1))
                        .and_then(|v| v.split('.').next())
                        .unwrap();
                    assert_eq!(major, format!("v{ours}"), "{at}: {uses}");
                }
            }
        }
        let file = dir.path().join(format!("example-{i}.yml"));
        std::fs::write(&file, workflow).unwrap();
        files.push(file);
    }
    let out = std::process::Command::new("node")
        .arg(repo().join(".ci/lint-actions.mjs"))
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A YAML document as JSON, read by the `yaml` package of tests/node.
fn yaml_json(yaml: &str) -> serde_json::Value {
    crate::quickstart::yaml_to_json(yaml)
}

/// Every command synopsis of the docs (`<!-- check: synopsis -->`): each
/// `feedgen SUB …` line names a real command, and each `--flag` on it is one
/// of that command's flags.
#[test]
fn every_synopsis_names_real_commands_and_flags() {
    for (at, block) in claimed("synopsis") {
        for line in block.lines().filter(|l| l.starts_with("feedgen ")) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let sub: Vec<&str> = words[1..]
                .iter()
                .take_while(|w| {
                    w.chars()
                        .all(|c| c.is_ascii_lowercase() || c == '-' || c == '|')
                })
                .take(2)
                .copied()
                .collect();
            // `token status|refresh|exchange`: the first of the choices.
            let sub: Vec<String> = sub
                .iter()
                .map(|w| w.split('|').next().unwrap().to_string())
                .collect();
            let args: Vec<&str> = sub.iter().map(String::as_str).collect();
            let text = help(&args);
            for flag in words
                .iter()
                .flat_map(|w| w.split(['[', ']', '|']))
                .filter(|w| w.starts_with("--"))
            {
                assert!(
                    text.contains(&format!("{flag} "))
                        || text.contains(&format!("{flag}\n"))
                        || text.contains(&format!("{flag}="))
                        || text.contains(&format!("{flag} <")),
                    "{at}: `{}` has no {flag}",
                    args.join(" ")
                );
            }
        }
    }
}

/// The release workflow publishes the book with the mdBook release `.ci/run`
/// tests it with (read from `.ci/run`, one place), to GitHub Pages, after the
/// release; the README and `--help` link to where it is published.
#[test]
fn the_release_publishes_the_book_that_ci_builds() {
    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    assert!(ci.lines().any(|l| l.starts_with("mdbook_version=")));
    let release = std::fs::read_to_string(repo().join(".github/workflows/release.yml")).unwrap();
    let job = release.split("\n  book:\n").nth(1).expect("a book job");
    for needed in [
        "needs: publish",
        "sed -n 's/^mdbook_version=//p' .ci/run",
        "mdbook\" build docs --dest-dir \"$RUNNER_TEMP/book\"",
        "uses: actions/upload-pages-artifact@",
        "path: ${{ runner.temp }}/book",
        "uses: actions/deploy-pages@",
        "pages: write",
    ] {
        assert!(job.contains(needed), "the book job lacks {needed:?}");
    }
    let book = std::fs::read_to_string(repo().join("docs/book.toml")).unwrap();
    assert!(book.contains("site-url = \"/feedgen/\""), "{book}");
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(readme.contains("https://feedgen.github.io/feedgen/"));
    assert!(help(&[]).contains("Documentation: https://feedgen.github.io/feedgen/"));
}

/// Every `FEEDGEN_*` variable the binary, the npm package or install.sh
/// reads is on the environment variables page, and the page names no other.
#[test]
fn the_environment_page_lists_every_variable_read() {
    let mut read = std::collections::BTreeSet::new();
    for dir in ["src", "dist/npm/feedgen", "dist/install.sh"] {
        for entry in walkdir::WalkDir::new(repo().join(dir))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for piece in text.split("FEEDGEN_").skip(1) {
                let name: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect();
                // An error code of the plugins and an example feed's variable.
                if !name.is_empty() && name != "WHICH_FEED" && name != "TOKEN_SHOP" {
                    read.insert(format!("FEEDGEN_{}", name.trim_end_matches('_')));
                }
            }
        }
    }
    let page = std::fs::read_to_string(repo().join("docs/reference/environment.md")).unwrap();
    let listed: std::collections::BTreeSet<String> = page
        .lines()
        .filter_map(|l| l.strip_prefix("| `FEEDGEN_"))
        .map(|l| format!("FEEDGEN_{}", l.split('`').next().unwrap()))
        .collect();
    assert_eq!(
        listed, read,
        "docs/reference/environment.md vs the variables read"
    );
}

/// The exit codes page lists exactly the codes of `feedgen::error::exit`
/// (read from its source, so a new code is seen) and the two signals.
#[test]
fn the_exit_codes_page_lists_the_codes_of_the_code() {
    // Every `pub const X: u8 = N;` of the module, so a new code is seen.
    let source = std::fs::read_to_string(repo().join("src/error/mod.rs")).unwrap();
    let module = source
        .split("pub mod exit {")
        .nth(1)
        .and_then(|m| m.split("\n}").next())
        .unwrap();
    let codes: std::collections::BTreeSet<u8> = module
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub const "))
        .map(|l| {
            l.split(" = ")
                .nth(1)
                .unwrap()
                .trim_end_matches(';')
                .parse()
                .unwrap()
        })
        .collect();
    assert!(codes.len() >= 8, "{codes:?}");
    assert!(codes.contains(&feedgen::error::exit::PARTIAL));
    let page = std::fs::read_to_string(repo().join("docs/reference/exit-codes.md")).unwrap();
    let listed: std::collections::BTreeSet<u8> = page
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next()?.parse().ok())
        .collect();
    assert_eq!(listed, codes);
    assert!(page.contains("| 130, 143 |"), "the signals");
}

/// The key paths of a JSON value (`posts[].images[].width`), each with its
/// type, arrays collapsed.
fn key_paths(value: &serde_json::Value, at: &str, out: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                key_paths(v, &format!("{at}.{k}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                key_paths(v, &format!("{at}[]"), out);
            }
        }
        other => {
            let kind = match other {
                serde_json::Value::String(_) => "string",
                serde_json::Value::Number(_) => "number",
                serde_json::Value::Bool(_) => "bool",
                _ => "null",
            };
            out.insert(format!("{at}: {kind}"));
        }
    }
}

/// The JSON data file's example and the output tree of the reference pages
/// are what a build of the example site writes: every key of the example
/// (with its type) is in the real feed.json, and every file the tree lists
/// is there.
#[test]
fn the_reference_examples_are_the_real_output() {
    use crate::support::*;
    let site = Site::new(
        "[source]\noffline = true\nsnapshot = \"snapshot\"\n[output]\nheader = true\n[embed]\nposts = [\"SAMPLE05\"]\n",
    );
    copy_sample_snapshot(&site.path("snapshot"));
    site.run(&["build"], &[]).expect_code(0);
    let real: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.out().join("feed.json")).unwrap())
            .unwrap();
    let example: serde_json::Value =
        serde_json::from_str(&doc_block("docs/reference/json.md", "json-example")).unwrap();
    let (mut shown, mut written) = Default::default();
    key_paths(&example, "", &mut shown);
    key_paths(&real, "", &mut written);
    let unknown: Vec<&String> = shown.difference(&written).collect();
    assert!(
        unknown.is_empty(),
        "keys of the example a build never writes: {unknown:?}"
    );

    let files = tree(&site.out());
    for line in doc_block("docs/reference/output.md", "output-tree")
        .lines()
        .skip(1)
    {
        let name = line.split_whitespace().next().unwrap();
        let found = match name.split_once("<hash>").or(name.split_once("<code>")) {
            Some((dir, ext)) => files.keys().any(|f| f.starts_with(dir) && f.ends_with(ext)),
            None => files.contains_key(name),
        };
        assert!(
            found,
            "{name} is not in a built output: {:?}",
            files.keys().collect::<Vec<_>>()
        );
    }
}

/// The README's two commands are the ones `.ci/run` runs, word for word.
#[test]
fn the_readme_two_commands_are_what_ci_runs() {
    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    for command in [
        doc_block("README.md", "first-command"),
        doc_block("README.md", "second-command"),
    ] {
        let command = command.trim();
        assert!(
            ci.lines().any(|l| l == command),
            ".ci/run does not run the README's {command:?}"
        );
    }
}
