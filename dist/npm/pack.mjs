#!/usr/bin/env node
// Builds feedgen's npm packages from release archives:
//
//   node dist/npm/pack.mjs ARCHIVE_DIR OUT_DIR [--all]
//
// For each feedgen-TARGET-vVERSION.tar.gz (.zip) in ARCHIVE_DIR it makes the
// platform package @feedgen/cli-OS-CPU holding that binary, then the `feedgen`
// launcher package, whose optionalDependencies pin every platform package at
// exactly VERSION. Each is `npm pack`ed into OUT_DIR, ready for `npm publish`.
// --all fails unless every platform has an archive (the release does this).
// No install scripts: npm picks the platform package by its os and cpu fields.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// fileURLToPath, not .pathname: a checkout under a folder with spaces stays readable.
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const { PLATFORMS, executableName } = require('./feedgen/lib/binary.js');

const args = process.argv.slice(2);
const all = args.includes('--all');
const [archiveDir, outDir] = args.filter((a) => !a.startsWith('--'));
if (!archiveDir || !outDir) {
  console.error('usage: node dist/npm/pack.mjs ARCHIVE_DIR OUT_DIR [--all]');
  process.exit(2);
}

// Cargo.toml's fields, read by dist/version.sh as every release script does.
const cargoField = (field) =>
  execFileSync('bash', [path.join(repo, 'dist/version.sh'), field], { encoding: 'utf8' }).trim();
const version = cargoField('version');
const repository = cargoField('repository') || undefined;
const license = cargoField('license');

fs.mkdirSync(outDir, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'feedgen-pack-'));
const packed = [];

function pack(dir) {
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', path.resolve(outDir)], {
    cwd: dir,
    encoding: 'utf8',
  });
  packed.push(path.join(outDir, out.trim().split('\n').pop()));
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

const missing = [];
for (const [key, { pkg, target }] of Object.entries(PLATFORMS)) {
  const [platform, cpu] = key.split(' ');
  const base = `feedgen-${target}-v${version}`;
  const archive = ['.tar.gz', '.zip']
    .map((ext) => path.join(archiveDir, base + ext))
    .find((f) => fs.existsSync(f));
  if (!archive) {
    missing.push(base);
    continue;
  }
  const unpacked = path.join(work, base);
  fs.mkdirSync(unpacked);
  if (archive.endsWith('.zip')) {
    execFileSync('unzip', ['-q', archive, '-d', unpacked]);
  } else {
    execFileSync('tar', ['-xzf', archive, '-C', unpacked]);
  }
  const exe = executableName(platform);
  const dir = path.join(work, pkg.replace('/', '+'));
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(unpacked, base, exe), path.join(dir, exe));
  fs.chmodSync(path.join(dir, exe), 0o755);
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    `# ${pkg}\n\nThe feedgen ${version} binary for ${platform} ${cpu} (${target}).\n` +
      'Install the `feedgen` package instead: it picks this one on this platform.\n',
  );
  writeJson(path.join(dir, 'package.json'), {
    name: pkg,
    version,
    description: `The feedgen binary for ${platform} ${cpu}`,
    license,
    ...(repository && { repository: { type: 'git', url: `git+${repository}.git` } }),
    os: [platform],
    cpu: [cpu],
    // Static binaries on Linux: one package serves glibc and musl systems, so no libc field.
    files: [exe, 'README.md'],
    preferUnplugged: true,
  });
  pack(dir);
}
if (missing.length && all) {
  console.error(`error: no archive in ${archiveDir} for: ${missing.join(', ')}`);
  process.exit(1);
}

const launcher = path.join(work, 'feedgen');
fs.cpSync(path.join(here, 'feedgen'), launcher, { recursive: true });
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) fs.copyFileSync(path.join(repo, f), path.join(launcher, f));
const manifest = JSON.parse(fs.readFileSync(path.join(launcher, 'package.json'), 'utf8'));
manifest.version = version;
if (repository) manifest.repository = { type: 'git', url: `git+${repository}.git` };
manifest.optionalDependencies = Object.fromEntries(Object.values(PLATFORMS).map(({ pkg }) => [pkg, version]));
writeJson(path.join(launcher, 'package.json'), manifest);
pack(launcher);

fs.rmSync(work, { recursive: true, force: true });
for (const p of packed) console.log(p);
