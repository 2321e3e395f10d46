//! `feedgen init [DIR] [--ssg …]`: an annotated config, and the snippet that
//! pulls the fragment into a site of the chosen generator.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use feedgen::Error;
use feedgen::error::ConfigError;

use super::ok;

use feedgen::config::EXAMPLE_CONFIG;

/// Static site generators `init` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ssg {
    /// Hugo: output in static/feed, the data in data/feedgen.json, a partial that shows it.
    Hugo,
    /// Jekyll: output in feed/, included with include_relative.
    Jekyll,
    /// Eleventy: output in feed/, built and included by the `feedgen/eleventy` plugin.
    Eleventy,
    /// Astro: output in public/feed, built and loaded by the `feedgen/astro` content loader.
    Astro,
    /// Zola: output in static/feed, a template partial (recipe untested here).
    Zola,
    /// Plain HTML: output in feed/, included by copy or server-side include.
    Html,
}

/// Where the feed's posts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// Instagram's API, with a token (Business and Creator accounts).
    Api,
    /// Instagram's data export, a download (personal accounts).
    Export,
}

/// The export's file in the config `init --source export` writes.
const EXPORT_FILE: &str = "instagram-export.zip";

/// Flags of `feedgen init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The site's folder [default: the current folder].
    dir: Option<PathBuf>,
    /// Also write the include snippet for this static site generator.
    #[arg(long, value_enum)]
    ssg: Option<Ssg>,
    /// Where the posts come from: the API (a token), or the data export
    /// you download (personal accounts).
    #[arg(long, value_enum, default_value = "api")]
    source: Source,
    /// Overwrite files that exist.
    #[arg(long)]
    force: bool,
}

struct Recipe {
    out_dir: &'static str,
    base_url: &'static str,
    /// (path, contents) of the snippet file, if any.
    file: Option<(&'static str, &'static str)>,
    how: &'static str,
}

fn recipe(ssg: Ssg) -> Recipe {
    match ssg {
        Ssg::Hugo => Recipe {
            out_dir: "static/feed",
            base_url: "/feed/",
            file: Some((
                "layouts/partials/instagram-feed.html",
                "{{/* The feed `feedgen build` wrote: its fragment, from data/feedgen.json (output.data_file), which `hugo server` watches. hugo.Data from Hugo 0.156 on, site.Data before. */}}\n{{ $data := dict }}{{ if ge hugo.Version \"0.156.0\" }}{{ $data = hugo.Data }}{{ else }}{{ $data = site.Data }}{{ end }}\n{{ with $data.feedgen }}{{ .html | safeHTML }}{{ end }}\n",
            )),
            how: "Put {{ partial \"instagram-feed.html\" . }} where the feed should appear. For your own markup, loop over the data: {{ range hugo.Data.feedgen.posts }}…{{ end }} (site.Data before Hugo 0.156). With Go installed, the Hugo module github.com/feedgen/feedgen/dist/hugo has the same partial and an {{< instagram-feed >}} shortcode. Run `feedgen watch --refetch-every 15m` beside `hugo server`: each feed it builds shows at once, new Instagram posts within 15 minutes.",
        },
        Ssg::Jekyll => Recipe {
            out_dir: "feed",
            base_url: "/feed/",
            file: None,
            how: "In a page at the site root (e.g. index.html or index.md), put {% include_relative feed/feed.html %}. Jekyll copies feed/ with its media to _site/feed/. Run feedgen build before jekyll build.",
        },
        Ssg::Eleventy => Recipe {
            out_dir: "feed",
            base_url: "/feed/",
            file: None,
            how: "npm install --save-dev feedgen, then in your Eleventy config: import feedgen from \"feedgen/eleventy\"; (or require it) and eleventyConfig.addPlugin(feedgen); then put {% instagramFeed %} where the feed should appear (or loop over instagram.posts). The plugin builds the feed before each Eleventy run, copies it to /feed/, and keeps Eleventy from rendering the feed folder.",
        },
        Ssg::Astro => Recipe {
            out_dir: "public/feed",
            base_url: "/feed/",
            file: None,
            how: "npm install --save-dev feedgen, then in src/content.config.mjs: import { feedgen } from \"feedgen/astro\"; and defineCollection({ loader: feedgen() }); put <InstagramFeed /> (import InstagramFeed from \"feedgen/InstagramFeed.astro\") where the feed should appear, or getCollection for your own markup. The loader builds the feed on every sync and keeps the last good one.",
        },
        Ssg::Zola => Recipe {
            out_dir: "static/feed",
            base_url: "/feed/",
            file: Some((
                "templates/partials/instagram-feed.html",
                "{# The feed written by `feedgen build` into static/feed/. #}\n{{ load_data(path=\"static/feed/feed.html\", format=\"plain\") | safe }}\n",
            )),
            how: "Put {% include \"partials/instagram-feed.html\" %} where the feed should appear. (This recipe is not tested in feedgen's CI: Zola is not packaged for it.)",
        },
        Ssg::Html => Recipe {
            out_dir: "feed",
            base_url: "/feed/",
            file: None,
            how: "Paste feed/feed.html into your page, or include it server-side: <!--#include virtual=\"/feed/feed.html\" --> (nginx ssi on; Apache mod_include).",
        },
    }
}

/// The home page `init --ssg hugo` writes into a site without any layout
/// (a fresh `hugo new site` has none, so Hugo renders nothing at all).
const HUGO_HOME: &str = r#"{{/* Written by `feedgen init --ssg hugo` because this site had no layout: a
     minimal home page with the Instagram feed. Replace it with your theme. */}}
<!doctype html>
{{- $lang := "" -}}
{{- if ge hugo.Version "0.158.0" }}{{ $lang = site.Language.Locale }}{{ else }}{{ $lang = site.LanguageCode }}{{ end -}}
<html lang="{{ $lang | default "en" }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ site.Title }}</title>
</head>
<body>
<main>
<h1>{{ site.Title }}</h1>
{{ partial "instagram-feed.html" . }}
</main>
</body>
</html>
"#;

/// Whether a Hugo site has a layout of its own or a theme to render with.
fn hugo_has_layout(dir: &Path) -> bool {
    let has_files = |sub: &str| {
        walkdir::WalkDir::new(dir.join(sub))
            .into_iter()
            .filter_map(Result::ok)
            .any(|e| e.file_type().is_file() && !e.file_name().to_string_lossy().starts_with('.'))
    };
    has_files("layouts") || has_files("themes")
}

/// Makes sure `.gitignore` in `dir` names the cache and the generated output
/// (created if missing; a line already there, with or without its slashes, is
/// not added again). Returns the lines added.
fn ignore_generated(dir: &Path, out_dir: &str, export: bool) -> Result<Vec<String>, Error> {
    let path = dir.join(".gitignore");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    let bare = |line: &str| line.trim().trim_matches('/').to_string();
    let present: Vec<String> = text.lines().map(bare).collect();
    // The export holds messages and more: never committed.
    let file = export.then(|| (EXPORT_FILE.to_string(), false));
    let added: Vec<String> = [
        (".feedgen-cache".to_string(), true),
        (out_dir.to_string(), true),
    ]
    .into_iter()
    .chain(file)
    .filter(|(want, _)| !present.contains(&bare(want)))
    .map(|(want, folder)| {
        if folder {
            format!("/{want}/")
        } else {
            format!("/{want}")
        }
    })
    .collect();
    if added.is_empty() {
        return Ok(added);
    }
    let mut new = text;
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str("# feedgen: its cache, and the feed `feedgen build` writes\n");
    if export {
        new.push_str("# (and your Instagram export, which holds private data)\n");
    }
    for line in &added {
        new.push_str(line);
        new.push('\n');
    }
    std::fs::write(&path, new).map_err(|e| Error::io("write", path, e))?;
    Ok(added)
}

fn write_new(path: &Path, text: &str, force: bool) -> Result<(), Error> {
    if path.exists() && !force {
        return Err(ConfigError::Exists {
            path: path.to_path_buf(),
        }
        .into());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create folder", parent, e))?;
    }
    std::fs::write(path, text).map_err(|e| Error::io("write", path, e))
}

pub fn run(args: &InitArgs) -> Result<ExitCode, Error> {
    let me = invoked_as();
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut config = EXAMPLE_CONFIG.to_string();
    let recipe = args.ssg.map(recipe);
    if let Some(r) = &recipe {
        config = config
            .replace("dir = \"public/feed\"", &format!("dir = \"{}\"", r.out_dir))
            .replace("base_url = \"\"", &format!("base_url = \"{}\"", r.base_url));
        if args.ssg == Some(Ssg::Hugo) {
            // Hugo reads data/ and its server watches it; readFile is not watched.
            config = config.replace(
                "# data_file = \"data/feedgen.json\"",
                "data_file = \"data/feedgen.json\"",
            );
        }
    }
    if args.source == Source::Export {
        config = config
            .replace("\nkind = \"instagram\"\n", "\nkind = \"export\"\n")
            .replace(
                &format!("# export = \"{EXPORT_FILE}\""),
                &format!("export = \"{EXPORT_FILE}\""),
            );
    }
    let config_path = dir.join("feedgen.toml");
    write_new(&config_path, &config, args.force)?;
    println!("wrote {}", config_path.display());
    let out_dir = recipe.as_ref().map_or("public/feed", |r| r.out_dir);
    // Eleventy 3 watches no git-ignored file: its dev server would never see
    // a new feed. There only the images are ignored; the fragment and the
    // JSON stay visible (two small files) so `eleventy --serve` rebuilds.
    let ignored = if args.ssg == Some(Ssg::Eleventy) {
        format!("{out_dir}/{}", feedgen::output::MEDIA_DIR)
    } else {
        out_dir.to_string()
    };
    let added = ignore_generated(&dir, &ignored, args.source == Source::Export)?;
    if !added.is_empty() {
        println!(
            "added {} to {}",
            added.join(" and "),
            dir.join(".gitignore").display()
        );
    }
    if let Some(r) = recipe {
        if args.ssg == Some(Ssg::Hugo) && !hugo_has_layout(&dir) {
            let path = dir.join("layouts/index.html");
            write_new(&path, HUGO_HOME, args.force)?;
            println!(
                "wrote {} (the site had no layout: a home page with the feed)",
                path.display()
            );
        }
        if let Some((rel, text)) = r.file {
            let path = dir.join(rel);
            write_new(&path, text, args.force)?;
            println!("wrote {}", path.display());
        }
        println!("output: {} (served at {})", r.out_dir, r.base_url);
        println!(
            "next: {}",
            r.how.replace("feedgen build", &format!("{me} build"))
        );
    }
    match args.source {
        Source::Api => println!(
            "then: export FEEDGEN_TOKEN=…  (https://feedgen.github.io/feedgen/first-feed.html#getting-a-token), {me} doctor, {me} build"
        ),
        Source::Export => println!(
            "then: download your Instagram export in JSON to ./{EXPORT_FILE} (https://feedgen.github.io/feedgen/guides/personal-accounts.html), {me} doctor, {me} build"
        ),
    }
    Ok(ok())
}

/// How the user runs feedgen, for the next steps init prints: `npx feedgen`
/// when the npm launcher says so (`FEEDGEN_INVOKED_AS`), else `feedgen`.
fn invoked_as() -> String {
    std::env::var("FEEDGEN_INVOKED_AS")
        .ok()
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 40
                && v.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'.' | b'/' | b'_')
                })
        })
        .unwrap_or_else(|| "feedgen".to_string())
}
