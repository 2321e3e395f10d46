//! Rendering the documents and recording what the next build reuses.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use crate::app::images::{Made, attach_originals, attach_videos};
use crate::app::{FeedCx, FeedOrigin};
use crate::config::FeedConfig;
use crate::error::Error;
use crate::manifest::{Journal, Manifest};
use crate::model::Feed;
use crate::output::ContentStore;
use crate::secret::Token;
use crate::source::snapshot::Snapshot;
use crate::{output, render};

/// The files of an output folder besides its media: relative path → bytes.
pub(super) type Documents = BTreeMap<String, Vec<u8>>;

/// After publishing: the manifest, and for a fetched feed the snapshot of the
/// shown posts as the API sent them (before the overrides, so an override
/// taken out takes its effect out offline too) with their originals. The
/// journal is then cleared: the manifest and the snapshot hold it all.
pub(super) fn record_state(
    feed: &FeedConfig,
    snapshot: &Snapshot,
    origin: FeedOrigin,
    candidates: &Feed,
    shown: &Feed,
    made: &Made,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    made.manifest.save(&feed.manifest)?;
    if origin == FeedOrigin::Api {
        let ids: HashSet<&str> = shown.posts.iter().map(|p| p.id.as_str()).collect();
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

/// The documents of one feed's output folder and the store files they use;
/// checked for anything that would make visitors' browsers contact Meta.
pub(super) fn render_documents(
    feed: &FeedConfig,
    shown: &Feed,
    manifest: &Manifest,
    store: &ContentStore,
    secrets: &[Token],
    now: DateTime<Utc>,
    cx: &FeedCx,
) -> Result<(Documents, HashSet<String>), Error> {
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
        let (name, _) = store.put(text.as_bytes(), "css")?;
        media_files.insert(name.clone());
        Some((format!("{}/{name}", crate::output::MEDIA_DIR), name, text))
    } else {
        None
    };
    let css_file = css.as_ref().map(|(_, name, _)| name.as_str());
    let views = render::views(shown, &manifest.assets, out, &feed.images.formats, &lang);
    let account = render::account_view(shown, &manifest.assets, out, &feed.images.formats, &lang);
    let viewer = if out.viewer {
        let (name, _) = store.put(render::VIEWER_JS.as_bytes(), "js")?;
        media_files.insert(name.clone());
        Some(name)
    } else {
        None
    };
    let fragment =
        render::fragment_with(&views, &account, out, css_file, viewer.as_deref(), &lang)?;
    let mut documents = BTreeMap::new();
    documents.insert(
        out.json.clone(),
        render::json(&account, &views).into_bytes(),
    );
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
    // The token must never be published, whatever file the config names.
    let holding: Vec<String> = documents
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .chain(
            css.iter()
                .map(|(path, _, text)| (path.as_str(), text.as_bytes())),
        )
        .filter(|(_, bytes)| secrets.iter().any(|t| t.is_in(bytes)))
        .map(|(name, _)| name.to_string())
        .collect();
    if !holding.is_empty() {
        return Err(Error::SecretInOutput { files: holding });
    }
    // Visitors' browsers must never contact Meta: check everything that would load.
    let findings = crate::privacy::check(
        documents
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .chain(
                css.iter()
                    .map(|(path, _, text)| (path.as_str(), text.as_bytes())),
            ),
    );
    if !findings.is_empty() {
        match out.privacy {
            crate::config::Privacy::Fail => return Err(Error::Privacy { findings }),
            crate::config::Privacy::Warn => cx.warn_all(
                findings
                    .iter()
                    .map(|f| format!("privacy: {f} would load from Meta in visitors' browsers")),
            ),
        }
    }
    Ok((documents, media_files))
}

/// Writes `output.data_file`, if set: the JSON data with the fragment as
/// `html`, for generators that read data files but cannot read the output
/// folder's (Hugo's `data/`). Written only when its bytes change, so a
/// generator's dev server rebuilds only for a new feed.
pub(super) fn write_data_file(feed: &FeedConfig, documents: &Documents) -> Result<(), Error> {
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
