#!/bin/sh
# Installs node modules when they are missing or older than the lock file, so that
# `npm start` and `npm test` work on a fresh clone and cost nothing once set up.
set -e
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "klaxon: installing node modules (npm ci)…"
  npm ci --no-audit --no-fund
fi
