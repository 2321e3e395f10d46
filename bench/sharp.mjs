// sharp as people usually use it (as @11ty/eleventy-img does): one pipeline per
// output, two photos in flight. Same outputs as feedgen's pipeline: 320/640/1080 px
// in WebP (q80, effort 4) and JPEG (q80, 4:2:0), plus a 16 px WebP placeholder and
// the average colour. Prints one JSON line like examples/pipeline_bench.rs.
//
// usage: node sharp.mjs IN OUT
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";

const [input, out] = process.argv.slice(2);
fs.mkdirSync(out, { recursive: true });
const files = fs.readdirSync(input).filter((f) => f.endsWith(".jpg")).sort();
const widths = [320, 640, 1080];
let bytes = 0;

async function photo(file) {
  const src = path.join(input, file);
  const stem = file.replace(/\.jpg$/, "");
  const { width } = await sharp(src).metadata();
  const ws = widths.filter((w) => w < width);
  ws.push(Math.min(width, 1080));
  for (const w of [...new Set(ws)]) {
    const webp = await sharp(src).rotate().resize(w).webp({ quality: 80, effort: 4 }).toBuffer();
    fs.writeFileSync(path.join(out, `${stem}-${w}.webp`), webp);
    const jpeg = await sharp(src).rotate().resize(w).jpeg({ quality: 80, chromaSubsampling: "4:2:0" }).toBuffer();
    fs.writeFileSync(path.join(out, `${stem}-${w}.jpg`), jpeg);
    bytes += webp.length + jpeg.length;
  }
  const lqip = await sharp(src).rotate().resize(16).webp({ quality: 30 }).toBuffer();
  const { dominant } = await sharp(src).stats();
  void dominant; // computed like feedgen's average colour, not stored
  bytes += Buffer.byteLength(`data:image/webp;base64,${lqip.toString("base64")}`);
}

const started = process.hrtime.bigint();
let next = 0;
async function worker() {
  while (next < files.length) await photo(files[next++]);
}
await Promise.all([worker(), worker()]);
const wall = Number(process.hrtime.bigint() - started) / 1e9;
const rss = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ tool: "sharp", version: sharp.versions.sharp, photos: files.length, wall_s: +wall.toFixed(3), bytes, peak_rss_mb: +rss.toFixed(1) }));
