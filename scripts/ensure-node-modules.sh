#!/bin/sh
# Installs node modules when they are missing or older than the lock file, so that
# `npm start` and `npm test` work on a fresh clone and cost nothing once set up.
set -e
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "klaxon: installing node modules…"
  # `npm install` from the lock file rather than `npm ci`: registry mirrors that carry only
  # this platform's optional binaries (swc, esbuild) leave the others out of the lock file,
  # which `npm ci` refuses as out of sync. --no-save keeps the lock file as committed.
  npm install --no-audit --no-fund --no-save
fi
