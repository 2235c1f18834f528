// Replication lag from what the regions stored: for every entry a region copied from a peer, its id there (the
// time the copy was appended, by that Redis's clock) minus its origin id (the time the origin appended it). All
// Redis servers run on this one host, so the clocks are one. Reads `redis-cli --json XRANGE` of each region.
//
//   node lag.mjs --redis eu:6379,us:6380,ap:6381 --key 'cw:{postgres/lag}:log' [--skip-ms 5000]
import { execFileSync } from 'node:child_process';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));
const regions = String(args.redis).split(',').map((pair) => pair.split(':')).map(([region, port]) => ({ region, port }));
const ms = (id) => Number(id.split('-')[0]);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const rows = [];
for (const { region, port } of regions) {
  const entries = JSON.parse(execFileSync('redis-cli', ['-p', port, '--json', 'XRANGE', args.key, '-', '+'],
    { maxBuffer: 1 << 30 }).toString());
  const byOrigin = {};
  for (const [id, fields] of entries) {
    const f = {};
    for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
    if (f.o && f.o !== region && f.i) (byOrigin[f.o] ??= []).push(ms(id) - ms(f.i));
  }
  for (const [origin, lags] of Object.entries(byOrigin)) {
    lags.sort((a, b) => a - b);
    rows.push({ from: origin, to: region, copied: lags.length, p50: pct(lags, 0.5), p99: pct(lags, 0.99), max: lags[lags.length - 1] });
  }
}
console.log(JSON.stringify(rows));
