// feedgen's Astro 5 content loader: in `src/content.config.*`,
//
//   import { defineCollection } from "astro:content";
//   import { feedgen } from "feedgen/astro";
//   export const collections = { instagram: defineCollection({ loader: feedgen() }) };
//
// Each sync runs `feedgen build`, then fills the collection with one typed
// entry per post (images with `src`, `srcset`, `width`, `height` and the
// placeholder) whose `rendered.html` is the post's markup from the fragment.
// A failed build never empties the collection: the previous entries (which
// Astro's data store keeps between builds) stay, with a `logger.warn`. In
// `astro dev` the collection follows every new feed, and a changed
// feedgen.toml builds again. `<InstagramFeed />` (feedgen/InstagramFeed.astro)
// renders the whole fragment.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'astro/zod';

// By the package's own name, not './binary.js': Astro bundles this file into
// the pages that use <InstagramFeed />, where a relative path no longer holds.
const require = createRequire(import.meta.url);
const { findBinary } = require('feedgen');
const { build, feedPaths: pathsOf, postCard, missingCard } = require('feedgen/run');

const variant = z.object({
  url: z.string(),
  width: z.number(),
  height: z.number(),
  format: z.string(),
  bytes: z.number(),
});

const image = z.object({
  asset_id: z.string(),
  role: z.string(),
  width: z.number(),
  height: z.number(),
  placeholder: z.object({ color: z.string(), lqip: z.string().optional() }).optional(),
  variants: z.array(variant),
  /** The fragment's own `<img>` attributes (fallback format): the same files load. */
  src: z.string(),
  srcset: z.string(),
  sizes: z.string(),
  /** The fragment's `<source>` elements, preferred format first. */
  sources: z.array(z.object({ type: z.string(), srcset: z.string() })),
});

/** The schema of one post: feed.json's post (docs/reference/json.md). */
export const postSchema = z.object({
  id: z.string(),
  type: z.enum(['image', 'video', 'carousel']),
  permalink: z.string().nullable(),
  timestamp: z.coerce.date(),
  caption: z.string().nullable(),
  alt: z.string(),
  like_count: z.number().optional(),
  comments_count: z.number().optional(),
  images: z.array(image),
});

/**
 * Where a feed of `config` writes, from `feedgen paths`: the one `feed`
 * names, or the config's only feed.
 */
export function feedPaths(config = 'feedgen.toml', binary = findBinary(), feed = undefined) {
  const found = pathsOf(binary, config, feed);
  return {
    html: path.resolve(found.dir, found.html),
    json: path.resolve(found.dir, found.json),
  };
}

/**
 * The fragment feedgen last wrote for `config` (its feed `feed`, or its only
 * one), or '' when there is none yet.
 */
export function fragmentHtml(config = 'feedgen.toml', feed = undefined) {
  try {
    return fs.readFileSync(feedPaths(config, findBinary(), feed).html, 'utf8');
  } catch (e) {
    if (e.code === 'FEEDGEN_WHICH_FEED') throw e;
    return '';
  }
}

/**
 * The card of one embedded post (`[embed]` in `config`): `id` is its shortcode
 * or link. Without a card yet, a plain link to the post and a warning.
 */
export function cardHtml(id, config = 'feedgen.toml', feed = undefined, hidecaption = false) {
  let dir = null;
  try {
    dir = pathsOf(findBinary(), config, feed).dir;
  } catch (e) {
    if (e.code === 'FEEDGEN_WHICH_FEED') throw e;
  }
  const card = postCard(dir ?? '', id, hidecaption);
  if (card.missing) console.warn(`[feedgen] ${missingCard(id, card.code, config)}`);
  return card.html;
}

/** Each post's `<li>` of the fragment, in order (the JSON's order). */
function postMarkup(fragment) {
  const items = [];
  let at = fragment.indexOf('<li class="feedgen-item');
  while (at !== -1) {
    const end = fragment.indexOf('</li>', at);
    if (end === -1) break;
    items.push(fragment.slice(at, end + 5));
    at = fragment.indexOf('<li class="feedgen-item', end);
  }
  return items;
}

/**
 * An image as the schema wants it. feed.json carries the fragment's own
 * `src`, `srcset`, `sizes` and `sources`; a file an older feedgen wrote has
 * only the variants, and gets the fragment's rule (the fallback format near
 * 640 px) until the next build.
 */
function withSources(img) {
  if (typeof img.src === 'string' && Array.isArray(img.sources)) return img;
  const formats = [...new Set(img.variants.map((v) => v.format))];
  const set = (format) =>
    img.variants
      .filter((v) => v.format === format)
      .map((v) => `${v.url} ${v.width}w`)
      .join(', ');
  const fallback = img.variants.filter((v) => v.format === formats[formats.length - 1]);
  const near = fallback.find((v) => v.width >= 640) || fallback[fallback.length - 1];
  return {
    ...img,
    src: near ? near.url : '',
    srcset: set(formats[formats.length - 1]),
    sizes: '100vw',
    sources: formats.slice(0, -1).map((f) => ({ type: f === 'webp' ? 'image/webp' : `image/${f}`, srcset: set(f) })),
  };
}

/**
 * The loader. `options.config`: the feedgen config (default `feedgen.toml`);
 * `options.feed`: which of its feeds (default: its only one; a config of
 * several needs it); `options.binary`: a feedgen executable (default: the
 * platform package).
 */
export function feedgen(options = {}) {
  const config = options.config || 'feedgen.toml';
  return {
    name: 'feedgen',
    schema: postSchema,
    async load({ store, logger, parseData, generateDigest, watcher }) {
      let binary;
      let paths;
      try {
        binary = options.binary || findBinary();
        paths = feedPaths(config, binary, options.feed);
      } catch (e) {
        if (e.code === 'FEEDGEN_WHICH_FEED') throw e;
        logger.warn(`${e.message}; the previous entries are kept`);
        return;
      }

      const fill = async () => {
        let data;
        let fragment;
        try {
          data = JSON.parse(fs.readFileSync(paths.json, 'utf8'));
          fragment = fs.readFileSync(paths.html, 'utf8');
        } catch {
          logger.warn(`no feed in ${path.dirname(paths.json)} yet; the previous entries are kept`);
          return;
        }
        const markup = postMarkup(fragment);
        store.clear();
        for (const [i, post] of data.posts.entries()) {
          const entry = { ...post, images: post.images.map(withSources) };
          const parsed = await parseData({ id: post.id, data: entry });
          store.set({
            id: post.id,
            data: parsed,
            digest: generateDigest(entry),
            rendered: { html: markup[i] || '' },
          });
        }
      };

      const run = async () => {
        const { ok, report, detail } = await build(binary, config, options.feed);
        if (report && report.stale) {
          logger.warn(`showing the last good feed: ${report.stale.reason}`);
        } else if (!ok) {
          logger.warn(`feedgen build failed: ${detail}; the previous entries are kept`);
          return;
        }
        await fill();
      };

      await run();

      if (watcher) {
        const configPath = path.resolve(config);
        watcher.add([configPath, paths.json]);
        watcher.on('change', async (changed) => {
          const file = path.resolve(changed);
          if (file === configPath) {
            logger.info('feedgen.toml changed; building the feed again');
            await run();
          } else if (file === paths.json) {
            // A new feed from `feedgen build` or `feedgen watch` elsewhere.
            await fill();
          }
        });
      }
    },
  };
}

export default feedgen;
