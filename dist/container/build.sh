#!/usr/bin/env bash
# Builds the FROM scratch container image of a release archive with buildah:
#   dist/container/build.sh ARCHIVE IMAGE [ARCH]
# ARCH is amd64 (default) or arm64. The CA bundle comes from this machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
archive=${1:?usage: dist/container/build.sh ARCHIVE IMAGE [ARCH]}
image=${2:?usage: dist/container/build.sh ARCHIVE IMAGE [ARCH]}
arch=${3:-amd64}
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
tar -xzf "$archive" -C "$ctx"
mv "$ctx"/feedgen-*/feedgen "$ctx/feedgen"
cp "$ca" "$ctx/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nfeedgen:x:65532:65532:feedgen:/site:/sbin/nologin\n' > "$ctx/passwd"
printf 'root:x:0:\nfeedgen:x:65532:\n' > "$ctx/group"
buildah build --quiet --arch "$arch" --os linux -f "$here/Containerfile" -t "$image" "$ctx"
