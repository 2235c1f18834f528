#!/usr/bin/env bash
# Scale across a cluster on one host: INSTANCES clustered instances (Hazelcast, static members on loopback) on one
# Redis, CONNS subscribed connections on each (default 3 x 19,000 = 57,000, source addresses 127.0.0.2-9), one
# collection all of them subscribe to, RATE webhooks/s spread over the instances for SECONDS (fanout.mjs): every
# event must reach every connection; reports webhook -> last subscriber p50/p99/max, RSS per instance, and whether
# it held (nothing lost, doubled, reordered or disconnected; every instance up; every connection subscribed throughout).
#
#   bench/cluster/run.sh [--no-build] [--instances 3] [--conns 19000] [--workers 2] [--rate 1] [--seconds 300]
#
# Everything listens on loopback only and is stopped on exit; results go to bench/cluster/results/<run>/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/bench/lib/common.sh"
build=auto
instances=3
conns=19000
workers=2
rate=1
seconds=300
parse_options 9 "instances conns workers rate seconds" "$@"
require_tools
build_jar "$root" "$build"
generator_packages "$root/bench"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
need=$(( conns + 200 ))
[ "$(ulimit -n)" -ge "$need" ] || { echo "$conns connections per instance need an open-files limit of $need (have $(ulimit -n))" >&2; exit 1; }
start_run "$root" "$here"
start_redis cluster

declare -a port cluster_port pid
members=""
for i in $(seq 1 "$instances"); do
  cluster_port[$i]=$(free_port)
  members="${members:+$members,}127.0.0.1:${cluster_port[$i]}"
done
cluster_name=bench-$$
for i in $(seq 1 "$instances"); do
  port[$i]=$(free_port)
  (cd "$out/run" && PORT=${port[$i]} HOST=127.0.0.1 MANAGEMENT_PORT=$(free_port) REDIS_URL=redis://127.0.0.1:$redis_port \
    JWT_SECRET=bench-secret CLUSTER=true CLUSTER_NAME=$cluster_name CLUSTER_HOST=127.0.0.1 CLUSTER_PORT=${cluster_port[$i]} \
    EVENT_BUS_PORT=$(free_port) CLUSTER_DISCOVERY=static CLUSTER_MEMBERS=$members \
    exec java $java_opts -jar "$out/crowdwire.jar" > "$out/logs/crowdwire-$i.log" 2>&1) &
  pid[$i]=$!
  pids+=("${pid[$i]}")
done
for i in $(seq 1 "$instances"); do
  wait_ready "${port[$i]}" "${pid[$i]}" || { log "instance $i did not become ready; see $out/logs"; exit 1; }
done
for _ in $(seq 1 60); do
  n=$(curl -s "http://127.0.0.1:${port[1]}/health" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const h=JSON.parse(s);const m=h.members;console.log(Array.isArray(m)?m.length:Number(m)||0)}catch{console.log(0)}})')
  [ "$n" -ge "$instances" ] && break
  sleep 1
done
log "$instances instances ready, $n members in the cluster; $conns connections each, $rate event/s for $seconds s"
[ "$n" -ge "$instances" ] || { log "the instances did not form one cluster"; exit 1; }

urls=""; pidlist=""
for i in $(seq 1 "$instances"); do urls="${urls:+$urls,}http://127.0.0.1:${port[$i]}"; pidlist="${pidlist:+$pidlist,}${pid[$i]}"; done
node "$here/fanout.mjs" --urls "$urls" --pids "$pidlist" --redis-pid "${pids[0]}" --conns "$conns" --workers "$workers" \
  --rate "$rate" --seconds "$seconds" --secret bench-secret --out "$out/result.json"

node - "$out" <<'JS'
const fs = require('fs');
const out = process.argv[2];
const r = JSON.parse(fs.readFileSync(`${out}/result.json`));
const l = r.lastSubscriberMs; const d = r.deliveryMs;
const lines = [
  `# Cluster fan-out (run ${out.split('/').pop()})`, '',
  `${r.instances} clustered instances on one Redis, ${r.connectionsPerInstance.toLocaleString('en-US')} subscribed connections each `
    + `(${r.subscribed.toLocaleString('en-US')} of ${r.connections.toLocaleString('en-US')}), one collection, ${r.rate} event/s for ${r.seconds} s `
    + `(${r.events - r.warmupEvents} measured after ${r.warmupEvents} warm-up events): held ${r.held ? 'yes' : 'NO'}`, '',
  '| events | deliveries | lost | dup | ooo | disconnects | webhook → last subscriber p50 / p99 / max ms | any delivery p50 / p99 / max ms | RSS per instance MiB, before → after | server CPU % per instance | Redis CPU % |',
  '|---:|---:|---:|---:|---:|---:|---|---|---|---|---:|',
  `| ${r.eventsTimed} | ${r.delivered.toLocaleString('en-US')} | ${r.lost} | ${r.duplicated} | ${r.outOfOrder} | ${r.disconnects} | ${l.p50} / ${l.p99} / ${l.max} | ${d.p50} / ${d.p99} / ${d.max} | `
    + `${r.rssMiBBefore.map((b, i) => `${b} → ${r.rssMiBAfter[i]}`).join(', ')} | ${r.serverCpuPct.join(', ')} | ${r.redisCpuPct} |`,
];
fs.writeFileSync(`${out}/report.md`, lines.join('\n') + '\n');
console.log(lines.join('\n'));
if (!r.held) process.exit(1);
JS
