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
 * The first feed of `config`, as `feedgen paths` prints it: `dir`, `html`,
 * `json`, `page`, `base_url`, `cache_dir`. Throws with feedgen's message when
 * the config cannot be read.
 */
function feedPaths(binary, config) {
  try {
    const out = execFileSync(binary, ['paths', '--config', config], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out).feeds[0];
  } catch (e) {
    throw new Error(`cannot read ${config}: ${tail(e.stderr) || e.message}`);
  }
}

/**
 * Runs `feedgen build` for `config`. Resolves to `{ ok, code, report, detail }`
 * (`report`: the JSON document feedgen always prints; `detail`: the end of
 * its error output) and never rejects: a failed build is the caller's warning.
 */
function build(binary, config) {
  return new Promise((resolve) => {
    execFile(
      binary,
      ['build', '--config', config, '--report', 'json', '--quiet'],
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
