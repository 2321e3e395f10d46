#!/usr/bin/env bash
# Prints a field of Cargo.toml's [package] (default: version): the one place
# the release scripts, the release workflow and CI read the version from.
#   bash dist/version.sh [FIELD]
set -euo pipefail
field=${1:-version}
sed -n "s/^$field = \"\(.*\)\"\$/\1/p" "$(dirname "$0")/../Cargo.toml" | head -n 1
