#!/usr/bin/env bash
# Benchmark: feedgen's image pipeline and whole CLI against sharp (libvips), same
# photos, same run.
#
# usage: bash bench/images.sh            (N=200 photos, RUNS=3 alternating rounds)
#
# Makes the photos with ../shared/bench/photos.sh (real photographs at Instagram's
# sizes), installs sharp from npm into a scratch folder, then alternates, per round:
#   - sharp at its best (../shared/bench/sharp_best.mjs): decode once to raw pixels,
#     or one sharp() cloned per output; all of a photo's outputs in flight, two
#     photos in flight. The ratios are against the faster of the two;
#   - sharp as eleventy-img uses it (bench/sharp.mjs: one sharp() per output);
#   - feedgen's pipeline (examples/pipeline_bench.rs): balanced, fast, and
#     balanced on 1 worker;
#   - the whole `feedgen build`, cold (no cache), with max_posts = N against a
#     loopback graph host and CDN (bench/fake_graph.py) serving the same photos.
# It prints the medians, the ratios, output bytes, SSIM-Y of the 640 px WebP
# against a Pillow Lanczos reference, and peak RSS. Nothing here runs in CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# REPO: the checkout to build and measure (default: this one); SHARED: shared/.
repo=${REPO:-$(cd "$here/.." && pwd)}
shared=${SHARED:-$repo/../shared}
N=${N:-200}
RUNS=${RUNS:-3}
work=${WORK:-/tmp/feedgen-bench}
mkdir -p "$work"

if [ "$(ls "$work/photos" 2>/dev/null | wc -l)" -ne "$N" ]; then
  rm -rf "$work/photos"
  bash "$shared/bench/photos.sh" "$work/photos" "$N" >/dev/null
fi
if [ ! -d "$work/node/node_modules/sharp" ]; then
  mkdir -p "$work/node"
  (cd "$work/node" && npm init -y >/dev/null && npm install --silent sharp@0.35 >/dev/null)
fi
cp "$here/sharp.mjs" "$work/node/sharp.mjs"
cp "$shared/bench/sharp_best.mjs" "$work/node/sharp_best.mjs"
python3 -c 'import PIL' 2>/dev/null || python3 -m pip install -q pillow
[ -d "$work/ref" ] || python3 "$here/reference.py" "$work/photos" "$work/ref"
(cd "$repo" && cargo build --release --quiet --example pipeline_bench --bin feedgen)
bench="$repo/target/release/examples/pipeline_bench"
feedgen="$repo/target/release/feedgen"

# The loopback graph host and CDN for the whole-CLI runs.
rm -f "$work/port"
python3 "$here/fake_graph.py" "$work/photos" "$work/port" &
fake=$!
trap 'kill $fake 2>/dev/null' EXIT
while [ ! -s "$work/port" ]; do sleep 0.1; done
port=$(cat "$work/port")
mkdir -p "$work/site"
printf '[source]\nmax_posts = %s\n\n[output]\ndir = "out"\n' "$N" > "$work/site/feedgen.toml"

# sharp_best.mjs in MODE (raw or clone), its line given wall_s, bytes and peak RSS.
sharp_best() {
  rm -rf "$work/out-$1"
  (cd "$work/node" && /usr/bin/time -f '%M' -o "$work/sharp.time" \
    node sharp_best.mjs "$work/photos" "$work/out-$1" "$1" 2) |
    python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); rss=int(open(sys.argv[1]).read().split()[-1]); r.update(tool="sharp-"+r["mode"], wall_s=r["total_s"], photos=r["n"], peak_rss_mb=rss/1024, bytes=sum(v*r["n"] for v in r["bytes_avg"].values())); print(json.dumps(r))' "$work/sharp.time"
}

# The 640 px WebP of sharp_best's run in MODE under feedgen's names, for SSIM.
sharp_best_640() {
  rm -rf "$work/out-$1-640" && mkdir -p "$work/out-$1-640"
  python3 -c 'import json,os,sys; d=sys.argv[1]; m=json.load(open(d+"/manifest.json")); [os.symlink(os.path.join(d, v["w640.webp"]), os.path.join(sys.argv[2], f[:-4]+"-640.webp")) for f, v in m.items()]' "$work/out-$1" "$work/out-$1-640"
}

# One cold `feedgen build`: wall seconds, bytes of the variants, peak RSS.
cli_build() {
  rm -rf "$work/site/out" "$work/site/.feedgen-cache"
  (cd "$work/site" && FEEDGEN_TOKEN=IGAAbenchtoken FEEDGEN_API_BASE="http://127.0.0.1:$port" \
    FEEDGEN_MEDIA_HOSTS="127.0.0.1:$port" /usr/bin/time -f '%e %M' -o "$work/cli.time" \
    "$feedgen" build --quiet >/dev/null)
  read -r wall rss < "$work/cli.time"
  bytes=$(find "$work/site/out" \( -name '*.webp' -o -name '*.jpg' \) -exec cat {} + | wc -c)
  printf '{"tool":"feedgen-cli","photos":%s,"wall_s":%s,"bytes":%s,"peak_rss_mb":%s}\n' \
    "$N" "$wall" "$bytes" "$(awk "BEGIN { print $rss / 1024 }")"
}

results="$work/results.jsonl"
: > "$results"
for round in $(seq 1 "$RUNS"); do
  rm -rf "$work/out-"*
  sharp_best raw >> "$results"
  sharp_best clone >> "$results"
  node "$work/node/sharp.mjs" "$work/photos" "$work/out-sharp" >> "$results"
  "$bench" run "$work/photos" "$work/out-balanced" --workers 2 --profile balanced >> "$results"
  "$bench" run "$work/photos" "$work/out-fast" --workers 2 --profile fast >> "$results"
  "$bench" run "$work/photos" "$work/out-one" --workers 1 --profile balanced >> "$results"
  cli_build >> "$results"
  echo "round $round/$RUNS done" >&2
done
sharp_best_640 raw
sharp_best_640 clone
ssim() { "$bench" ssim "$work/ref" "$work/$1" -640.webp; }
ssims=$(printf '{"sharp":%s,"sharp-raw":%s,"sharp-clone":%s,"Balanced":%s,"Fast":%s}' \
  "$(ssim out-sharp)" "$(ssim out-raw-640)" "$(ssim out-clone-640)" "$(ssim out-balanced)" \
  "$(ssim out-fast)")

python3 - "$results" "$ssims" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ssim = {k: (v or {}).get("ssim_y") for k, v in json.loads(sys.argv[2]).items()}
def pick(tool, profile=None, workers=None):
    return [r for r in rows if r["tool"] == tool and (profile is None or r.get("profile") == profile)
            and (workers is None or r.get("workers") == workers)]
def med(rs, k): return statistics.median(r[k] for r in rs)
raw, clone, weak = pick("sharp-raw"), pick("sharp-clone"), pick("sharp")
best = min((raw, clone), key=lambda rs: med(rs, "wall_s"))
base = med(best, "wall_s")
print(f"photos: {weak[0]['photos']}, rounds: {len(weak)}, sharp {weak[0]['version']}; "
      f"ratios against the faster strong sharp ({best[0]['tool']}, {base:.2f} s)")
print(f"{'tool':<32}{'wall s':>8}{'x sharp':>9}{'bytes':>12}{'Δ bytes':>9}{'SSIM-Y 640':>12}{'RSS MB':>8}")
def line(name, rs, s):
    w = med(rs, "wall_s"); b = med(rs, "bytes")
    shown = f"{s:.5f}" if s is not None else "-"
    print(f"{name:<32}{w:>8.2f}{base / w:>9.2f}{b:>12.0f}{(b / med(best, 'bytes') - 1) * 100:>8.2f}%{shown:>12}{med(rs, 'peak_rss_mb'):>8.1f}")
line("sharp raw (decode once)", raw, ssim["sharp-raw"])
line("sharp clone", clone, ssim["sharp-clone"])
line("sharp, one sharp() per output", weak, ssim["sharp"])
line("feedgen pipeline, balanced", pick("feedgen", "Balanced", 2), ssim["Balanced"])
line("feedgen pipeline, fast", pick("feedgen", "Fast", 2), ssim["Fast"])
# The CLI runs the balanced pipeline: same encoder settings, same SSIM.
line("feedgen build (whole CLI, cold)", pick("feedgen-cli"), ssim["Balanced"])
one = pick("feedgen", "Balanced", 1)
print(f"feedgen balanced, 1 worker: {med(one, 'wall_s'):.2f} s; scaling 1→2 workers: {med(one, 'wall_s') / med(pick('feedgen', 'Balanced', 2), 'wall_s'):.2f}x")
print(f"feedgen CPU outside the encoders: {med(pick('feedgen', 'Balanced', 2), 'cpu_ms_per_photo_outside_encoders'):.1f} ms per photo")
PY
