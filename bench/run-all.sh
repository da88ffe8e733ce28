#!/bin/bash
# Every benchmark, one after another on an otherwise idle machine, each printing its figures:
# the run BENCHMARKS.md is written from, each figure beside its baseline (the floor, the
# minimal design, the other storm). About 70 minutes on 2 cores. A failing step is
# reported and the run goes on; the exit status says whether any failed.
#   bash bench/run-all.sh 2>&1 | tee bench-run.log
set -o pipefail
cd "$(dirname "$0")/.." || exit 1
sh scripts/ensure-node-modules.sh || exit 1
failed=0
run() {
  echo; echo "== $*"; date -u +%FT%TZ
  # The dev server's shutdown noise and the API's request log (plain or JSON lines) are left out.
  env "$@" 2>&1 | grep -v 'level=ERROR\|^api POST\|"msg":"api POST'
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "!! failed: $*"; failed=1; }
}
run BENCH_ALERTS=1000 npx tsx bench/alert-to-slack.ts
run npx tsx bench/observability-ab.ts
run npx tsx bench/next-middleware.ts
run npx tsx bench/ingest.ts
run npx tsx bench/storm.ts
run npx tsx bench/notifications.ts
run npx tsx bench/actions-per-incident.ts
run npx tsx bench/ledger-appends.ts
run npx tsx bench/vercel-spikes.ts
run npx tsx bench/redaction.ts
run npx tsx bench/schedule-year.ts
run BENCH_INCIDENTS=1000 BENCH_LEVEL_MINUTES=1 npx tsx bench/open-incidents.ts
run npx tsx bench/open-incidents.ts
run npx tsx bench/console.ts
run npx jest test/integration/faults
run FUZZ_RUNS=10000 npx jest test/integration/fuzz
exit $failed
