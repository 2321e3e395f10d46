//! The docs' examples are the tested ones: every fenced block of the checked
//! pages is claimed by a `<!-- check: NAME -->` line, and a test takes each
//! claimed block with `doc_block` and runs or builds it as written.

use std::path::PathBuf;

use crate::support::docs::blocks;

/// The pages (and the part of each, from one heading to the next `## `) whose
/// every example must be run by a test.
const CHECKED: [(&str, &str); 7] = [
    ("README.md", "## Quick start"),
    ("docs/guides/hugo.md", "# Hugo"),
    ("docs/guides/jekyll.md", "# Jekyll"),
    ("docs/guides/eleventy.md", "# Eleventy"),
    ("docs/guides/astro.md", "# Astro"),
    ("docs/guides/html.md", "# Plain HTML"),
    ("docs/guides/ci.md", "## Other CI systems"),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The (file, NAME) of every `doc_block("file", "NAME")` in the test sources.
fn claims_taken() -> Vec<(String, String)> {
    let mut taken = Vec::new();
    for entry in walkdir::WalkDir::new(repo().join("tests/integration"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
    {
        let source = std::fs::read_to_string(entry.path()).unwrap();
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
        let from = text
            .lines()
            .position(|l| l.starts_with(heading))
            .unwrap_or_else(|| panic!("{file} has no {heading}"));
        let to = text
            .lines()
            .enumerate()
            .skip(from + 1)
            .find(|(_, l)| {
                // The next heading of the same level or above.
                let level = heading.split(' ').next().unwrap().len();
                let this = l.split(' ').next().unwrap_or("");
                !this.is_empty() && this.chars().all(|c| c == '#') && this.len() <= level
            })
            .map_or(usize::MAX, |(i, _)| i);
        for block in blocks(file)
            .into_iter()
            .filter(|b| (from..to).contains(&(b.line - 1)))
        {
            match &block.check {
                None => unclaimed.push(format!("{file}:{} ({})", block.line, block.lang)),
                Some(name) if !taken.contains(&(file.to_string(), name.clone())) => {
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
    let mut tables: Vec<(String, Vec<Key>)> = Vec::new();
    let mut comment: Vec<String> = Vec::new();
    let mut after_key = false;
    for line in example.lines() {
        let bare = line.strip_prefix("# ").unwrap_or(line);
        if bare.starts_with("[[feed]]") {
            break;
        }
        if let Some(name) = bare.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            tables.push((name.to_string(), Vec::new()));
            comment.clear();
            after_key = false;
            continue;
        }
        let Some((_, keys)) = tables.last_mut() else {
            continue;
        };
        if let Some((name, value)) = key_line(bare) {
            keys.push(Key {
                name,
                kind: kind_of(&value),
                value: bare.split_once(" = ").unwrap().1.to_string(),
                meaning: comment.join(" "),
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
    for (table, keys) in tables {
        page.push_str(&format!(
            "## `[{table}]`\n\n| key | default | type | meaning |\n| --- | --- | --- | --- |\n"
        ));
        for key in keys {
            let default = if key.set {
                format!("`{}`", cell(&key.value))
            } else {
                format!("unset (e.g. `{}`)", cell(&key.value))
            };
            page.push_str(&format!(
                "| `{}` | {default} | {} | {} |\n",
                key.name,
                key.kind,
                cell(&key.meaning)
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
    assert!(
        std::env::var_os("FEEDGEN_REQUIRE_TOOLS").is_none(),
        "FEEDGEN_MDBOOK is required (FEEDGEN_REQUIRE_TOOLS is set): bash .ci/run installs mdBook"
    );
    eprintln!("SKIPPED: mdBook is not installed (bash .ci/run installs it)");
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
