#!/bin/bash
# One benchmark on an earlier commit and on this tree, one after the other in one run, so
# that a change is measured against its baseline on the same machine in the same state:
#   bash bench/compare.sh cd81f51 BENCH_ALERTS=1000 npx tsx bench/alert-to-slack.ts
# The baseline runs in a temporary git worktree sharing this tree's node_modules and .tools
# (the commit's own lock file must match them). Run on an otherwise idle machine.
set -o pipefail
cd "$(dirname "$0")/.." || exit 1
[ $# -ge 2 ] || { echo "usage: bash bench/compare.sh <base-rev> <command…>" >&2; exit 2; }
base=$(git rev-parse --short "$1") || exit 2
shift
sh scripts/ensure-node-modules.sh || exit 1
tree=$(mktemp -d /tmp/klaxon-baseline-XXXXXX)
trap 'git worktree remove --force "$tree" >/dev/null 2>&1; rm -rf "$tree"' EXIT
git worktree add --detach -q "$tree" "$base" || exit 1
ln -s "$PWD/node_modules" "$tree/node_modules"
[ -d .tools ] && ln -s "$PWD/.tools" "$tree/.tools"
failed=0
measure() {
  echo; echo "== $1: $2"
  (cd "$3" && env "${@:4}" 2>&1 | grep -v 'level=ERROR\|api POST\|audit event stored')
  [ $? -eq 0 ] || { echo "!! failed on $1"; failed=1; }
}
measure baseline "$base" "$tree" "$@"
measure current "$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes')" "$PWD" "$@"
exit $failed
