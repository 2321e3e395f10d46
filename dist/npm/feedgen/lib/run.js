'use strict';
// Running feedgen from the site-generator integrations: where a config's feed
// goes (`feedgen paths`) and one build (`feedgen build --report json`).
// Shared by eleventy.js and astro.mjs.

const { execFile, execFileSync } = require('node:child_process');

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

module.exports = { build, feedPaths, tail };
