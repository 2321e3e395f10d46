#!/usr/bin/env bash
# Builds the example site inside the container image, as its unprivileged user:
#   dist/container/check.sh IMAGE
# CI runs it on the image dist/container/build.sh made (buildah, no daemon).
set -euo pipefail
cd "$(dirname "$0")/../.."
image=${1:?usage: dist/container/check.sh IMAGE}

site=$(mktemp -d)
ctr=$(buildah from "$image")
trap 'buildah rm "$ctr" >/dev/null; rm -rf "$site"' EXIT
cp -r example-site/. "$site/"
rm -rf "$site/public" "$site/.feedgen-cache"
chmod -R a+rwX "$site" # the image runs as 65532, not as the folder's owner

test "$(buildah inspect --format '{{.OCIv1.Config.User}}' "$image")" = 65532:65532
buildah run "$ctr" -- /usr/local/bin/feedgen --version
buildah run -v "$site:/site" "$ctr" -- /usr/local/bin/feedgen build
test -s "$site/public/feed.json"
echo "container: $image built the example site as user 65532"
