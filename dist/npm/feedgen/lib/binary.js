'use strict';
// Finds the feedgen executable for this machine: the FEEDGEN_BINARY override,
// else the platform package npm installed as an optional dependency.
// Shared by the `feedgen` launcher and by the JS integrations built on it.

const path = require('node:path');

/**
 * Platform packages by `${process.platform} ${process.arch}`, with the Rust
 * target each is built for, from targets.json: the one list of release
 * targets, which the release workflow and the packing script read too.
 */
const TARGETS = require('./targets.json');
const PLATFORMS = Object.fromEntries(
  TARGETS.map(({ node, target, exe }) => [node, { pkg: `@feedgen/cli-${node.replace(' ', '-')}`, target, exe }]),
);

const FROM_SOURCE =
  'cargo install --locked feedgen (Rust 1.89 or newer), then set FEEDGEN_BINARY to the installed binary';

/** The platform package for `platform`/`arch`, or null where no binary is published. */
function platformPackage(platform, arch) {
  return PLATFORMS[`${platform} ${arch}`] || null;
}

/** The executable's file name on `platform` (targets.json says), inside its platform package. */
function executableName(platform) {
  const found = TARGETS.find(({ node }) => node.split(' ')[0] === platform);
  return found ? found.exe : 'feedgen';
}

/**
 * The absolute path of the feedgen executable.
 * Throws an Error whose message says what is wrong and what to do.
 * `options` exists for tests: env, platform, arch, resolve, version.
 */
function findBinary(options = {}) {
  const env = options.env || process.env;
  const platform = options.platform || process.platform;
  const arch = options.arch || process.arch;
  const resolve = options.resolve || require.resolve;
  const version = options.version || require('../package.json').version;

  const override = env.FEEDGEN_BINARY;
  if (override) {
    const fs = require('node:fs');
    if (!fs.existsSync(override)) {
      throw new Error(
        `FEEDGEN_BINARY is set to ${JSON.stringify(override)}, but there is no file there.\n` +
          'Point it at a feedgen executable, or unset it to use the one this package installed.',
      );
    }
    return path.resolve(override);
  }

  const found = platformPackage(platform, arch);
  if (!found) {
    const list = Object.keys(PLATFORMS).join(', ');
    throw new Error(
      `there is no prebuilt feedgen binary for ${platform} ${arch} (prebuilt: ${list}).\n` +
        `To use feedgen here: ${FROM_SOURCE}.`,
    );
  }
  const file = `${found.pkg}/${executableName(platform)}`;
  try {
    return resolve(file);
  } catch {
    throw new Error(
      `the package ${found.pkg}, which holds the feedgen binary for ${platform} ${arch}, is not installed.\n` +
        'npm skips it when optional dependencies are left out (--omit=optional, --no-optional), and some\n' +
        'npm versions drop it from a package-lock.json written on another platform (npm/cli#4828).\n' +
        'To fix it, do one of:\n' +
        `  - npm install --include=optional ${found.pkg}@${version}\n` +
        '  - delete node_modules and package-lock.json, then run npm install again\n' +
        `  - ${FROM_SOURCE}`,
    );
  }
}

module.exports = { PLATFORMS, platformPackage, executableName, findBinary };
