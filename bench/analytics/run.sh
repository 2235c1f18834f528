#!/usr/bin/env bash
# Analytics benchmark: Redis commands per hit. Two Crowdwire instances on a fresh Redis take hits at a fixed rate
# (hits.mjs, default 5,000/s for 30 s, many visitors, 200 pages); Redis's INFO before and after says how many
# commands the hits cost: the calls of clients (one script call per flush and day, and the day's salt) and every
# command those scripts ran. The query API then says how many hits were counted (all of them, or the run fails).
#
#   bench/analytics/run.sh [--no-build] [--rate 5000] [--seconds 30] [--instances 2] [--pages 200]
#
# Everything listens on loopback only and is stopped on exit; results go to bench/analytics/results/<run>/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/bench/lib/common.sh"
build=auto
rate=5000
seconds=30
instances=2
pages=200
parse_options 9 "rate seconds instances pages" "$@"
require_tools
build_jar "$root" "$build"
start_run "$root" "$here"
start_redis analytics

ports=()
for i in $(seq 1 "$instances"); do
  port=$(free_port)
  (cd "$out/run" && PORT=$port HOST=127.0.0.1 MANAGEMENT_PORT=$(free_port) REDIS_URL=redis://127.0.0.1:$redis_port \
    JWT_SECRET=bench-secret exec java $java_opts -jar "$out/crowdwire.jar" > "$out/logs/crowdwire-$i.log" 2>&1) &
  pids+=("$!")
  wait_ready "$port" "$!" || { log "instance $i did not become ready; see $out/logs"; exit 1; }
  ports+=("$port")
done
port_list=$(IFS=,; echo "${ports[*]}")
log "warming up: 5 s at $rate hits/s on $port_list"
node "$here/hits.mjs" --ports "$port_list" --rate "$rate" --seconds 5 --pages "$pages" > "$out/warmup.json"
sleep 3   # the warm-up's last flush

redis-cli -p "$redis_port" INFO commandstats > "$out/commandstats-before.txt"
day=$(date -u +%F)
log "measuring: $seconds s at $rate hits/s"
node "$here/hits.mjs" --ports "$port_list" --rate "$rate" --seconds "$seconds" --pages "$pages" > "$out/hits.json"
sleep 3   # two flushes: everything held is written
redis-cli -p "$redis_port" INFO commandstats > "$out/commandstats-after.txt"
token=$(cd "$root/bench" && node -e "import('./lib/jwt.mjs').then(j => { const now = Math.floor(Date.now()/1000); \
  console.log(j.signHs256({ sub: 'bench', roles: ['admin'], iat: now, exp: now + 600 }, 'bench-secret')) })")
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:${ports[0]}/api/analytics/days/$day" > "$out/day.json"

node - "$out" "$rate" "$seconds" "$instances" "$pages" <<'JS'
const fs = require('fs');
const [out, rate, seconds, instances, pages] = process.argv.slice(2);
const stats = (file) => Object.fromEntries(fs.readFileSync(`${out}/${file}`, 'utf8').split(/\r?\n/)
  .map((line) => line.match(/^cmdstat_([^:]+):calls=(\d+)/)).filter(Boolean).map((m) => [m[1], Number(m[2])]));
const [s0, s1] = [stats('commandstats-before.txt'), stats('commandstats-after.txt')];
const delta = (name) => (s1[name] ?? 0) - (s0[name] ?? 0);
// One INFO between the snapshots is the benchmark's own.
const all = Object.keys(s1).reduce((sum, name) => sum + delta(name), 0) - 1;
const scripts = delta('evalsha') + delta('eval');
// Every script call sets its flush marker; the other SETs are the day's salt, asked once per instance and day.
const salts = delta('set') - scripts;
const clientCalls = scripts + salts + delta('hello') + delta('ping') + delta('auth') + delta('select');
const warm = JSON.parse(fs.readFileSync(`${out}/warmup.json`));
const run = JSON.parse(fs.readFileSync(`${out}/hits.json`));
const day = JSON.parse(fs.readFileSync(`${out}/day.json`));
const allCommands = all;
const counted = day.hits - warm.ok;
const lines = [
  `# Analytics: Redis commands per hit (run ${out.split('/').pop()})`, '',
  `${instances} instances, ${pages} pages, ${rate} hits/s asked for ${seconds} s: ${run.sent} sent (${run.rate.toFixed(0)}/s), ` +
    `${run.ok} answered 200, ${run.failed} failed, ${run.skipped} not sent (2,000 in flight)`,
  `counted by the query API: ${counted} of ${run.ok} (${run.ok - counted} lost)`, '',
  '| | commands | per hit |', '|---|---:|---:|',
  `| client calls: ${scripts} script calls (one per flush and day), ${salts} salts, connections' | ${clientCalls} | ${(clientCalls / run.ok).toFixed(5)} |`,
  `| every command run, the scripts' included | ${allCommands} | ${(allCommands / run.ok).toFixed(4)} |`,
];
fs.writeFileSync(`${out}/report.md`, lines.join('\n') + '\n');
console.log(lines.join('\n'));
if (counted !== run.ok) process.exit(1);
JS
