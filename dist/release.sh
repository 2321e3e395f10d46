#!/usr/bin/env bash
# Builds the release archive of one target, as the release workflow and CI do:
#   dist/release.sh TARGET [OUT_DIR]
# writes OUT_DIR/feedgen-TARGET-vVERSION.tar.gz (.zip for Windows) and its .sha256,
# named the way `cargo binstall feedgen` looks for them. Linux and Windows
# binaries link the C runtime statically: the Linux one runs on any distribution
# and in an empty (FROM scratch) container.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: dist/release.sh TARGET [OUT_DIR]}
out=${2:-target/dist}
version=$(bash dist/version.sh)
name="feedgen-$target-v$version"

# The executable's name and the archive's kind come from the one list of targets.
targets=dist/npm/feedgen/lib/targets.json
if ! exe=$(jq -er --arg t "$target" '.[] | select(.target == $t) | .exe' "$targets") ||
  ! kind=$(jq -er --arg t "$target" '.[] | select(.target == $t) | .archive' "$targets"); then
  echo "error: $target is not a release target ($targets lists them)" >&2
  exit 1
fi

case "$target" in
  *-linux-gnu | *-windows-msvc) export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" ;;
esac
# The `dist` profile (Cargo.toml): thin LTO, for a smaller download.
cargo build --profile dist --locked --target "$target"

bin="target/$target/dist/$exe"

if [[ "$target" == *-linux-* ]]; then
  # Refuse to ship a binary that would need the build machine's libraries.
  if ldd "$bin" 2>&1 | grep -q '=>'; then
    echo "error: $bin is dynamically linked:" >&2
    ldd "$bin" >&2
    exit 1
  fi
fi

mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$bin" README.md LICENSE-MIT LICENSE-APACHE "$stage/$name/"

case "$kind" in
  zip)
    archive="$name.zip"
    rm -f "$out/$archive"
    (cd "$stage" && 7z a -tzip -bso0 "$archive" "$name") && mv "$stage/$archive" "$out/"
    ;;
  tar.gz)
    archive="$name.tar.gz"
    tar_flags=()
    if tar --version 2>/dev/null | grep -q GNU; then
      # Same bytes for the same inputs.
      tar_flags=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0)
    fi
    tar -C "$stage" ${tar_flags[@]+"${tar_flags[@]}"} -cf - "$name" | gzip -9n > "$out/$archive"
    ;;
esac

cd "$out"
if command -v sha256sum >/dev/null; then
  sha256sum "$archive" > "$archive.sha256"
else
  shasum -a 256 "$archive" > "$archive.sha256"
fi
echo "$out/$archive"
