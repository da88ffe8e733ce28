#!/bin/bash
# Issue 19's cost of observability on the page: alert POST → Slack page with metrics and tracing
# on (this tree, exporting to a local OTLP sink) against the commit before any of it (5bd71ad:
# no metrics, no traces), side by side in one run through bench/compare.sh:
#   bash bench/observability.sh            (BENCH_ALERTS=1000 by default)
set -o pipefail
cd "$(dirname "$0")/.." || exit 1
port=${OTLP_SINK_PORT:-14318}
node --import tsx bench/otlp-sink.ts "$port" &
sink=$!
trap 'kill -TERM $sink; wait $sink' EXIT
sleep 2
bash bench/compare.sh 5bd71ad env OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
  BENCH_ALERTS="${BENCH_ALERTS:-1000}" npx tsx bench/alert-to-slack.ts
