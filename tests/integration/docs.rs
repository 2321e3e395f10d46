//! The docs' examples are the tested ones: every fenced block of the checked
//! pages is claimed by a `<!-- check: NAME -->` line, and a test takes each
//! claimed block with `doc_block` and runs or builds it as written.

use std::path::PathBuf;

use crate::support::docs::blocks;

/// The pages (and the part of each, from one heading to the next `## `) whose
/// every example must be run by a test.
const CHECKED: [(&str, &str); 2] = [
    ("README.md", "## Quick start"),
    ("docs/ci.md", "## Other CI systems"),
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
            .find(|(_, l)| l.starts_with("## "))
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
