#!/usr/bin/env bash
# Installs a prebuilt feedgen from its GitHub release, checksum verified. For CI
# systems and build hosts without Rust (GitHub Actions through action.yml,
# GitLab CI, Netlify and Cloudflare Pages build commands):
#
#   bash install.sh [--version X.Y.Z] [--dir DIR]
#
# --version defaults to the release this copy was attached to (the release
# workflow stamps it below), else to the version in the Cargo.toml beside it;
# --dir defaults to ~/.local/bin. FEEDGEN_RELEASES overrides the download base
# (default: the repository's releases; https only, plain http on this machine's
# loopback alone, for tests). Prints the installed binary's path.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Set by dist/stamp-install.sh in the copy attached to a release.
stamped_version=""
version=""
dir="${HOME:-.}/.local/bin"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=${2:?--version needs a value}; shift 2 ;;
    --dir) dir=${2:?--dir needs a value}; shift 2 ;;
    *) echo "feedgen install: unknown argument $1 (use --version X.Y.Z, --dir DIR)" >&2; exit 2 ;;
  esac
done

# Downloaded alone, the script has no Cargo.toml beside it: then nothing.
cargo_field() {
  [ -f "$here/../Cargo.toml" ] && [ -f "$here/version.sh" ] || return 0
  bash "$here/version.sh" "$1"
}
version=${version:-${stamped_version:-$(cargo_field version)}}
version=${version#v}
if [ -z "$version" ]; then
  echo "feedgen install: no version given and no Cargo.toml beside this script; pass --version X.Y.Z" >&2
  exit 2
fi
# The version becomes part of a URL and of file names: a release number only.
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
  echo "feedgen install: --version $version is not a release number such as 0.1.0" >&2
  exit 2
fi
repo=$(cargo_field repository)
base=${FEEDGEN_RELEASES:-${repo:-https://github.com/feedgen/feedgen}/releases/download}
# The archive's checksum comes from the same place, so only TLS vouches for
# both: plain http is for a test server on this machine's loopback alone.
case "$base" in
  https://*) proto="=https" ;;
  http://127.0.0.1[:/]* | http://localhost[:/]* | "http://[::1]"[:/]*) proto="=https,http" ;;
  *)
    echo "feedgen install: the release address $base is not https; set FEEDGEN_RELEASES to an https:// address" >&2
    exit 2
    ;;
esac

os=$(uname -s)
arch=$(uname -m)
case "$os/$arch" in
  Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-gnu ;;
  Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-gnu ;;
  Darwin/x86_64) target=x86_64-apple-darwin ;;
  Darwin/arm64) target=aarch64-apple-darwin ;;
  MINGW*/x86_64 | MSYS*/x86_64 | CYGWIN*/x86_64) target=x86_64-pc-windows-msvc ;;
  *)
    echo "feedgen install: there is no prebuilt feedgen for $os $arch; build it with 'cargo install --locked feedgen'" >&2
    exit 1
    ;;
esac

name="feedgen-$target-v$version"
exe=feedgen
ext=tar.gz
case "$target" in *-windows-*) exe=feedgen.exe ext=zip ;; esac
url="$base/v$version/$name.$ext"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {
  if command -v curl >/dev/null; then
    curl --proto "$proto" --proto-redir "$proto" --fail --silent --show-error --location --retry 3 -o "$2" "$1"
  else
    wget -q -O "$2" "$1"
  fi
}
if ! fetch "$url" "$tmp/$name.$ext" || ! fetch "$url.sha256" "$tmp/$name.$ext.sha256"; then
  echo "feedgen install: could not download $url (and its .sha256). Is v$version released for $target?" >&2
  exit 1
fi

expected=$(cut -d ' ' -f 1 < "$tmp/$name.$ext.sha256")
if command -v sha256sum >/dev/null; then
  actual=$(sha256sum "$tmp/$name.$ext" | cut -d ' ' -f 1)
else
  actual=$(shasum -a 256 "$tmp/$name.$ext" | cut -d ' ' -f 1)
fi
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  echo "feedgen install: checksum mismatch for $name.$ext (expected ${expected:-nothing}, got $actual); nothing was installed" >&2
  exit 1
fi

case "$ext" in
  zip) (cd "$tmp" && { unzip -q "$name.$ext" 2>/dev/null || 7z x -bso0 "$name.$ext"; }) ;;
  *) tar -xzf "$tmp/$name.$ext" -C "$tmp" ;;
esac
mkdir -p "$dir"
# Replace, never half-write: copy beside the target, then rename over it.
cp "$tmp/$name/$exe" "$dir/.$exe.new"
chmod 755 "$dir/.$exe.new"
mv -f "$dir/.$exe.new" "$dir/$exe"
echo "$dir/$exe"
