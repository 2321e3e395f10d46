'use strict';
// Running feedgen from the site-generator integrations: where a config's feed
// goes (`feedgen paths`) and one build (`feedgen build --report json`).
// Shared by eleventy.js and astro.mjs.

const { execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** The last lines of a command's error output, for a one-line warning. */
function tail(text) {
  return String(text || '')
    .trim()
    .split('\n')
    .filter(Boolean)
    .slice(-3)
    .join(' / ');
}

/**
 * One feed of `config`, as `feedgen paths` prints it: `name`, `dir`, `html`,
 * `json`, `page`, `base_url`, `cache_dir`. `feed` names it; without a name the
 * config's only feed. Throws with feedgen's message when the config cannot be
 * read, and an error with `code` 'FEEDGEN_WHICH_FEED' (listing the feeds)
 * when the name is unknown, or missing in a config of several feeds.
 */
function feedPaths(binary, config, feed) {
  let feeds;
  try {
    const out = execFileSync(binary, ['paths', '--config', config], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    feeds = JSON.parse(out).feeds;
  } catch (e) {
    throw new Error(`cannot read ${config}: ${tail(e.stderr) || e.message}`);
  }
  const names = feeds.map((f) => `"${f.name}"`).join(', ');
  const which = (message) => Object.assign(new Error(message), { code: 'FEEDGEN_WHICH_FEED' });
  if (feed) {
    const found = feeds.find((f) => f.name === feed);
    if (!found) throw which(`${config} has no feed named "${feed}"; its feeds: ${names}`);
    return found;
  }
  if (feeds.length > 1) {
    throw which(`${config} has ${feeds.length} feeds (${names}); name the one to show with the feed option, e.g. { feed: "${feeds[0].name}" }`);
  }
  return feeds[0];
}

/**
 * Runs `feedgen build` for `config`. Resolves to `{ ok, code, report, detail }`
 * (`report`: the JSON document feedgen always prints; `detail`: the end of
 * its error output) and never rejects: a failed build is the caller's warning.
 * `feed`: build that feed only. With FEEDGEN_PREBUILT=1 (set by feedgen's GitHub Action after its build)
 * nothing runs: the feed was built earlier in the job, and a second build
 * would ask the API again.
 */
function build(binary, config, feed) {
  if (process.env.FEEDGEN_PREBUILT === '1') {
    return Promise.resolve({ ok: true, code: 0, report: null, detail: '' });
  }
  const only = feed ? ['--feed', feed] : [];
  return new Promise((resolve) => {
    execFile(
      binary,
      ['build', '--config', config, ...only, '--report', 'json', '--quiet'],
      { maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        let report = null;
        try {
          report = JSON.parse(stdout);
        } catch {
          report = null;
        }
        resolve({
          ok: !error,
          code: error ? error.code : 0,
          report,
          detail: error ? tail(stderr) || error.message : '',
        });
      },
    );
  });
}

/**
 * The shortcode a post is named by: a bare code, or a post link
 * (`instagram.com/p/CODE/`, `/reel/`, `/tv/`, under a user name too, with or
 * without a query); null when it is neither. As feedgen reads them, so the
 * card asked for is the one its scan made.
 */
function postCode(id) {
  const given = String(id ?? '').trim();
  if (/^(?!\d+$)[A-Za-z0-9_-]{1,64}$/.test(given)) return given;
  const link = /^(?:https?:\/\/)?(?:www\.)?instagram\.com\/(?:[A-Za-z0-9._]{1,30}\/)?(?:p|reels?|tv)\/([A-Za-z0-9_-]{1,64})(?:[/?#]|$)/i.exec(given);
  return link ? link[1] : null;
}

/**
 * One embedded post's markup: the card `feedgen build` wrote into `dir`
 * (`embeds/CODE.html`, with `[embed]` in the config), wrapped to hide its
 * caption text when `hidecaption`; without a card, a plain link to the post
 * (nothing loads from Instagram) and `missing` set, for the caller's warning.
 */
function postCard(dir, id, hidecaption = false) {
  const code = postCode(id);
  if (!code) return { code: null, html: '', missing: true };
  let card = null;
  try {
    card = fs.readFileSync(path.join(dir, 'embeds', `${code}.html`), 'utf8');
  } catch {
    card = null;
  }
  if (card === null) {
    return {
      code,
      html: `<p class="feedgen-card-link"><a href="https://www.instagram.com/p/${code}/">Instagram: ${code}</a></p>`,
      missing: true,
    };
  }
  return { code, html: hidecaption ? `<div class="feedgen-hidecaption">${card}</div>` : card, missing: false };
}

/** The warning for a post `postCard` found no card for. */
function missingCard(id, code, config) {
  return code
    ? `no card for the Instagram post ${code} yet: put the page in embed.scan (or the post in embed.posts) in ${config} and build again`
    : `${JSON.stringify(String(id ?? ''))} is neither an Instagram post's shortcode nor its link`;
}

module.exports = { build, feedPaths, tail, postCode, postCard, missingCard };
