#!/bin/sh
# Builds what the Next.js end-to-end test (test/e2e/nextjs.test.ts) runs, each step only when
# its inputs changed, so a fresh clone (or CI) needs nothing but `npm test` and a second run
# costs a few hashes:
#   1. @klaxon/next (packages/next → dist/), when the package or the core modules it bundles changed;
#   2. the example's node modules (examples/nextjs), when its lock file or the built package changed
#      (.npmrc's install-links copies the package in, so a rebuilt package needs a reinstall);
#   3. `next build` of the example, when its sources or its modules changed.
# Each step writes the hash of its inputs once it has succeeded (a stamp beside its output,
# removed with it); a failed step leaves no stamp and runs again next time.
set -e
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
app=examples/nextjs

# The hash of the files under the given paths (build outputs and installed modules left out).
hash_of() {
  find "$@" -type f -not -path '*/node_modules/*' -not -path '*/.next/*' -not -path '*/dist/*' -not -name '*.tsbuildinfo' -not -name next-env.d.ts \
    | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64
}
# Runs a step when the stamp file does not hold the hash; writes the hash once the step succeeded.
stale() { [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; }

package=$(hash_of packages/next core package-lock.json)
if stale packages/next/dist/.build-stamp "$package"; then
  echo "klaxon: building @klaxon/next…"
  npm run --silent build:next
  echo "$package" > packages/next/dist/.build-stamp
fi

modules=$(echo "$package $(hash_of $app/package.json $app/package-lock.json $app/.npmrc)" | sha256sum | cut -c1-64)
if stale $app/node_modules/.install-stamp "$modules"; then
  echo "klaxon: installing the example app's node modules…"
  # The copy of @klaxon/next goes first: npm keeps a file: dependency of an unchanged version as it is.
  rm -rf $app/node_modules/@klaxon/next
  # From the lock file, as scripts/ensure-node-modules.sh installs the root's (and why not `npm ci`).
  (cd $app && npm install --no-audit --no-fund --no-save)
  echo "$modules" > $app/node_modules/.install-stamp
fi

build=$(echo "$modules $(hash_of $app)" | sha256sum | cut -c1-64)
if stale $app/.next/.build-stamp "$build"; then
  echo "klaxon: building the example app (next build)…"
  (cd $app && node node_modules/next/dist/bin/next build)
  echo "$build" > $app/.next/.build-stamp
fi
