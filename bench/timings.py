"""Summarises a `cargo build --timings` report (target/cargo-timings/*.html) as text.

usage: python3 bench/timings.py REPORT.html [TOP=15]

Prints the total, the number of units, and the longest units with what they are
(a library, a build script's run, a binary), for bench/build-times.md.
"""

import json
import re
import sys

html = open(sys.argv[1]).read()
top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
total = max(u["start"] + u["duration"] for u in units)
print(f"{len(units)} units, {total:.1f} s from the first start to the last end")
for u in sorted(units, key=lambda u: -u["duration"])[:top]:
    what = u["target"].strip() or "lib"
    print(f"{u['duration']:7.1f} s  {u['name']} {u['version']} {what}")
