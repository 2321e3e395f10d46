//! Using feedgen as a library, as a Rust static site generator or a build.rs would:
//! load a config, override what the program decides, build, read the report.
//!
//! Run from the repository root: `cargo run --example library`

use std::path::Path;

fn main() -> Result<(), feedgen::Error> {
    let mut config = feedgen::Config::load(Path::new("example-site/feedgen.toml"))?;
    // The program decides where the output goes; the rest comes from the file.
    for feed in &mut config.feeds {
        feed.output.dir = std::env::temp_dir()
            .join("feedgen-library-example")
            .join(&feed.name);
        feed.output.page = None;
    }

    // One outcome per feed: a feed that fails keeps its previous output.
    for feed in feedgen::build(&config)?.feeds {
        let report = feed.result?;
        for warning in &report.warnings {
            eprintln!("warning: {warning}");
        }
        println!(
            "{}: {} posts of @{} written to {} ({} images decoded, {} variants reused)",
            feed.name,
            report.posts,
            report.username,
            report.out_dir.display(),
            report.media.decoded,
            report.media.reused_variants
        );
    }
    Ok(())
}
