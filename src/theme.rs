//! The stylesheet: built-in files, overridden one by one from the site.
//!
//! The CSS of a build is `base.css` (layouts and components) followed by the
//! chosen theme (`light.css`, `dark.css`, `auto.css` or `minimal.css`, which only
//! set custom properties), then every `output.extra_css` file. The built-in files
//! are embedded in the binary; a file of the same name in `output.theme_dir`
//! replaces one of them, as mdBook's `theme/` folder does. The result is written
//! content-addressed, so browsers can cache it forever.

use std::path::Path;

use crate::config::OutputConfig;
use crate::error::{ConfigError, Error};

/// The built-in files, by name. `auto.css` is not among them: it is made of
/// `light.css` and `dark.css` (the latter inside `prefers-color-scheme: dark`),
/// so overriding either also changes `auto`.
pub const BUILTIN: [(&str, &str); 4] = [
    ("base.css", include_str!("../themes/base.css")),
    ("light.css", include_str!("../themes/light.css")),
    ("dark.css", include_str!("../themes/dark.css")),
    ("minimal.css", include_str!("../themes/minimal.css")),
];

/// A theme file: the site's override from `theme_dir`, else the built-in one.
fn file(output: &OutputConfig, name: &str) -> Result<String, Error> {
    let overridden = output
        .theme_dir
        .as_ref()
        .map(|dir| dir.join(name))
        .filter(|p| p.is_file());
    if let Some(path) = overridden {
        let css = read(&path, "output.theme_dir")?;
        // Named by the key, not the path: the build machine's folders stay private.
        return Ok(format!("/* {name} (from output.theme_dir) */\n{css}"));
    }
    if name == "auto.css" {
        return Ok(format!(
            "{}\n@media (prefers-color-scheme: dark) {{\n{}}}\n",
            file(output, "light.css")?,
            file(output, "dark.css")?
        ));
    }
    Ok(BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, css)| css.to_string())
        .expect("a built-in theme file"))
}

fn read(path: &Path, key: &str) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| {
        ConfigError::invalid(key, &format!("cannot read {}: {e}", path.display())).into()
    })
}

/// The stylesheet for `output`, with the override and extra files it names.
pub fn stylesheet(output: &OutputConfig) -> Result<String, Error> {
    let mut css = String::new();
    for name in ["base.css", output.theme.file()] {
        css.push_str(&file(output, name)?);
        css.push('\n');
    }
    // The site's own toggle: the theme's rules nested under its selector
    // (CSS nesting), so `.feedgen` inside reads `SEL .feedgen` and outranks
    // the system's preference; older browsers just follow the system.
    let nested = |sel: &str, name: &str| -> Result<String, Error> {
        Ok(format!(
            "/* output.{name}_selector */\n{sel} {{\n{}}}\n",
            file(output, &format!("{name}.css"))?
        ))
    };
    if let Some(sel) = &output.dark_selector {
        css.push_str(&nested(sel, "dark")?);
    }
    if let Some(sel) = &output.light_selector {
        css.push_str(&nested(sel, "light")?);
    }
    for path in &output.extra_css {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        css.push_str(&format!("/* extra: {name} */\n"));
        css.push_str(&read(path, "output.extra_css")?);
        css.push('\n');
    }
    Ok(css)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn a_site_file_replaces_its_builtin_and_extras_come_last() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("theme")).unwrap();
        std::fs::write(
            dir.path().join("theme/dark.css"),
            ".feedgen{--feedgen-bg:#000001}",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("mine.css"),
            ".feedgen-item{outline:1px solid red}",
        )
        .unwrap();
        let c = Config::parse(
            "[output]\ntheme = \"dark\"\ntheme_dir = \"theme\"\nextra_css = [\"mine.css\"]\n",
            dir.path(),
        )
        .unwrap();
        let css = stylesheet(&c.feeds[0].output).unwrap();
        assert!(css.contains("--feedgen-bg:#000001"));
        assert!(
            !css.contains("#121212"),
            "the built-in dark.css is replaced"
        );
        assert!(css.contains(".feedgen--grid"), "base.css is still built in");
        assert!(css.find("#000001").unwrap() < css.find("outline:1px").unwrap());
    }

    #[test]
    fn auto_is_light_plus_dark_for_dark_systems_and_follows_overrides() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("theme")).unwrap();
        std::fs::write(
            dir.path().join("theme/dark.css"),
            ".feedgen{--feedgen-bg:#000002}",
        )
        .unwrap();
        let c = Config::parse(
            "[output]\ntheme = \"auto\"\ntheme_dir = \"theme\"\n",
            dir.path(),
        )
        .unwrap();
        let css = stylesheet(&c.feeds[0].output).unwrap();
        let media = css.find("@media (prefers-color-scheme: dark)").unwrap();
        assert!(
            css.find("--feedgen-bg: #fff").unwrap() < media,
            "light outside the query"
        );
        assert!(
            css.find("#000002").unwrap() > media,
            "the site's dark.css inside it"
        );
    }

    #[test]
    fn a_site_toggle_nests_the_dark_colours_under_its_selector() {
        let c = Config::parse(
            "[output]\ntheme = \"auto\"\ndark_selector = \"html.dark, [data-theme='dark']\"\nlight_selector = \"[data-theme=\\\"light\\\"]\"\n",
            Path::new("/site"),
        )
        .unwrap();
        let css = stylesheet(&c.feeds[0].output).unwrap();
        let media = css.find("@media (prefers-color-scheme: dark)").unwrap();
        let dark = css.find("html.dark, [data-theme='dark'] {\n").unwrap();
        let light = css.find("[data-theme=\"light\"] {\n").unwrap();
        assert!(media < dark && dark < light, "{css}");
        assert!(css[dark..light].contains("--feedgen-bg: #121212"), "{css}");
        assert!(css[light..].contains("--feedgen-bg: #fff"), "{css}");
    }

    #[test]
    fn a_selector_cannot_break_out_of_its_rule() {
        for bad in [
            ".dark{} body{display:none",
            ".dark;",
            "@import url(x)",
            ".a /* x",
            "[data-theme=\"dark\"",
            ".a\\7b",
            "</style><script>",
            "",
        ] {
            let toml = format!(
                "[output]\ntheme = \"auto\"\ndark_selector = {}\n",
                toml::Value::String(bad.into())
            );
            let err = Config::parse(&toml, Path::new("/site"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("output.dark_selector"), "{bad}: {err}");
        }
        let err = Config::parse(
            "[output]\ntheme = \"dark\"\ndark_selector = \".dark\"\n",
            Path::new("/site"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("theme = \"auto\""), "{err}");
    }

    #[test]
    fn a_missing_extra_file_names_the_key() {
        let c =
            Config::parse("[output]\nextra_css = [\"nope.css\"]\n", Path::new("/site")).unwrap();
        let err = stylesheet(&c.feeds[0].output).unwrap_err().to_string();
        assert!(
            err.contains("output.extra_css") && err.contains("nope.css"),
            "{err}"
        );
    }
}
