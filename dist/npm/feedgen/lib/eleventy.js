'use strict';
// feedgen's Eleventy 3 plugin: `eleventyConfig.addPlugin(feedgen, { config })`.
//
// CommonJS on purpose: `require("feedgen/eleventy")` and
// `import feedgen from "feedgen/eleventy"` both load it, so ESM and CommonJS
// projects use the same file. It
// - builds the feed before each Eleventy run (`eleventy.before`); under
//   --serve or --watch it builds again only when the feedgen config changed,
//   so editing a template spends no API call;
// - exposes the fragment and the JSON data as global data (`instagram` by
//   default) and as the `{% instagramFeed %}` shortcode, read fresh for each
//   Eleventy run; `{% instagram "CODE" %}` shows one post's card (`[embed]`);
// - copies the output folder to the site at the path of `output.base_url`
//   and keeps Eleventy from rendering it as input; under --serve a new feed
//   (from `feedgen build` or `feedgen watch` in another terminal) sets off a
//   rebuild that shows it, while feedgen's cache is not watched;
// - never fails the site: a failed build is a warning, the last good feed
//   (which feedgen keeps) is shown, and no feed at all is an empty one.

const fs = require('node:fs');
const path = require('node:path');
const { findBinary } = require('./binary.js');
const { build: runBuild, feedPaths, postCard, missingCard } = require('./run.js');

const PREFIX = '[feedgen]';

/**
 * The URL path the output is served under (`/feed/` gives `feed`), '' for the
 * site root. The output folder is copied there, so a path that could climb out
 * of the site's output (`..`, a backslash, a control character) is refused,
 * as feedgen refuses it in output.base_url.
 */
function urlPath(baseUrl) {
  const given = baseUrl || '';
  let p = given;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
    p = p.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  } else if (!p.startsWith('/') || p.startsWith('//')) {
    return '';
  }
  p = p.split(/[?#]/)[0];
  const dots = (s) => /^(\.|%2e){1,2}$/i.test(s);
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(p) || p.split('/').some(dots)) {
    throw new Error(`${PREFIX} output.base_url ${JSON.stringify(given)} could place the feed outside the site; give a path such as "/feed/"`);
  }
  return p.replace(/^\/+|\/+$/g, '');
}

/** A fingerprint of a file (size and modification time), '' when it is missing. */
function stamp(file) {
  try {
    const s = fs.statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

module.exports = function feedgenPlugin(eleventyConfig, options = {}) {
  const config = options.config || 'feedgen.toml';
  const dataKey = options.dataKey || 'instagram';
  const warn = (message) => console.warn(`${PREFIX} ${message}`);

  let binary = null;
  try {
    binary = options.binary || findBinary();
  } catch (e) {
    warn(e.message);
  }

  // Where the output goes, from the config itself (no build needed).
  let paths = null;
  if (binary) {
    try {
      paths = feedPaths(binary, config, options.feed);
    } catch (e) {
      // Showing some other feed, or none, without a word would be worse.
      if (e.code === 'FEEDGEN_WHICH_FEED') throw new Error(`${PREFIX} ${e.message}`);
      warn(e.message);
    }
  }
  const dir = paths ? paths.dir : options.dir || 'feed';
  const cacheDir = paths ? paths.cache_dir : '.feedgen-cache';
  const files = {
    html: path.join(dir, paths ? paths.html : 'feed.html'),
    json: path.join(dir, paths ? paths.json : 'feed.json'),
  };
  const mount = paths ? urlPath(paths.base_url) : path.basename(dir);

  const inputGlob = (folder) => `${path.normalize(folder).replace(/\\/g, '/').replace(/^\.\//, '')}/**`;
  eleventyConfig.ignores.add(inputGlob(dir));
  eleventyConfig.watchIgnores.add(inputGlob(cacheDir));
  // An edit of the feedgen config under --serve rebuilds (and so runs feedgen).
  eleventyConfig.addWatchTarget(config);
  eleventyConfig.addPassthroughCopy({ [dir]: mount || '.' });

  let built = null; // the config's stamp at the last build
  let warnedMissing = false;

  async function build() {
    const { ok, code, report, detail } = await runBuild(binary, config, options.feed);
    if (report && report.stale) {
      warn(`showing the last good feed: ${report.stale.reason}`);
    } else if (!ok) {
      warn(
        `feedgen build failed (exit ${code}): ${detail}; the site is built with the previous feed, if there is one`,
      );
    }
  }

  eleventyConfig.on('eleventy.before', async ({ runMode }) => {
    if (!binary) return;
    const now = stamp(config);
    if (built !== null && runMode !== 'build' && built === now) return;
    await build();
    built = now;
  });

  /** The feed as the output folder holds it now; empty (with one warning) when there is none. */
  function load() {
    try {
      const data = JSON.parse(fs.readFileSync(files.json, 'utf8'));
      const html = fs.readFileSync(files.html, 'utf8');
      warnedMissing = false;
      return { ...data, html };
    } catch {
      if (!warnedMissing) {
        warn(`no feed in ${dir} yet; the site is built without it`);
        warnedMissing = true;
      }
      return { posts: [], html: '' };
    }
  }

  eleventyConfig.addGlobalData(dataKey, () => load());
  eleventyConfig.addShortcode('instagramFeed', () => load().html);
  // One post as a static card ([embed] in feedgen.toml): a shortcode or a
  // link, then "hidecaption" to hide the caption text.
  eleventyConfig.addShortcode('instagram', (id, hidecaption) => {
    const card = postCard(dir, id, hidecaption === 'hidecaption' || hidecaption === true);
    if (card.missing) warn(missingCard(id, card.code, config));
    return card.html;
  });
};

module.exports.urlPath = urlPath;
