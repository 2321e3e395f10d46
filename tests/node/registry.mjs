// A local npm registry holding only the packed feedgen tarballs, so a test can
// run the docs' `npm install --save-dev feedgen` as written (with
// npm_config_registry pointing here) and npm resolves the launcher and its
// platform package the way it does from npmjs.org: by the packuments, the
// optionalDependencies and their os and cpu fields.
//   node tests/node/registry.mjs DIR_OF_TGZ   (prints the port, serves until killed)
// Platform packages with no tarball here get a packument whose os/cpu rule them
// out, as the other platforms' packages are on npmjs.org; anything else is 404.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = process.argv[2];

/** `package/package.json` of an npm tarball (ustar entries of 512-byte blocks). */
function manifestOf(tgz) {
  const tar = zlib.gunzipSync(tgz);
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar.subarray(at, at + 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.subarray(at + 124, at + 136).toString('utf8').trim(), 8) || 0;
    if (name === 'package/package.json') {
      return JSON.parse(tar.subarray(at + 512, at + 512 + size).toString('utf8'));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('no package/package.json');
}

const packages = new Map();
const tarballs = new Map();
let base = '';

function packument(manifest, file, bytes) {
  return {
    name: manifest.name,
    'dist-tags': { latest: manifest.version },
    versions: {
      [manifest.version]: {
        ...manifest,
        dist: file
          ? {
              tarball: `${base}/-/${file}`,
              integrity: `sha512-${crypto.createHash('sha512').update(bytes).digest('base64')}`,
              shasum: crypto.createHash('sha1').update(bytes).digest('hex'),
            }
          : { tarball: `${base}/-/absent.tgz` },
      },
    },
  };
}

const server = http.createServer((req, res) => {
  const url = decodeURIComponent(req.url.split('?')[0]).replace(/^\/+/, '');
  if (url.startsWith('-/') && tarballs.has(url.slice(2))) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(tarballs.get(url.slice(2)));
    return;
  }
  let body = packages.get(url);
  const platform = /^@feedgen\/cli-(linux|darwin|win32)-(x64|arm64)$/.exec(url);
  if (!body && platform) {
    const version = [...packages.values()][0]['dist-tags'].latest;
    body = packument({ name: url, version, os: [platform[1]], cpu: [platform[2]] }, null, null);
  }
  if (!body) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"Not found"}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
});

server.listen(0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${server.address().port}`;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.tgz'))) {
    const bytes = fs.readFileSync(path.join(dir, file));
    const manifest = manifestOf(bytes);
    tarballs.set(file, bytes);
    packages.set(manifest.name, packument(manifest, file, bytes));
  }
  process.stdout.write(`${server.address().port}\n`);
});
