// The built pages in a real browser: Debian's Chromium driven by playwright-core.
//
// usage: node tests/node/browser.mjs ROOT
//
// ROOT holds one folder per variant (index.html plus feedgen's output), made by
// tests/integration/browser.rs. Served on 127.0.0.1, each page is loaded at
// several viewports and device pixel ratios and must: load every image; pick
// the smallest srcset candidate that covers each image's rendered slot; shift
// no layout (CLS 0); show a profile header's avatar at 48 px from the site;
// log no console error; request nothing off its origin; pass axe-core with no
// violation; open no dialog (hostile captions); carry a meta description, and
// load only the first output.eager posts' images at once (eager.json). Fragments are
// validated by html-validate, the JSON Feed against the 1.1 rules, and the Atom
// file parsed as XML. Screenshots go to ROOT/screenshots. Prints a JSON summary;
// exits non-zero with every failure listed.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { HtmlValidate } from "html-validate";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const root = path.resolve(process.argv[2]);
const failures = [];
const fail = (where, what) => failures.push(`${where}: ${what}`);

const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".jpg": "image/jpeg", ".webp": "image/webp", ".json": "application/json", ".xml": "application/xml", ".png": "image/png", ".mp4": "video/mp4" };
const server = http.createServer((req, res) => {
  const file = path.join(root, decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});

const variants = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, "index.html"))).sort();
const summary = { variants: {}, pageWeight: null };
fs.mkdirSync(path.join(root, "screenshots"), { recursive: true });

async function visit(variant, width, dpr, screenshot) {
  const where = `${variant} @${width}px×${dpr}`;
  // A light system: a dark page must come from the site's own toggle.
  const context = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: dpr, colorScheme: "light" });
  const page = await context.newPage();
  const errors = [];
  const external = [];
  let dialogs = 0;
  let imageBytes = 0;
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  const requested = [];
  page.on("request", (r) => {
    const u = r.url();
    requested.push(u);
    if (!u.startsWith(origin) && !u.startsWith("data:")) external.push(u);
  });
  page.on("dialog", async (d) => {
    dialogs++;
    await d.dismiss();
  });
  const sized = [];
  page.on("requestfinished", (r) => {
    if (r.resourceType() === "image" && r.url().startsWith(origin)) sized.push(r.sizes().then((s) => (imageBytes += s.responseBodySize)));
  });
  await page.addInitScript(() => {
    window.__cls = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
    }).observe({ type: "layout-shift", buffered: true });
  });
  await page.goto(`${origin}/${variant}/index.html`, { waitUntil: "load" });
  // Lazy images load as they near the viewport: scroll the page and every scroller.
  const scrollAll = () => page.evaluate(async () => {
    const pause = () => new Promise((r) => setTimeout(r, 60));
    for (const el of document.querySelectorAll(".feedgen-list")) {
      for (let x = 0; x <= el.scrollWidth; x += 200) {
        el.scrollLeft = x;
        await pause();
      }
    }
    for (let y = 0; y <= document.body.scrollHeight; y += 300) {
      window.scrollTo(0, y);
      await pause();
    }
  });
  await scrollAll();
  await page.waitForLoadState("networkidle");
  // "Show more" (output.initial): the hidden posts' images wait until it is opened.
  let moreDeferred = 0;
  if (await page.$(".feedgen-more")) {
    const hidden = await page.evaluate(() =>
      [...document.querySelectorAll(".feedgen-more img, .feedgen-more source")].flatMap((el) =>
        [el.getAttribute("src"), ...(el.getAttribute("srcset") ?? "").split(",").map((c) => c.trim().split(/\s+/)[0])]
          .filter(Boolean)
          .map((u) => new URL(u, document.baseURI).href),
      ),
    );
    const early = requested.filter((u) => hidden.includes(u));
    if (early.length) fail(where, `images behind "Show more" loaded before it was opened: ${early.join(", ")}`);
    await page.click(".feedgen-more-toggle");
    await scrollAll();
    await page.waitForLoadState("networkidle");
    moreDeferred = new Set(requested.filter((u) => hidden.includes(u))).size;
    if (!moreDeferred) fail(where, `opening "Show more" loaded none of its images`);
  }
  await Promise.all(sized);
  await page.evaluate(() => Promise.all([...document.images].map((i) => i.decode().catch(() => {}))));
  const images = await page.evaluate(() =>
    [...document.querySelectorAll(".feedgen img")].map((img) => {
      const holder = img.parentElement.querySelector("source") ?? img;
      const candidates = holder
        .getAttribute("srcset")
        .split(",")
        .map((c) => c.trim().split(/\s+/))
        .map(([u, w]) => ({ url: new URL(u, document.baseURI).href, w: parseInt(w, 10) }))
        .sort((a, b) => a.w - b.w);
      const chosen = candidates.find((c) => c.url === img.currentSrc);
      const box = img.getBoundingClientRect();
      const ratio = img.naturalWidth / img.naturalHeight;
      // object-fit: cover fills the box, so a wide image is scaled to the box's height.
      const cover = getComputedStyle(img).objectFit === "cover";
      const needCss = cover ? Math.max(box.width, box.height * ratio) : box.width;
      return { src: img.currentSrc, loaded: img.complete && img.naturalWidth > 0, chosen: chosen?.w ?? null, need: needCss * devicePixelRatio, widths: candidates.map((c) => c.w) };
    }),
  );
  for (const im of images) {
    if (!im.loaded) fail(where, `image did not load: ${im.src}`);
    if (im.chosen === null) {
      fail(where, `currentSrc ${im.src} is not a srcset candidate`);
      continue;
    }
    const covering = im.widths.filter((w) => w >= im.need - 0.5);
    const best = covering.length ? covering[0] : im.widths[im.widths.length - 1];
    if (im.chosen !== best) fail(where, `chose ${im.chosen}w for a ${im.need.toFixed(0)} px slot; the smallest covering candidate is ${best}w (${im.src})`);
  }
  // The profile header (output.header): a 48 px avatar from the site itself.
  const header = await page.evaluate(() => {
    const h = document.querySelector(".feedgen-header");
    const img = h?.querySelector(".feedgen-avatar img");
    if (!h) return null;
    const b = img?.getBoundingClientRect();
    return { avatar: img ? { w: b.width, h: b.height, src: img.currentSrc } : null, link: h.querySelector("a")?.textContent.replace(/\s+/g, " ").trim() };
  });
  if (header) {
    if (!header.avatar) fail(where, "a header without its avatar");
    else {
      if (Math.round(header.avatar.w) !== 48 || Math.round(header.avatar.h) !== 48) fail(where, `avatar shown at ${header.avatar.w}x${header.avatar.h}, not 48x48`);
      if (!header.avatar.src.startsWith(origin)) fail(where, `avatar not self-hosted: ${header.avatar.src}`);
    }
    if (!/@\S/.test(header.link ?? "")) fail(where, `the header link does not name the account: ${header.link}`);
  }
  // expect.json: what the variant must show: a computed style (the site's dark
  // mode), an attribute or a text (the site's language and its own words).
  const expectFile = path.join(root, variant, "expect.json");
  if (fs.existsSync(expectFile)) {
    for (const { selector, property, attribute, text, value } of JSON.parse(fs.readFileSync(expectFile, "utf8"))) {
      const [what, want] = property ? [property, value] : attribute ? [`[${attribute}]`, value] : ["text", text];
      const got = await page.evaluate(
        ([sel, prop, attr]) => {
          const el = document.querySelector(sel);
          if (!el) return null;
          if (prop) return getComputedStyle(el).getPropertyValue(prop);
          if (attr) return el.getAttribute(attr);
          return el.textContent.replace(/\s+/g, " ").trim();
        },
        [selector, property, attribute],
      );
      if (got !== want) fail(where, `${selector} ${what} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  }
  // feedgen's own page (output.page; not a site's page around the fragment)
  // describes itself; with eager.json ({"n": N}, output.eager) the first N
  // posts' images load at once with high priority, all others lazily.
  const description = await page.evaluate(() =>
    document.querySelector("main > h1 > small") ? (document.querySelector('meta[name="description"]')?.content ?? "") : null,
  );
  if (description !== null && !description.trim()) fail(where, "the page has no meta description");
  const eagerFile = path.join(root, variant, "eager.json");
  const eager = fs.existsSync(eagerFile) ? JSON.parse(fs.readFileSync(eagerFile, "utf8")).n : 0;
  const loading = await page.evaluate(() =>
    [...document.querySelectorAll(".feedgen-item")].map((item) =>
      [...item.querySelectorAll(".feedgen-media img")].map((i) => `${i.loading}/${i.getAttribute("fetchpriority") ?? "auto"}`).join(","),
    ),
  );
  loading.forEach((got, i) => {
    const want = i < eager ? "eager/high" : "lazy/auto";
    if (got.split(",").some((l) => l !== want)) fail(where, `post ${i + 1} loads its images ${got}, expected ${want}`);
  });
  const cls = await page.evaluate(() => window.__cls);
  if (cls > 0) fail(where, `layout shift ${cls}`);
  if (errors.length) fail(where, `console errors: ${errors.join(" | ")}`);
  if (external.length) fail(where, `requests off the origin: ${external.join(", ")}`);
  if (dialogs) fail(where, `${dialogs} dialogs opened`);
  await page.addScriptTag({ content: axeSource });
  const axe = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations.map((v) => `${v.id} (${v.nodes.length})`));
  if (axe.length) fail(where, `axe violations: ${axe.join(", ")}`);
  if (screenshot) await page.screenshot({ path: path.join(root, "screenshots", `${variant}-${width}.png`), fullPage: true });
  await context.close();
  return { images: images.length, cls, axe: axe.length, imageBytes, header: header !== null, moreDeferred };
}

for (const variant of variants) {
  const views = variant === "grid-light" ? [[375, 1], [375, 2], [768, 1], [768, 2], [1280, 1], [1280, 2]] : [[375, 2], [1280, 1]];
  summary.variants[variant] = {};
  for (const [w, dpr] of views) {
    const r = await visit(variant, w, dpr, dpr === 1 || w === 375);
    summary.variants[variant][`${w}x${dpr}`] = r;
    if (variant === "grid-light" && w === 375 && dpr === 2) {
      const originals = JSON.parse(fs.readFileSync(path.join(root, "originals.json"), "utf8"));
      summary.pageWeight = { imagesLoadedBytes: r.imageBytes, hotlinkedOriginalsBytes: originals.bytes };
    }
  }
}

// The post viewer (output.viewer), in variants that hold a viewer.json:
// opened by mouse, keyboard and touch, focus kept and given back, Esc and Back
// close it, album navigation, axe with it open, nothing loaded before it
// opens, and every post still a link without JavaScript.
async function viewerChecks(variant) {
  const where = `${variant} viewer`;
  const url = `${origin}/${variant}/index.html`;
  const result = {};
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light" });
  const page = await context.newPage();
  const requested = [];
  const errors = [];
  page.on("request", (r) => requested.push(r.url()));
  await page.addInitScript(() => {
    window.__cls = 0;
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (!e.hadRecentInput) window.__cls += e.value;
        window.__shifts.push({ value: e.value, input: e.hadRecentInput, nodes: e.sources.map((s) => s.node?.className ?? s.node?.nodeName ?? "?") });
      }
    }).observe({ type: "layout-shift", buffered: true });
  });
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: "networkidle" });
  const script = await page.evaluate(() => document.querySelector(".feedgen script[type=module]")?.src);
  if (!script) fail(where, "no viewer script");
  else result.scriptGzipBytes = (await import("node:zlib")).gzipSync(fs.readFileSync(path.join(root, new URL(script).pathname))).length;
  const before = new Set(requested);
  const album = ".feedgen-item--carousel .feedgen-link";
  const albumId = await page.getAttribute(".feedgen-item--carousel", "data-feedgen-post");
  const isOpen = () => page.evaluate(() => document.querySelector("dialog.feedgen-viewer")?.open === true);
  const inDialog = () => page.evaluate(() => document.activeElement?.closest("dialog.feedgen-viewer") !== null);
  // Mouse.
  await page.click(album);
  if (!(await isOpen())) fail(where, "a click did not open the viewer");
  if (!(await page.evaluate(() => location.hash)).endsWith(albumId)) fail(where, "the hash does not name the open post");
  await page.waitForFunction(() => [...document.querySelectorAll("dialog.feedgen-viewer img")].slice(0, 1).every((i) => i.complete && i.naturalWidth > 0));
  const shown = await page.evaluate(() => document.querySelector("dialog.feedgen-viewer img").currentSrc);
  if (before.has(shown)) fail(where, `the viewer's image ${shown} was loaded before the post was opened`);
  result.imagesBeforeOpen = [...before].filter((u) => /\.(webp|jpg)$/.test(u)).length;
  const counter = () => page.textContent(".feedgen-viewer-count");
  if ((await counter()) !== "1 / 3") fail(where, `counter ${await counter()}`);
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.querySelector(".feedgen-viewer-count").textContent === "2 / 3", null, { timeout: 3000 }).catch(() => fail(where, "ArrowRight did not move to the second image"));
  await page.click(".feedgen-viewer-next");
  await page.waitForFunction(() => document.querySelector(".feedgen-viewer-count").textContent === "3 / 3", null, { timeout: 3000 }).catch(() => fail(where, "the next button did not move to the third image"));
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    if (!(await inDialog())) fail(where, `focus left the dialog after ${i + 1} Tab presses`);
  }
  await page.addScriptTag({ content: axeSource });
  const axe = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations.map((v) => `${v.id} (${v.nodes.length})`));
  if (axe.length) fail(where, `axe violations with the viewer open: ${axe.join(", ")}`);
  await page.screenshot({ path: path.join(root, "screenshots", `${variant}-open-1280.png`) });
  await page.keyboard.press("Escape");
  if (await isOpen()) fail(where, "Esc did not close the viewer");
  await page.waitForFunction(() => !location.hash, null, { timeout: 3000 }).catch(() => fail(where, "the hash stayed after closing"));
  const back = await page.evaluate((sel) => document.activeElement === document.querySelector(sel), album);
  if (!back) fail(where, "focus did not return to the post that opened the viewer");
  // Keyboard: Tab (on from where focus last was) to a post, Enter opens it; Back closes.
  await page.evaluate(() => document.activeElement?.blur());
  let tabs = 0;
  while (tabs < 30 && !(await page.evaluate(() => document.activeElement?.matches(".feedgen-item .feedgen-link")))) {
    await page.keyboard.press("Tab");
    tabs++;
  }
  if (tabs >= 30) fail(where, "Tab never reached a post");
  result.tabsToPost = tabs;
  await page.keyboard.press("Enter");
  if (!(await isOpen())) fail(where, "Enter did not open the viewer");
  await page.goBack();
  await page.waitForFunction(() => !document.querySelector("dialog.feedgen-viewer").open, null, { timeout: 3000 }).catch(() => fail(where, "Back did not close the viewer"));
  // A video post: nothing of the video loads before it plays, then it plays from the site.
  if (await page.$(".feedgen-item--video template")) {
    await page.click(".feedgen-item--video .feedgen-link");
    await page.waitForSelector("dialog.feedgen-viewer video");
    await page.waitForTimeout(300);
    const early = requested.filter((u) => u.endsWith(".mp4"));
    if (early.length) fail(where, `the video loaded before it was played: ${early.join(", ")}`);
    const state = await page.evaluate(async () => {
      const v = document.querySelector("dialog.feedgen-viewer video");
      v.muted = true;
      await v.play();
      if (v.readyState < 2) await new Promise((r) => v.addEventListener("canplay", r, { once: true }));
      return { readyState: v.readyState, src: v.currentSrc, autoplay: v.autoplay, preload: v.preload };
    });
    result.videoReadyState = state.readyState;
    if (state.readyState < 2) fail(where, `the video did not play (readyState ${state.readyState})`);
    if (!state.src.startsWith(origin)) fail(where, `the video is not the site's own: ${state.src}`);
    if (state.autoplay || state.preload !== "none") fail(where, `the video autoplays or preloads: ${JSON.stringify(state)}`);
    await page.keyboard.press("Escape");
  }
  if (errors.length) fail(where, `console errors: ${errors.join(" | ")}`);
  // CLS counts the shifts no input caused: loading the viewer's images moves nothing.
  const cls = await page.evaluate(() => window.__cls);
  result.cls = cls;
  const shifts = await page.evaluate(() => window.__shifts);
  result.shiftsRightAfterInput = shifts.filter((x) => x.input).length;
  if (cls > 0) fail(where, `layout shift ${cls} while using the viewer: ${JSON.stringify(shifts)}`);
  const external = requested.filter((u) => !u.startsWith(origin) && !u.startsWith("data:"));
  if (external.length) fail(where, `requests off the origin: ${external.join(", ")}`);
  await context.close();
  // Touch, and a shared link that opens its post.
  const phone = await browser.newContext({ viewport: { width: 375, height: 800 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
  const tp = await phone.newPage();
  await tp.goto(url, { waitUntil: "networkidle" });
  await tp.tap(album);
  if (!(await tp.evaluate(() => document.querySelector("dialog.feedgen-viewer").open))) fail(where, "a tap did not open the viewer");
  await tp.goto(`${url}#feedgen-${albumId}`, { waitUntil: "networkidle" });
  await tp.reload({ waitUntil: "networkidle" });
  if (!(await tp.evaluate(() => document.querySelector("dialog.feedgen-viewer")?.open))) fail(where, "a shared link did not open its post");
  await phone.close();
  // Without JavaScript every post is still a link with its image.
  const nojs = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  const np = await nojs.newPage();
  await np.goto(url, { waitUntil: "networkidle" });
  const links = await np.evaluate(() => [...document.querySelectorAll(".feedgen-item")].map((li) => ({ href: li.querySelector(".feedgen-link")?.getAttribute("href") ?? "", img: !!li.querySelector(".feedgen-media img") })));
  if (!links.length || links.some((l) => !l.href || !l.img)) fail(where, `without JavaScript a post lacks its link or image: ${JSON.stringify(links)}`);
  result.postsWithoutJs = links.length;
  await nojs.close();
  return result;
}
for (const variant of variants) {
  if (fs.existsSync(path.join(root, variant, "viewer.json"))) summary.variants[variant].viewer = await viewerChecks(variant);
}

// An album in the viewer of a right-to-left page: Next, Previous, the arrow
// keys (left is forward) and a swipe move through it, and the counter follows.
async function rtlViewerChecks(variant) {
  const where = `${variant} right-to-left viewer`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light" });
  const page = await context.newPage();
  await page.goto(`${origin}/${variant}/index.html`, { waitUntil: "networkidle" });
  if ((await page.evaluate(() => getComputedStyle(document.querySelector(".feedgen")).direction)) !== "rtl") fail(where, "the feed is not right-to-left");
  await page.click(".feedgen-item--carousel .feedgen-link");
  const steps = [];
  const expect = async (text, after) => {
    await page.waitForFunction((t) => document.querySelector(".feedgen-viewer-count").textContent === t, text, { timeout: 3000 })
      .catch(async () => fail(where, `after ${after} the counter shows ${await page.textContent(".feedgen-viewer-count")}, not ${text}`));
    steps.push(`${after}: ${text}`);
  };
  await expect("1 / 3", "opening");
  await page.click(".feedgen-viewer-next");
  await expect("2 / 3", "Next");
  await page.keyboard.press("ArrowLeft");
  await expect("3 / 3", "ArrowLeft");
  await page.click(".feedgen-viewer-prev");
  await expect("2 / 3", "Previous");
  await page.keyboard.press("ArrowRight");
  await expect("1 / 3", "ArrowRight");
  // A swipe: the row scrolled by one image's width towards the start of the line (left).
  await page.evaluate(() => {
    const row = document.querySelector("dialog.feedgen-viewer .feedgen-viewer-media");
    row.scrollBy({ left: -row.clientWidth, behavior: "instant" });
  });
  await expect("2 / 3", "a swipe");
  await context.close();
  return { steps };
}
for (const variant of variants) {
  if (fs.existsSync(path.join(root, variant, "rtl-viewer.json"))) summary.variants[variant].rtlViewer = await rtlViewerChecks(variant);
}

// Click-to-load (embed.click_to_load), in variants that hold a click-to-load.json:
// nothing goes to Meta until the button is clicked; the click puts Meta's
// blockquote in the card and asks for https://www.instagram.com/embed.js
// (answered here by an empty script: the test machine has no Internet).
async function clickToLoadChecks(variant) {
  const where = `${variant} click-to-load`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light" });
  const page = await context.newPage();
  const meta = [];
  await page.route(/^https:\/\/(www\.)?instagram\.com\//, (route) => {
    meta.push(route.request().url());
    route.fulfill({ status: 200, contentType: "text/javascript", body: "" });
  });
  await page.goto(`${origin}/${variant}/index.html`, { waitUntil: "networkidle" });
  const buttons = await page.locator("button[data-feedgen-load]").count();
  if (buttons !== 1) fail(where, `${buttons} load buttons, expected 1`);
  if (meta.length) fail(where, `requested from Meta before any click: ${meta.join(", ")}`);
  const before = meta.length;
  await page.locator("button[data-feedgen-load]").first().click();
  await page.waitForTimeout(300);
  const quote = await page.evaluate(() => document.querySelector(".feedgen--unfound blockquote.instagram-media")?.dataset.instgrmPermalink ?? null);
  if (!quote) fail(where, "the click did not put Meta's blockquote in the card");
  const after = meta.slice(before);
  if (!after.includes("https://www.instagram.com/embed.js")) fail(where, `the click did not load embed.js: ${JSON.stringify(after)}`);
  await context.close();
  return { buttons, quote, requestedAfterClick: after };
}
for (const variant of variants) {
  if (fs.existsSync(path.join(root, variant, "click-to-load.json"))) (summary.clickToLoad ??= {})[variant] = await clickToLoadChecks(variant);
}

// The fragments: valid HTML (inline styles carry the placeholders; see README).
const hv = new HtmlValidate({ extends: ["html-validate:recommended"], rules: { "no-inline-style": "off" } });
for (const variant of variants) {
  // The feed's fragment, and each card of embedded posts ([embed]).
  const fragments = [path.join(root, variant, "feed.html")];
  for (const dir of [path.join(root, variant, "embeds"), path.join(root, variant, "feed", "embeds")]) {
    if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir).sort()) fragments.push(path.join(dir, f));
  }
  for (const fragment of fragments) {
    if (!fs.existsSync(fragment)) continue;
    const report = await hv.validateString(fs.readFileSync(fragment, "utf8"), fragment);
    for (const r of report.results) for (const m of r.messages) fail(`${path.relative(root, fragment)}:${m.line}:${m.column}`, `${m.ruleId}: ${m.message}`);
  }
}

// JSON Feed 1.1 (the spec's required members and types) and Atom (well-formed, one entry per post).
for (const variant of variants) {
  const jf = path.join(root, variant, "jsonfeed.json");
  if (!fs.existsSync(jf)) continue;
  const feed = JSON.parse(fs.readFileSync(jf, "utf8"));
  if (feed.version !== "https://jsonfeed.org/version/1.1") fail(jf, "version");
  if (typeof feed.title !== "string" || !Array.isArray(feed.items)) fail(jf, "title or items missing");
  for (const item of feed.items) {
    if (typeof item.id !== "string") fail(jf, `item id must be a string: ${item.id}`);
    if (typeof item.content_html !== "string" && typeof item.content_text !== "string") fail(jf, `item ${item.id} has no content`);
    for (const k of ["url", "image"]) if (item[k] !== undefined && !/^https?:\/\//.test(item[k])) fail(jf, `item ${item.id} ${k} is not absolute`);
    if (item.date_published && Number.isNaN(Date.parse(item.date_published))) fail(jf, `item ${item.id} date`);
  }
  const atomText = fs.readFileSync(path.join(root, variant, "atom.xml"), "utf8");
  const page = await browser.newPage();
  const atom = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    return { error: doc.querySelector("parsererror")?.textContent ?? null, entries: doc.getElementsByTagName("entry").length, ns: doc.documentElement.namespaceURI };
  }, atomText);
  await page.close();
  if (atom.error) fail(`${variant}/atom.xml`, atom.error);
  if (atom.ns !== "http://www.w3.org/2005/Atom") fail(`${variant}/atom.xml`, "not in the Atom namespace");
  if (atom.entries !== feed.items.length) fail(`${variant}/atom.xml`, `${atom.entries} entries for ${feed.items.length} items`);
}

await browser.close();
server.close();
summary.failures = failures;
console.log(JSON.stringify(summary, null, 2));
process.exit(failures.length ? 1 : 0);
