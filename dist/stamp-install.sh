#!/usr/bin/env bash
# The install.sh attached to a release: dist/install.sh with that release's
# version as its default, so `curl -fsSLO .../install.sh && bash install.sh`
# works downloaded alone, without --version and without a checkout.
#
#   bash dist/stamp-install.sh VERSION OUT_FILE
set -euo pipefail
version=${1:?usage: stamp-install.sh VERSION OUT_FILE}
out=${2:?usage: stamp-install.sh VERSION OUT_FILE}
version=${version#v}
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
  echo "stamp-install: $version is not a release number such as 0.1.0" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
grep -q '^stamped_version=""$' "$here/install.sh" || {
  echo "stamp-install: dist/install.sh has no stamped_version=\"\" line" >&2
  exit 1
}
sed "s/^stamped_version=\"\"\$/stamped_version=\"$version\"/" "$here/install.sh" > "$out"
