#!/usr/bin/env bash
# Replication lag between regions under load: three regions on loopback (a Redis and one instance each, a full
# mesh), webhooks at a fixed rate into every region (webhooks.mjs, default 1,000/s each for 30 s), then from the
# streams themselves the lag of every copy: its append time in the peer minus its append time in the origin (both
# Redis stream ids, one host's clock), p50/p99/max per origin and peer (lag.mjs).
#
#   bench/regions/run.sh [--no-build] [--rate 1000] [--seconds 30]
#
# Everything listens on loopback only and is stopped on exit; results go to bench/regions/results/<run>/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/bench/lib/common.sh"
build=auto
rate=1000
seconds=30
parse_options 8 "rate seconds" "$@"
require_tools
build_jar "$root" "$build"
start_run "$root" "$here"

regions=(eu us ap)
declare -A redis_port port
for r in "${regions[@]}"; do
  start_redis "$r"
  redis_port[$r]=$redis_port
done
for r in "${regions[@]}"; do
  peers=""
  for p in "${regions[@]}"; do
    [ "$p" = "$r" ] || peers="${peers:+$peers;}$p=redis://127.0.0.1:${redis_port[$p]}"
  done
  port[$r]=$(free_port)
  (cd "$out/run" && PORT=${port[$r]} HOST=127.0.0.1 MANAGEMENT_PORT=$(free_port) \
    REDIS_URL=redis://127.0.0.1:${redis_port[$r]} REGION=$r REGION_PEERS="$peers" JWT_SECRET=bench-secret \
    exec java $java_opts -jar "$out/crowdwire.jar" > "$out/logs/crowdwire-$r.log" 2>&1) &
  pids+=("$!")
  wait_ready "${port[$r]}" "$!" || { log "region $r did not become ready; see $out/logs"; exit 1; }
done
targets="eu:${port[eu]},us:${port[us]},ap:${port[ap]}"
log "warming up: 5 s at $rate webhooks/s per region"
node "$here/webhooks.mjs" --ports "$targets" --rate "$rate" --seconds 5 --secret bench-secret --collection warmup > "$out/warmup.json"
log "measuring: $seconds s at $rate webhooks/s per region"
node "$here/webhooks.mjs" --ports "$targets" --rate "$rate" --seconds "$seconds" --secret bench-secret --collection lag > "$out/webhooks.json"
sleep 3   # the last copies
node "$here/lag.mjs" --redis "eu:${redis_port[eu]},us:${redis_port[us]},ap:${redis_port[ap]}" --key 'cw:{postgres/lag}:log' > "$out/lag.json"

node - "$out" "$rate" "$seconds" <<'JS'
const fs = require('fs');
const [out, rate, seconds] = process.argv.slice(2);
const run = JSON.parse(fs.readFileSync(`${out}/webhooks.json`));
const lag = JSON.parse(fs.readFileSync(`${out}/lag.json`));
const perOrigin = run.ok / 3;
const lines = [
  `# Regions: replication lag (run ${out.split('/').pop()})`, '',
  `3 regions on one host, ${rate} webhooks/s asked per region for ${seconds} s: ${run.sent} sent ` +
    `(${run.ratePerRegion.toFixed(0)}/s per region), ${run.ok} acknowledged, ${run.failed} failed, ${run.skipped} not sent`, '',
  '| origin -> peer | copied | p50 ms | p99 ms | max ms |', '|---|---:|---:|---:|---:|',
  ...lag.map((r) => `| ${r.from} -> ${r.to} | ${r.copied} | ${r.p50} | ${r.p99} | ${r.max} |`),
];
fs.writeFileSync(`${out}/report.md`, lines.join('\n') + '\n');
console.log(lines.join('\n'));
if (lag.length !== 6 || lag.some((r) => r.copied < perOrigin)) process.exit(1);
JS
