// A site built by a generator with a feedgen plugin, in a real browser.
//
// usage: node tests/node/site-check.mjs ROOT POSTS PAGE...
//
// Serves ROOT (the generator's output folder) at / on 127.0.0.1 and loads each
// PAGE (a path such as /) in Debian's Chromium through playwright-core. Each
// page must show POSTS posts (`.post` on a page of the site's own markup,
// else `.feedgen-item`), load every image it has (after scrolling, so lazy ones
// load too), request nothing off its origin, log no console error and open no
// dialog (a hostile caption stays text). Prints a JSON summary; exits non-zero
// with every failure listed.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";

const [rootArg, postsArg, ...pages] = process.argv.slice(2);
const root = path.resolve(rootArg);
const want = Number(postsArg);
const failures = [];

const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".jpg": "image/jpeg", ".webp": "image/webp", ".json": "application/json" };
const server = http.createServer((req, res) => {
  let file = path.join(root, decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (!file.startsWith(root) || !fs.existsSync(file)) {
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
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const summary = {};
for (const where of pages) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  const external = [];
  let dialogs = 0;
  // Failed loads are reported by URL below; the browser's own favicon probe is not the site's.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()));
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) errors.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith("data:")) external.push(u);
  });
  page.on("dialog", async (d) => {
    dialogs++;
    await d.dismiss();
  });
  await page.goto(`${origin}${where}`, { waitUntil: "load" });
  await page.evaluate(async () => {
    for (let y = 0; y < document.body.scrollHeight; y += 400) {
      window.scrollTo(0, y);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  await page.waitForLoadState("networkidle");
  const seen = await page.evaluate(() => ({
    posts: document.querySelectorAll(".post").length || document.querySelectorAll(".feedgen-item").length,
    images: document.images.length,
    broken: [...document.images].filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.currentSrc || i.src),
  }));
  summary[where] = seen;
  if (seen.posts !== want) failures.push(`${where}: ${seen.posts} posts, not ${want}`);
  if (seen.images < want) failures.push(`${where}: ${seen.images} images for ${want} posts`);
  for (const b of seen.broken) failures.push(`${where}: image did not load: ${b}`);
  for (const u of external) failures.push(`${where}: requested off the site: ${u}`);
  for (const e of errors) failures.push(`${where}: console error: ${e}`);
  if (dialogs) failures.push(`${where}: ${dialogs} dialog(s): a caption ran as script`);
  await page.close();
}
await browser.close();
server.close();
console.log(JSON.stringify(summary));
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
