//! Rendering the documents, publishing them, and recording what the next build reuses.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use crate::app::images::{Made, attach_originals, attach_videos};
use crate::app::{FeedCx, FeedOrigin};
use crate::config::FeedConfig;
use crate::error::Error;
use crate::manifest::{Journal, Manifest};
use crate::model::{Feed, Post};
use crate::output::ContentStore;
use crate::secret::Token;
use crate::source::snapshot::Snapshot;
use crate::{output, render};

/// The files of an output folder besides its media: relative path → bytes.
pub(super) type Documents = BTreeMap<String, Vec<u8>>;

/// After publishing: the manifest, and for a fetched feed the snapshot of the
/// `kept` posts (shown or embedded: found once, an embedded post is read by
/// id next time) as the API sent them (before the overrides, so an override
/// taken out takes its effect out offline too) with their originals. The
/// journal is then cleared: the manifest and the snapshot hold it all.
pub(super) fn record_state(
    feed: &FeedConfig,
    snapshot: &Snapshot,
    origin: FeedOrigin,
    candidates: &Feed,
    kept: &[&Post],
    made: &Made,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    made.manifest.save(&feed.manifest)?;
    if origin == FeedOrigin::Api {
        let ids: HashSet<&str> = kept.iter().map(|p| p.id.as_str()).collect();
        let mut record = Feed {
            account: candidates.account.clone(),
            posts: candidates
                .posts
                .iter()
                .filter(|p| ids.contains(p.id.as_str()))
                .cloned()
                .collect(),
        };
        attach_originals(&mut record, &made.originals);
        attach_videos(&mut record, made);
        snapshot.save(&record, now)?;
        let used: HashSet<String> = made
            .originals
            .values()
            .map(|o| o.file.clone())
            .chain(made.videos.values().filter_map(|v| v.file.clone()))
            .collect();
        snapshot.prune_originals(&used)?;
    }
    Journal::beside(&feed.manifest).clear();
    Ok(())
}

/// One feed's output, rendered and not yet written: the documents of its
/// output folder, and the store files the build makes for them.
pub(super) struct Rendered {
    /// The output folder's files besides its media, by name.
    documents: Documents,
    /// The theme's stylesheet, by its content-addressed name.
    css: Option<(String, String)>,
    /// The scripts the documents load (the viewer's, click-to-load's).
    scripts: Vec<&'static str>,
    /// Every store file the documents use.
    media_files: HashSet<String>,
}

/// The single posts a feed embeds: every one wanted, and those found.
#[derive(Clone, Copy)]
pub(super) struct Cards<'a> {
    pub(super) wanted: &'a crate::embed::Wanted,
    pub(super) found: &'a [(String, Post)],
}

impl Cards<'_> {
    /// Whether a card needs the click-to-load script: `embed.click_to_load`
    /// is on and a wanted post was not found.
    fn need_loader(&self, feed: &FeedConfig) -> bool {
        feed.embed.click_to_load
            && self
                .wanted
                .codes()
                .any(|code| !self.found.iter().any(|(c, _)| c == code))
    }
}

/// The store files a card links to, by content-addressed name.
#[derive(Clone, Copy)]
struct CardFiles<'a> {
    css: Option<&'a str>,
    viewer: Option<&'a str>,
    loader: Option<&'a str>,
}

/// Where the card of the post with shortcode `code` is written in the output folder.
pub fn card_path(code: &str) -> String {
    format!("{}/{code}.html", crate::output::EMBEDS_DIR)
}

/// Renders one feed's documents. Writes nothing: `publish` checks and writes them.
pub(super) fn render(
    feed: &FeedConfig,
    shown: &Feed,
    cards: Cards<'_>,
    manifest: &Manifest,
    now: DateTime<Utc>,
    cx: &FeedCx,
) -> Result<Rendered, Error> {
    let out = &feed.output;
    // Relative dates count from the build's clock (injectable for tests).
    let (lang, lang_warnings) = crate::lang::Language::new(
        out.lang.as_deref(),
        &out.text,
        &out.date_format,
        out.time_zone.as_deref(),
        now,
    );
    cx.warn_all(lang_warnings);
    let mut media_files: HashSet<String> = manifest
        .assets
        .values()
        .flat_map(|e| e.variants.iter().map(|v| v.file.clone()))
        .chain(manifest.videos.values().cloned())
        .collect();
    let css = if out.css {
        let text = crate::theme::stylesheet(out)?;
        Some((output::content_name(text.as_bytes(), "css"), text))
    } else {
        None
    };
    let script = |text: &str| output::content_name(text.as_bytes(), "js");
    let viewer = out.viewer.then(|| script(render::VIEWER_JS));
    let loader = cards
        .need_loader(feed)
        .then(|| script(render::card::LOADER_JS));
    let scripts: Vec<&'static str> = [
        viewer.as_ref().map(|_| render::VIEWER_JS),
        loader.as_ref().map(|_| render::card::LOADER_JS),
    ]
    .into_iter()
    .flatten()
    .collect();
    media_files.extend(css.iter().map(|(name, _)| name.clone()));
    media_files.extend(viewer.iter().chain(&loader).cloned());
    let css_file = css.as_ref().map(|(name, _)| name.as_str());
    let views = render::views(shown, &manifest.assets, out, &feed.images.formats, &lang);
    let account = render::account_view(shown, &manifest.assets, out, &feed.images.formats, &lang);
    let fragment =
        render::fragment_with(&views, &account, out, css_file, viewer.as_deref(), &lang)?;
    let mut documents = BTreeMap::new();
    let files = CardFiles {
        css: css_file,
        viewer: viewer.as_deref(),
        loader: loader.as_deref(),
    };
    let embeds = render_cards(feed, shown, &account, cards, manifest, files, &lang)?;
    let json = render::json_with_embeds(&account, &views, feed.embed.is_on().then_some(&embeds));
    for (code, (_, html)) in embeds {
        documents.insert(card_path(&code), html.into_bytes());
    }
    documents.insert(out.json.clone(), json.into_bytes());
    if let Some(page_name) = &out.page {
        let page = render::page(&fragment, &shown.account.username, out, &lang)?;
        documents.insert(page_name.clone(), page.into_bytes());
    }
    documents.insert(out.html.clone(), fragment.into_bytes());
    if let Some(site) = &out.site_url {
        documents.insert(
            out.jsonfeed.clone(),
            render::feeds::json_feed(&shown.account, &views, out, site, &lang).into_bytes(),
        );
        documents.insert(
            out.atom.clone(),
            render::feeds::atom(&shown.account, &views, out, site, &lang)?.into_bytes(),
        );
    }
    Ok(Rendered {
        documents,
        css,
        scripts,
        media_files,
    })
}

/// What publishing did: the output folder's files, the store files the
/// output uses, and whether the output differs from the last published one.
pub(super) struct Publication {
    pub(super) files: output::Published,
    pub(super) media_files: HashSet<String>,
    pub(super) changed: bool,
}

/// Publishes a rendered feed: first the gates (the token never published;
/// nothing that would make visitors' browsers contact Meta), then the
/// store files, the output folder in one swap and the data file.
pub(super) fn publish(
    feed: &FeedConfig,
    rendered: Rendered,
    store: &ContentStore,
    secrets: &[Token],
    cx: &FeedCx,
) -> Result<Publication, Error> {
    let Rendered {
        documents,
        css,
        scripts,
        media_files,
    } = rendered;
    let css_path = css
        .as_ref()
        .map(|(name, text)| (format!("{}/{name}", output::MEDIA_DIR), text.as_bytes()));
    let checked = || {
        documents
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .chain(css_path.iter().map(|(path, text)| (path.as_str(), *text)))
    };
    // The token must never be published, whatever file the config names.
    let holding: Vec<String> = checked()
        .filter(|(_, bytes)| secrets.iter().any(|t| t.is_in(bytes)))
        .map(|(name, _)| name.to_string())
        .collect();
    if !holding.is_empty() {
        return Err(Error::SecretInOutput { files: holding });
    }
    // Visitors' browsers must never contact Meta: check everything that would load.
    let findings = crate::privacy::check(checked());
    if !findings.is_empty() {
        match feed.output.privacy {
            crate::config::Privacy::Fail => return Err(Error::Privacy { findings }),
            crate::config::Privacy::Warn => cx.warn_all(
                findings
                    .iter()
                    .map(|f| format!("privacy: {f} would load from Meta in visitors' browsers")),
            ),
        }
    }
    if let Some((_, text)) = &css {
        store.put(text.as_bytes(), "css")?;
    }
    for script in scripts {
        store.put(script.as_bytes(), "js")?;
    }
    let files = output::publish(&feed.output.dir, &documents, &media_files, store)?;
    write_data_file(feed, &documents)?;
    let changed = record_publication(feed, &documents, &media_files)?;
    Ok(Publication {
        files,
        media_files,
        changed,
    })
}

/// Records what was published (one blake3 over every document's name and
/// bytes and every store file's name) in the feed's records in the cache,
/// and says whether it differs from the record of the last publish. The
/// record, not the output folder, is compared: a CI job often starts from a
/// fresh checkout whose output folder is empty, while the cache is carried.
fn record_publication(
    feed: &FeedConfig,
    documents: &Documents,
    media_files: &HashSet<String>,
) -> Result<bool, Error> {
    let mut hasher = blake3::Hasher::new();
    // Where it was published is part of what was published (a new output.dir).
    for place in std::iter::once(&feed.output.dir).chain(&feed.output.data_file) {
        let place = place.as_os_str().as_encoded_bytes();
        hasher.update(&(place.len() as u64).to_le_bytes());
        hasher.update(place);
    }
    for (name, bytes) in documents {
        hasher.update(&(name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let mut media: Vec<&String> = media_files.iter().collect();
    media.sort();
    for name in media {
        hasher.update(name.as_bytes());
        hasher.update(b"\n");
    }
    let digest = format!("{}\n", hasher.finalize().to_hex());
    let record = feed.manifest.with_file_name("published.blake3");
    if std::fs::read_to_string(&record).is_ok_and(|old| old == digest) {
        return Ok(false);
    }
    output::write_atomic(&record, digest.as_bytes())?;
    Ok(true)
}

/// Writes `output.data_file`, if set: the JSON data with the fragment as
/// `html`, for generators that read data files but cannot read the output
/// folder's (Hugo's `data/`). Written only when its bytes change, so a
/// generator's dev server rebuilds only for a new feed.
fn write_data_file(feed: &FeedConfig, documents: &Documents) -> Result<(), Error> {
    let Some(path) = &feed.output.data_file else {
        return Ok(());
    };
    let out = &feed.output;
    let (Some(json), Some(html)) = (documents.get(&out.json), documents.get(&out.html)) else {
        return Ok(());
    };
    let mut data: serde_json::Value =
        serde_json::from_slice(json).expect("the JSON data file is JSON");
    data["html"] = serde_json::Value::String(String::from_utf8_lossy(html).into_owned());
    let mut bytes = serde_json::to_vec_pretty(&data).expect("JSON serializes");
    bytes.push(b'\n');
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    output::write_atomic(path, &bytes)
}

/// The card of every wanted post, by shortcode: whether it was found, and its HTML.
fn render_cards(
    feed: &FeedConfig,
    shown: &Feed,
    account: &render::AccountView,
    cards: Cards<'_>,
    manifest: &Manifest,
    files: CardFiles<'_>,
    lang: &crate::lang::Language,
) -> Result<render::Embeds, Error> {
    let out = &feed.output;
    let mut rendered = BTreeMap::new();
    if cards.wanted.is_empty() {
        return Ok(rendered);
    }
    // A card shows the feed's author, with the header's avatar (made with the feed's).
    let formats = &feed.images.formats;
    let found = Feed {
        account: shown.account.clone(),
        posts: cards.found.iter().map(|(_, p)| p.clone()).collect(),
    };
    // A card is one column at the images' own shape (never a grid's crop).
    let card_out = crate::config::OutputConfig {
        eager: 0,
        layout: crate::config::Layout::Masonry,
        sizes: render::card::CARD_SIZES.to_string(),
        ..out.clone()
    };
    let views = render::views(&found, &manifest.assets, &card_out, formats, lang);
    for code in cards.wanted.codes() {
        let view = cards
            .found
            .iter()
            .find(|(c, _)| c == code)
            .and_then(|(_, p)| views.iter().find(|v| v.id == p.id));
        let html = match view {
            Some(v) => (
                true,
                render::card::card(v, account, out, files.css, files.viewer, lang)?,
            ),
            None => (
                false,
                render::card::link_card(code, out, files.css, files.loader, lang)?,
            ),
        };
        rendered.insert(code.to_string(), html);
    }
    Ok(rendered)
}
