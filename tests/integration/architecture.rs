//! The layering of `src/`: no import circle between the library's top-level
//! modules, and each module imports only the modules below it, as listed in
//! the "How it is built" table of CONTRIBUTING.md (`LAYERS` here is that
//! table, and a test keeps the two equal).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module with the modules it may import, bottom first. A
/// module may import only modules listed before it.
const LAYERS: &[(&str, &[&str])] = &[
    // The vocabulary: imports nothing of the crate.
    ("kinds", &[]),
    ("secret", &[]),
    ("text", &[]),
    ("lang", &["secret", "text"]),
    ("progress", &[]),
    ("retry", &[]),
    ("error", &["kinds", "retry", "secret"]),
    ("model", &["error", "secret"]),
    ("privacy", &["secret"]),
    // The network and file-system layers.
    ("http", &["retry", "secret"]),
    ("output", &["error", "secret"]),
    // Settings, then the stages in the order a build runs them.
    (
        "config",
        &[
            "error", "http", "kinds", "lang", "model", "retry", "secret", "text",
        ],
    ),
    ("theme", &["config", "error"]),
    ("token", &["config", "error", "output", "secret"]),
    ("manifest", &["error", "kinds", "model", "output"]),
    // Which single posts the site embeds: the config's list and its content.
    ("embed", &["config", "error", "model"]),
    ("select", &["config", "embed", "error", "model", "text"]),
    (
        "source",
        &[
            "config", "error", "http", "kinds", "model", "output", "retry", "secret", "select",
            "manifest",
        ],
    ),
    (
        "media",
        &[
            "config", "error", "http", "kinds", "model", "output", "progress", "retry", "secret",
            "source", "manifest",
        ],
    ),
    (
        "render",
        &[
            "config", "error", "kinds", "lang", "model", "output", "manifest", "text",
        ],
    ),
    // Instagram's data export: a source that needs the media stage's checks.
    ("export", &["config", "error", "media", "model", "source"]),
    // One run of every stage, and the watcher around it.
    (
        "app",
        &[
            "config", "embed", "error", "export", "http", "kinds", "lang", "media", "model",
            "output", "privacy", "progress", "render", "secret", "select", "source", "manifest",
            "theme", "token",
        ],
    ),
    ("watch", &["config", "embed"]),
];

/// Top-level module → the top-level modules its non-test code names with
/// `crate::` (or with as many `super::` as reach the crate root). A name the
/// crate root re-exports (`crate::FeedConfig`, from lib.rs's `pub use`)
/// counts as its own module: an import through the root is still an import.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let root_names = root_reexports(&src);
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // The CLI is the binary crate: it sees the library only through `feedgen::`.
        if !rel.ends_with(".rs") || rel == "lib.rs" || rel == "main.rs" || rel.starts_with("cli") {
            continue;
        }
        let module = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let code: String = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        // How many `super::` reach the crate root from this file.
        let depth = rel.trim_end_matches("/mod.rs").matches('/').count() + 1;
        let root_super = "super::".repeat(depth);
        let targets = graph.entry(module.clone()).or_default();
        // `crate::x` and, from deeper files, `super::super::x` name the same
        // top-level module, so both count.
        let from_root = code
            .match_indices("crate::")
            .map(|(i, m)| i + m.len())
            .chain(
                code.match_indices(root_super.as_str())
                    .filter(|(i, _)| !code[..*i].ends_with("super::"))
                    .map(|(i, m)| i + m.len()),
            )
            .collect::<Vec<_>>();
        for i in from_root {
            let rest = &code[i..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                // `use crate::{a::X, b::{Y, Z}};`, perhaps over several lines:
                // the first segment of each top-level part of the group.
                Some(group) => top_level_parts(group),
                None => vec![rest],
            };
            for name in names {
                let word: String = name
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let first = match root_names.get(&word) {
                    Some(module) => module.clone(),
                    None if word.starts_with(|c: char| c.is_ascii_lowercase()) => word,
                    None => String::new(),
                };
                if !first.is_empty() && first != module && first != "self" && first != "super" {
                    targets.insert(first);
                }
            }
        }
    }
    graph
}

/// Name → module of what lib.rs re-exports (`pub use config::{Config, …};`).
fn root_reexports(src: &Path) -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let mut names = BTreeMap::new();
    for statement in lib.split("pub use ").skip(1) {
        let statement = statement.split(';').next().unwrap();
        let Some((module, rest)) = statement.split_once("::") else {
            continue;
        };
        let rest = rest.trim().trim_start_matches('{').trim_end_matches('}');
        for name in rest.split(',') {
            let name = name.split(" as ").last().unwrap().trim();
            if !name.is_empty() {
                names.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    names
}

/// No module takes a parent's names wholesale (`use super::*;` outside tests):
/// a glob hides what a file uses from the reader and from the layering test.
#[test]
fn no_file_imports_with_a_glob() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut globs = Vec::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        // A `tests.rs` is a module's tests, compiled under `#[cfg(test)]` only.
        if entry.path().extension().is_none_or(|x| x != "rs") || entry.file_name() == "tests.rs" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        // Module-level `use` lines (a function may `use Enum::*` for its match).
        for line in code.lines() {
            let is_use = line.starts_with("use ")
                || line.starts_with("pub use ")
                || line.starts_with("pub(crate) use ");
            if is_use && line.contains("::*") {
                let file = entry.path().strip_prefix(&src).unwrap().display();
                globs.push(format!("{file}: {line}"));
            }
        }
    }
    assert!(globs.is_empty(), "glob imports:\n{}", globs.join("\n"));
}

/// The comma-separated parts of a `{…}` group (its opening brace already
/// consumed), up to the brace that closes it.
fn top_level_parts(group: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                parts.push(&group[start..i]);
                return parts;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts
}

#[test]
fn no_module_imports_one_above_it() {
    let graph = imports();
    let order: Vec<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
    let listed: BTreeSet<&str> = order.iter().copied().collect();
    let found: BTreeSet<&str> = graph.keys().map(String::as_str).collect();
    assert_eq!(
        found, listed,
        "LAYERS must list every top-level module of src/"
    );

    let mut wrong = Vec::new();
    for (position, (module, allowed)) in LAYERS.iter().enumerate() {
        for dep in allowed.iter() {
            let below = order[..position].contains(dep);
            assert!(below, "LAYERS: {module} lists {dep}, which is not below it");
        }
        for dep in &graph[*module] {
            if !allowed.contains(&dep.as_str()) {
                wrong.push(format!("{module} imports {dep}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports outside the layering (move the item down, or update LAYERS and the table in CONTRIBUTING.md):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn there_is_no_import_circle() {
    // Independent of LAYERS: depth-first search for a back edge.
    let graph = imports();
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(circle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("import circle: {}", circle.join(" -> "));
        }
    }
}

/// CONTRIBUTING.md's table lists the same modules, in the same order, with
/// the same imports as `LAYERS` ("everything above" for `app`).
#[test]
fn the_contributing_guide_shows_the_layering_the_code_has() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/CONTRIBUTING.md")).unwrap();
    // The table of its "How it is built" section (other sections have tables too).
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with("How it is built"))
        .expect("CONTRIBUTING.md has a section \"How it is built\"");
    let rows: Vec<(String, BTreeSet<String>)> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            let module = cells[0]
                .trim_start_matches("| ")
                .trim_matches('`')
                .to_string();
            let imports = cells.last().unwrap().trim_end_matches(" |").trim();
            let set = match imports {
                "nothing" => BTreeSet::new(),
                "everything above" => BTreeSet::from(["*".to_string()]),
                list => list.split(", ").map(str::to_string).collect(),
            };
            (module, set)
        })
        .collect();
    let expected: Vec<(String, BTreeSet<String>)> = LAYERS
        .iter()
        .map(|(m, imports)| {
            let set = if *m == "app" {
                BTreeSet::from(["*".to_string()])
            } else {
                imports.iter().map(|s| s.to_string()).collect()
            };
            (m.to_string(), set)
        })
        .collect();
    assert_eq!(rows, expected, "CONTRIBUTING.md's table vs LAYERS");
}
