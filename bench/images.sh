#!/usr/bin/env bash
# Benchmark: feedgen's image pipeline against sharp (libvips), same photos, same run.
#
# usage: bash bench/images.sh            (N=200 photos, RUNS=3 alternating rounds)
#
# Makes the photos with ../shared/bench/photos.sh (real photographs at Instagram's
# sizes), installs sharp from npm into a scratch folder, then alternates sharp and
# feedgen (balanced, fast, and balanced on 1 worker) and prints the medians, the
# throughput ratios, output bytes, SSIM-Y of the 640 px WebP against a Pillow
# Lanczos reference, and peak RSS. Nothing here runs in CI: it is a benchmark.
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
python3 -c 'import PIL' 2>/dev/null || python3 -m pip install -q pillow
[ -d "$work/ref" ] || python3 "$here/reference.py" "$work/photos" "$work/ref"
(cd "$repo" && cargo build --release --quiet --example pipeline_bench)
bench="$repo/target/release/examples/pipeline_bench"

results="$work/results.jsonl"
: > "$results"
for round in $(seq 1 "$RUNS"); do
  rm -rf "$work/out-"*
  node "$work/node/sharp.mjs" "$work/photos" "$work/out-sharp" >> "$results"
  "$bench" run "$work/photos" "$work/out-balanced" --workers 2 --profile balanced >> "$results"
  "$bench" run "$work/photos" "$work/out-fast" --workers 2 --profile fast >> "$results"
  "$bench" run "$work/photos" "$work/out-one" --workers 1 --profile balanced >> "$results"
  echo "round $round/$RUNS done" >&2
done
ssim_sharp=$("$bench" ssim "$work/ref" "$work/out-sharp" -640.webp)
ssim_bal=$("$bench" ssim "$work/ref" "$work/out-balanced" -640.webp)
ssim_fast=$("$bench" ssim "$work/ref" "$work/out-fast" -640.webp)

python3 - "$results" "$ssim_sharp" "$ssim_bal" "$ssim_fast" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ssim = {k: json.loads(v)["ssim_y"] for k, v in zip(["sharp", "Balanced", "Fast"], sys.argv[2:5])}
def pick(tool, profile=None, workers=None):
    return [r for r in rows if r["tool"] == tool and (profile is None or r.get("profile") == profile)
            and (workers is None or r.get("workers") == workers)]
def med(rs, k): return statistics.median(r[k] for r in rs)
sharp = pick("sharp")
base = med(sharp, "wall_s")
print(f"photos: {sharp[0]['photos']}, rounds: {len(sharp)}, sharp {sharp[0]['version']}")
print(f"{'tool':<28}{'wall s':>8}{'x sharp':>9}{'bytes':>12}{'Δ bytes':>9}{'SSIM-Y 640':>12}{'RSS MB':>8}")
def line(name, rs, s):
    w = med(rs, "wall_s"); b = med(rs, "bytes")
    print(f"{name:<28}{w:>8.2f}{base / w:>9.2f}{b:>12.0f}{(b / med(sharp, 'bytes') - 1) * 100:>8.2f}%{s:>12.5f}{med(rs, 'peak_rss_mb'):>8.1f}")
line("sharp (2 in flight)", sharp, ssim["sharp"])
line("feedgen balanced, 2 workers", pick("feedgen", "Balanced", 2), ssim["Balanced"])
line("feedgen fast, 2 workers", pick("feedgen", "Fast", 2), ssim["Fast"])
one = pick("feedgen", "Balanced", 1)
print(f"feedgen balanced, 1 worker: {med(one, 'wall_s'):.2f} s; scaling 1→2 workers: {med(one, 'wall_s') / med(pick('feedgen', 'Balanced', 2), 'wall_s'):.2f}x")
print(f"feedgen CPU outside the encoders: {med(pick('feedgen', 'Balanced', 2), 'cpu_ms_per_photo_outside_encoders'):.1f} ms per photo")
PY
