//! The privacy check: no file feedgen publishes may make a visitor's browser
//! contact Meta. Links to posts on www.instagram.com are fine (a visitor
//! follows them on purpose); anything that *loads* by itself is not: images,
//! stylesheets, scripts, frames, from Instagram's or Facebook's CDNs and APIs.

/// Hosts (and their subdomains) whose resources must never load from the output.
pub const META_HOSTS: [&str; 8] = [
    "cdninstagram.com",
    "fbcdn.net",
    "instagram.com",
    "facebook.com",
    "facebook.net",
    "fbsbx.com",
    "instagram.net",
    "fb.com",
];

fn is_meta(url: &str) -> bool {
    let Ok(u) = url::Url::parse(url.trim()) else {
        return false;
    };
    let Some(host) = u.host_str().map(str::to_ascii_lowercase) else {
        return false;
    };
    META_HOSTS
        .iter()
        .any(|m| host == *m || host.ends_with(&format!(".{m}")))
}

/// Attribute values of `name="…"` in HTML or XML text (entities left as they are).
fn attributes<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.push(&rest[..end]);
        }
    }
    out
}

/// URLs an HTML text loads by itself: src, srcset, `url(…)` in styles, and
/// stylesheet, icon and preload links.
fn loaded_urls(html: &str) -> Vec<String> {
    let mut urls: Vec<String> = attributes(html, "src")
        .iter()
        .map(|s| s.to_string())
        .collect();
    for set in attributes(html, "srcset") {
        urls.extend(
            set.split(',')
                .filter_map(|c| c.split_whitespace().next())
                .map(String::from),
        );
    }
    for style in attributes(html, "style")
        .into_iter()
        .chain(attributes(html, "poster"))
    {
        let mut rest = style;
        while let Some(i) = rest.find("url(") {
            rest = &rest[i + 4..];
            if let Some(end) = rest.find(')') {
                urls.push(rest[..end].trim_matches(['"', '\'']).to_string());
            }
        }
        if !style.contains("url(") {
            // `poster` holds a bare URL.
            urls.push(style.to_string());
        }
    }
    let mut rest = html;
    while let Some(i) = rest.find("<link") {
        rest = &rest[i..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if !tag.contains("rel=\"alternate\"") {
            urls.extend(attributes(tag, "href").iter().map(|s| s.to_string()));
        }
        rest = &rest[end..];
    }
    urls
}

/// Every Meta URL that published files (name, bytes) would load, as `file: URL` lines.
pub fn check<'a>(documents: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<String> {
    let mut findings = Vec::new();
    for (name, bytes) in documents {
        let text = String::from_utf8_lossy(bytes);
        let mut urls = loaded_urls(&text);
        if name.ends_with(".json") {
            // JSON: the URL-valued keys feedgen writes, and HTML inside strings.
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
                collect_json(&value, &mut urls);
            }
        }
        if name.ends_with(".css") {
            let mut rest: &str = &text;
            while let Some(i) = rest.find("url(") {
                rest = &rest[i + 4..];
                if let Some(end) = rest.find(')') {
                    urls.push(rest[..end].trim().trim_matches(['"', '\'']).to_string());
                }
            }
            for line in text
                .lines()
                .filter(|l| l.trim_start().starts_with("@import"))
            {
                urls.extend(
                    line.split(['"', '\''])
                        .filter(|p| p.contains("://"))
                        .map(String::from),
                );
            }
        }
        if name.ends_with(".xml") {
            let unescaped = text
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            urls.extend(loaded_urls(&unescaped));
        }
        for url in urls {
            let decoded = url.replace("&amp;", "&");
            if is_meta(&decoded) {
                findings.push(format!(
                    "{name}: {}",
                    crate::secret::url_for_display(
                        &url::Url::parse(decoded.trim()).expect("parsed in is_meta")
                    )
                ));
            }
        }
    }
    findings.sort();
    findings.dedup();
    findings
}

fn collect_json(v: &serde_json::Value, urls: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    (
                        "url" | "image" | "banner_image" | "icon" | "favicon" | "avatar" | "lqip",
                        serde_json::Value::String(s),
                    ) => {
                        // `url` of a post is its permalink: a link, not a load.
                        if !s.starts_with("https://www.instagram.com/") {
                            urls.push(s.clone());
                        }
                    }
                    ("content_html", serde_json::Value::String(s)) => urls.extend(loaded_urls(s)),
                    _ => collect_json(v, urls),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_json(i, urls)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs<'a>(name: &'a str, text: &'a str) -> [(&'a str, &'a [u8]); 1] {
        [(name, text.as_bytes())]
    }

    #[test]
    fn loads_from_meta_are_found_and_links_are_not() {
        let html = r#"<a href="https://www.instagram.com/p/x/"><img src="https://scontent-cdg4-2.cdninstagram.com/v/a.jpg?oe=1&amp;oh=2" alt="see https://video.fbcdn.net/x.mp4"></a><link rel="stylesheet" href="https://static.xx.fbcdn.net/a.css">"#;
        let found = check(docs("feed.html", html));
        assert_eq!(
            found,
            vec![
                "feed.html: https://scontent-cdg4-2.cdninstagram.com/v/a.jpg",
                "feed.html: https://static.xx.fbcdn.net/a.css",
            ]
        );
        assert!(
            check(docs(
                "feed.html",
                r#"<img src="media/abc.jpg" srcset="/feed/media/a.webp 320w">"#
            ))
            .is_empty()
        );
    }

    #[test]
    fn json_urls_and_embedded_html_are_checked() {
        let json = r#"{"posts":[{"permalink":"https://www.instagram.com/p/x/","caption":"https://scontent.cdninstagram.com/in-text","images":[{"variants":[{"url":"https://scontent.cdninstagram.com/x.jpg"}]}]}]}"#;
        assert_eq!(
            check(docs("feed.json", json)),
            vec!["feed.json: https://scontent.cdninstagram.com/x.jpg"]
        );
    }
}
