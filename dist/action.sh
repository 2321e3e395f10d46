#!/usr/bin/env bash
# The steps of feedgen's GitHub Action (action.yml), one subcommand each, so
# that they are linted and tested as scripts. action.yml copies this file and
# install.sh into a fresh folder before the cache is restored (a restore may
# write anywhere the runner can), and runs them from there:
#
#   action.sh install  install the release into a fresh folder; outputs binary, sha256
#   action.sh build    check the binary, refuse a cached token state next to
#                      update-secret, run feedgen build; outputs exit-code
#                      and changed
#   action.sh secret   check the binary, export the token, refuse one that is
#                      not a single line, store it in the secret, delete the state
#
# Settings come from the environment: RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH,
# CONFIG, CACHE ("true"/"false"), UPDATE_SECRET, FEEDGEN_BINARY and
# FEEDGEN_SHA256 (from install), and per step FEEDGEN_TOKEN, ARGS,
# FEEDGEN_VERSION, FEEDGEN_RELEASES, GH_TOKEN, SECRET_NAME.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() {
  echo "::error::$1"
  exit 1
}

sha256() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# The binary must be the one install verified: a restored cache, or an earlier
# step of the job, may have replaced it since.
check_binary() {
  if [ -z "${FEEDGEN_BINARY:-}" ] || [ -z "${FEEDGEN_SHA256:-}" ]; then
    fail "feedgen is not installed by this action (no binary or checksum from its install step)"
  fi
  [ -f "$FEEDGEN_BINARY" ] && [ "$(sha256 "$FEEDGEN_BINARY")" = "$FEEDGEN_SHA256" ] && return
  fail "$FEEDGEN_BINARY is not the feedgen this action installed (its sha256 changed since, perhaps by a restored cache); refusing to run it with the token. Delete this repository's Actions caches (gh cache delete --all) and run again"
}

# The token state files the config names, one a line.
token_states() {
  "$FEEDGEN_BINARY" paths --config "$CONFIG" |
    sed -n 's/^ *"token_state": "\(.*\)",\{0,1\}$/\1/p' | sed 's/\\\\/\\/g'
}

install() {
  local dir bin
  # Both given, so install.sh reads no Cargo.toml (there is none beside the copy).
  if [ -z "${FEEDGEN_VERSION:-}" ] || [ -z "${FEEDGEN_RELEASES:-}" ]; then
    fail "the action's prepare step found no version or release address"
  fi
  # A new folder each run: nothing a cache restored can be in it.
  dir=$(mktemp -d "$RUNNER_TEMP/feedgen-bin-XXXXXXXX")
  bin=$(bash "$here/install.sh" --version "$FEEDGEN_VERSION" --dir "$dir")
  echo "binary=$bin" >> "$GITHUB_OUTPUT"
  echo "sha256=$(sha256 "$bin")" >> "$GITHUB_OUTPUT"
  # Windows runners read GITHUB_PATH as Windows paths.
  if command -v cygpath >/dev/null; then dir=$(cygpath -w "$dir"); fi
  echo "$dir" >> "$GITHUB_PATH"
  "$bin" --version
}

build() {
  check_binary
  if [ "${CACHE:-}" = "true" ] && [ -n "${UPDATE_SECRET:-}" ]; then
    # With update-secret the token lives in the secret; a token state in a
    # restored cache came from another run (pull requests from forks restore
    # the base branch's caches) and could hand the secret another token.
    while IFS= read -r state; do
      if [ -n "$state" ] && [ -e "$state" ]; then
        fail "the restored cache holds the token state $state, which update-secret never saves. Delete this repository's Actions caches (gh cache delete --all), or use cache: false"
      fi
    done < <(token_states)
  fi
  if [ -z "${FEEDGEN_TOKEN:-}" ]; then unset FEEDGEN_TOKEN; fi
  local extra code=0
  read -r -a extra <<< "${ARGS:-}"
  # 99: built, and no published file changed (the `changed` output says which).
  "$FEEDGEN_BINARY" build --config "$CONFIG" --unchanged-exit 99 ${extra[@]+"${extra[@]}"} || code=$?
  local changed=false
  case "$code" in
    0) changed=true ;;
    99) code=0 ;;
  esac
  echo "exit-code=$code" >> "$GITHUB_OUTPUT"
  echo "changed=$changed" >> "$GITHUB_OUTPUT"
  # The site's own build (the npm plugins) then reads this feed instead of
  # fetching it again.
  if [ "$code" = 0 ] && [ -n "${GITHUB_ENV:-}" ]; then echo "FEEDGEN_PREBUILT=1" >> "$GITHUB_ENV"; fi
  return "$code"
}

# The exported token and the token states: deleted when the secret step ends.
file=""
states=""
forget() {
  rm -f "$file"
  local state
  while IFS= read -r state; do
    if [ -n "$state" ]; then rm -f "$state"; fi
  done <<< "$states"
}

secret() {
  [ -n "${GH_TOKEN:-}" ] ||
    fail "update-secret needs secrets-token: a token that may write this repository's secrets"
  check_binary
  file="$(mktemp -d "$RUNNER_TEMP/feedgen-token-XXXXXXXX")/token"
  states=$(token_states)
  # Never left for the cache to save, whatever happens below.
  trap forget EXIT
  "$FEEDGEN_BINARY" token export --config "$CONFIG" --file "$file" >/dev/null
  # ::add-mask:: masks one line: a token of two would print its second.
  if [ "$(wc -l < "$file" | tr -d ' ')" != 0 ] || LC_ALL=C grep -q '[^!-~]' "$file"; then
    fail "the exported token is not one line of printable characters, so it is not stored; run feedgen token status"
  fi
  echo "::add-mask::$(cat "$file")"
  if ! cmp -s <(printf %s "${FEEDGEN_TOKEN:-}") "$file"; then
    gh secret set "$SECRET_NAME" --repo "$GITHUB_REPOSITORY" < "$file"
    echo "stored the refreshed token in the secret $SECRET_NAME"
  fi
}

case "${1:-}" in
  install | build | secret) "$1" ;;
  *) echo "usage: action.sh install|build|secret" >&2; exit 2 ;;
esac
