#!/usr/bin/env bash
# Benchmark: a warm rebuild (nothing new to fetch, download or encode) of the
# 200-photo benchmark, by two feedgen binaries in the same run, alternating.
# What it measures is the cost of the per-build work left on a warm cache:
# reading the snapshot and manifest, checking every reused store file's
# blake3 against its name, rendering and publishing (hard links).
#
# usage: bash bench/warm.sh BEFORE AFTER     (two feedgen binaries; RUNS=15)
#
# Makes the photos with ../shared/bench/photos.sh, serves them from the
# loopback graph host and CDN (bench/fake_graph.py), builds each site once
# cold with its own binary, then times RUNS warm `feedgen build --offline`
# rounds of each into an emptied output folder (every file linked again), and
# prints the medians and the ratio. Nothing here runs in CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
before=${1:?usage: warm.sh BEFORE AFTER}
after=${2:?usage: warm.sh BEFORE AFTER}
shared=${SHARED:-$here/../../shared}
N=${N:-200}
RUNS=${RUNS:-15}
work=${WORK:-/tmp/feedgen-bench}
mkdir -p "$work"
if [ "$(find "$work/photos" -type f 2>/dev/null | wc -l)" -ne "$N" ]; then
  rm -rf "$work/photos"
  bash "$shared/bench/photos.sh" "$work/photos" "$N" >/dev/null
fi

rm -f "$work/port"
python3 "$here/fake_graph.py" "$work/photos" "$work/port" &
fake=$!
trap 'kill $fake 2>/dev/null' EXIT
while [ ! -s "$work/port" ]; do sleep 0.1; done
port=$(cat "$work/port")

for which in before after; do
  site="$work/warm-$which"
  rm -rf "$site" && mkdir -p "$site"
  printf '[source]\nmax_posts = %s\n\n[output]\ndir = "out"\n' "$N" > "$site/feedgen.toml"
  bin=$before
  [ "$which" = after ] && bin=$after
  (cd "$site" && FEEDGEN_TOKEN=IGAAbenchtoken FEEDGEN_API_BASE="http://127.0.0.1:$port" \
    FEEDGEN_MEDIA_HOSTS="127.0.0.1:$port" "$bin" build --quiet >/dev/null)
done
files=$(find "$work/warm-after/out" -type f | wc -l)

: > "$work/warm.txt"
for _ in $(seq 1 "$RUNS"); do
  for which in before after; do
    site="$work/warm-$which"
    bin=$before
    [ "$which" = after ] && bin=$after
    rm -rf "$site/out"
    start=$(date +%s%N)
    (cd "$site" && "$bin" build --offline --quiet >/dev/null)
    end=$(date +%s%N)
    echo "$which $(( (end - start) / 1000 ))" >> "$work/warm.txt"
  done
done

python3 - "$work/warm.txt" "$files" "$RUNS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {w: statistics.median(int(us) for k, us in rows if k == w) / 1000 for w in ("before", "after")}
print(f"warm rebuild into an empty output, {sys.argv[2]} files published, median of {sys.argv[3]} rounds")
print(f"before: {med['before']:.1f} ms   after: {med['after']:.1f} ms   "
      f"after/before: {med['after'] / med['before']:.2f}   cost: {med['after'] - med['before']:+.1f} ms")
PY
