//! The fenced blocks of the docs, for the tests that use them as written.
//!
//! A block is claimed by a `<!-- check: NAME -->` line right above its fence;
//! a test takes it with [`doc_block`]. `docs::every_example_is_claimed_by_a_test`
//! fails for a block in the checked pages that has no claim, and for a claim
//! that no test takes, so a new example cannot go untested.

use std::path::Path;

use super::repo;

/// One fenced block of a Markdown file.
#[derive(Debug, Clone)]
pub struct Block {
    /// The 1-based line of the opening fence.
    pub line: usize,
    /// The first word of the info string (`sh`, `toml`, …).
    pub lang: String,
    /// The NAME of the `<!-- check: NAME -->` line above it.
    pub check: Option<String>,
    /// The block's text, as written (ending in a newline).
    pub text: String,
}

/// Every fenced block of the Markdown file `rel`.
pub fn blocks(rel: &str) -> Vec<Block> {
    let text = std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    parse(&text)
}

fn parse(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let fence: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        if fence.len() < 3 || fence.chars().any(|c| c != fence.chars().next().unwrap()) {
            i += 1;
            continue;
        }
        let lang = trimmed[fence.len()..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        let check = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| l.trim().strip_prefix("<!-- check: "))
            .and_then(|l| l.strip_suffix(" -->"))
            .map(str::to_string);
        let start = i;
        let mut body = String::new();
        i += 1;
        while i < lines.len() && !lines[i].trim_start().starts_with(&fence) {
            body.push_str(lines[i]);
            body.push('\n');
            i += 1;
        }
        found.push(Block {
            line: start + 1,
            lang,
            check,
            text: body,
        });
        i += 1;
    }
    found
}

/// The block of `rel` claimed by `<!-- check: NAME -->`, as written.
pub fn doc_block(rel: &str, check: &str) -> String {
    let mut found = blocks(rel)
        .into_iter()
        .filter(|b| b.check.as_deref() == Some(check));
    let block = found
        .next()
        .unwrap_or_else(|| panic!("{rel} has no block marked <!-- check: {check} -->"));
    assert!(found.next().is_none(), "{rel} marks two blocks {check}");
    block.text
}

/// Every block of the README and the book claimed by `<!-- check: NAME -->`,
/// for checks that apply to many blocks (`config`, `workflow`, …): (the
/// file and line, the block's text).
pub fn claimed(check: &str) -> Vec<(String, String)> {
    let mut files = vec!["README.md".to_string()];
    for entry in walkdir::WalkDir::new(repo().join("docs"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
    {
        let rel = entry.path().strip_prefix(repo()).unwrap();
        files.push(rel.display().to_string());
    }
    let mut found = Vec::new();
    for file in files {
        for block in blocks(&file) {
            if block.check.as_deref() == Some(check) {
                found.push((format!("{file}:{}", block.line), block.text));
            }
        }
    }
    assert!(
        !found.is_empty(),
        "no block is marked <!-- check: {check} -->"
    );
    found
}

/// The lines of a shell block that run, comments and blank lines left out.
pub fn shell_lines(block: &str) -> Vec<String> {
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Runs `line` with bash in `dir`, as a user types it into a shell.
pub fn run_line(line: &str, dir: &Path, env: &[(&str, String)]) -> std::process::Output {
    let out = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", line])
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`{line}` failed in {}:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_claim_names_the_block_below_it() {
        let md = "text\n<!-- check: one -->\n```sh\necho 1\n```\n\n```toml\na = 1\n```\n";
        let found = super::parse(md);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].check.as_deref(), Some("one"));
        assert_eq!(found[0].text, "echo 1\n");
        assert_eq!(found[0].lang, "sh");
        assert_eq!(found[1].check, None);
        assert_eq!(found[1].line, 7);
    }
}
