//! Embeds every language catalogue in `locales/`, so adding a language is
//! adding a file (see `locales/en.toml`).

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=locales");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"))
        .join("locales");
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("the locales folder")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let tag = path
                .file_name()?
                .to_str()?
                .strip_suffix(".toml")?
                .to_string();
            Some((tag, path))
        })
        .collect();
    files.sort();
    let mut code = String::from(
        "/// The catalogues of `locales/`: (BCP 47 tag, file text), by tag.\n\
         pub const CATALOGUES: &[(&str, &str)] = &[\n",
    );
    for (tag, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            code,
            "    ({tag:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out.join("catalogues.rs"), code).expect("writing catalogues.rs");
}
