#!/usr/bin/env node
// Prints the Markdown table of one Yjs run directory (bench/yjs/results/<run>): node report.mjs DIR
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) { console.error('usage: report.mjs RESULTS_DIR'); process.exit(2); }
const read = (f) => (existsSync(join(dir, f)) ? JSON.parse(readFileSync(join(dir, f), 'utf8')) : null);
const m = read('machine.json');
const T = { crowdwire: read('crowdwire.json'), hocuspocus: read('hocuspocus.json'), ywebsocket: read('ywebsocket.json') };
const ok = (r) => r && !r.error;

const count = (closes) => Object.values(closes || {}).reduce((a, b) => a + b, 0);
const num = (v, d = 0) => (v == null || Number.isNaN(v) ? '–' : typeof v === 'string' ? v : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const ratio = (a, b) => (a == null || b == null || !b ? '–' : (a / b).toFixed(2));
const get = (r, f) => { try { return ok(r) ? f(r) : null; } catch { return null; } };
// the y-websocket server is one instance: its loads are all from the instance holding the document
const place = (r, where) => r.load.byPlace[where] || (where === 'other instance' ? null : r.load.byPlace['the one instance']);

// [label, getter, decimals, ratio column?]
const rows = [
  ['updates/s sent in the window', (r) => r.window.updatesPerSec, 0, false],
  ['update latency p50, ms (edit → arrival at each other editor)', (r) => r.window.latencyMs.p50, 1, true],
  ['update latency p99, ms', (r) => r.window.latencyMs.p99, 1, true],
  ['server CPU s per 10k updates', (r) => r.window.cpu.serverPer10k, 3, true],
  ['Redis CPU s per 10k updates', (r) => r.window.cpu.redisPer10k, 3, true],
  ['**server + Redis CPU s per 10k updates**', (r) => r.window.cpu.totalPer10k, 3, true],
  ['memory per open document, KiB: server RSS, just connected, minus idle', (r) => r.memoryPerDocKiB.open, 1, true],
  ['**memory per open document, KiB: server RSS, end of the window, minus idle**', (r) => r.memoryPerDocKiB.end, 1, true],
  ['… server RSS, end of the window, minus the fresh process before the warm-up', (r) => r.memoryPerDocKiB.fromFresh, 1, true],
  ['**… live memory after a full GC (Java heap used; V8 heap used + external), end minus idle**', (r) => r.memoryPerDocKiB.live, 1, true],
  ['Redis RSS per document, KiB (end of the window)', (r) => r.memoryPerDocKiB.redisEnd, 1, true],
  ['1 MiB load, ms, instance without the document open', (r) => place(r, 'other instance').ms, 0, true],
  ['1 MiB load, ms, instance with the document open', (r) => place(r, 'instance with the document open').ms, 0, true],
  ['1 MiB load, bytes received', (r) => place(r, 'instance with the document open').bytes, 0, true],
  ['lost updates (never arrived at an editor of the document)', (r) => r.drain.lost, 0, false],
  ['… of them between editors on different instances', (r) => r.drain.lostAcrossInstances, 0, false],
  ['documents whose editors\' texts differ at the end', (r) => r.drain.diverged, 0, false],
  ['editors closed by the server (warm-up, run)', (r) => `${count(r.warmup.closes)}, ${count(r.drain.closes)}`, 0, false],
  ['load generator CPU, % of a core (2 processes)', (r) => r.window.cpu.generatorPct, 0, false],
  ['generator lateness p99, ms (sends behind schedule)', (r) => r.window.generatorLateMs.p99, 1, false],
  ['other processes on the machine, % of a core', (r) => r.window.cpu.otherPct, 0, false],
];

const out = [];
if (m) out.push(`Run ${m.run} (${m.quick ? 'quick' : 'full'}), commit ${m.commit}: ${m.nproc} cores (${m.cpu}), ${num(m.memTotalKiB / 1048576, 1)} GiB, ${m.java}, node ${m.node}, redis ${m.redis}; machine ${m.loadBeforePct}% busy before the run. Crowdwire: \`${m.javaOpts.trim()}\`.`, '');
const p = (T.crowdwire || T.hocuspocus || T.ywebsocket || {}).params;
if (p) out.push(`${p.docs} documents × ${p.editors} editors, ${p.ratePerDoc} updates/s per document, ${p.warmupS} s warm-up, ${p.rampS} s ramp, ${p.windowS} s measured window, ${p.workers} generator processes.`, '');
out.push('| | Crowdwire (2 instances) | Hocuspocus (2 instances) | y-websocket server (1 instance) | Crowdwire / Hocuspocus |', '|---|---:|---:|---:|---:|');
for (const [label, f, d, hasRatio] of rows) {
  const v = Object.fromEntries(Object.entries(T).map(([k, r]) => [k, get(r, f)]));
  out.push(`| ${label} | ${num(v.crowdwire, d)} | ${num(v.hocuspocus, d)} | ${num(v.ywebsocket, d)} | ${hasRatio ? ratio(v.crowdwire, v.hocuspocus) : ''} |`);
}
for (const [k, r] of Object.entries(T)) {
  const again = readdirSync(dir).filter((f) => f.startsWith(`${k}.disturbed-`)).length;
  if (again) out.push('', `${k}: measured again after ${again} attempt(s) that other processes on the machine disturbed (kept as ${k}.disturbed-*.json)`);
  if (r && r.error) out.push('', `${k} failed: ${r.error.split('\n')[0]}`);
  for (const phase of ['warmup', 'drain']) {
    if (ok(r) && Object.keys(r[phase].closes).length) out.push('', `${k}: editors closed by the server in the ${phase === 'warmup' ? 'warm-up' : 'measured run'}: ${JSON.stringify(r[phase].closes)} between ${r[phase].closesBetween.join(' and ')}`);
  }
}

// the targets: CPU and memory per document at most half of Hocuspocus's, p99 at most its p99
const c = T.crowdwire; const h = T.hocuspocus;
if (ok(c) && ok(h)) {
  const t = (label, a, b, limit) => `- ${label}: ${num(a, 3)} vs ${num(b, 3)}, ratio ${ratio(a, b)} (target ≤ ${limit}): **${a / b <= limit ? 'met' : 'not met'}**`;
  out.push('', 'Targets:',
    t('server + Redis CPU per 10k updates', c.window.cpu.totalPer10k, h.window.cpu.totalPer10k, 0.5),
    t('memory per open document, server RSS (end of the window minus idle)', c.memoryPerDocKiB.end, h.memoryPerDocKiB.end, 0.5),
    t('memory per open document, live after a full GC', c.memoryPerDocKiB.live, h.memoryPerDocKiB.live, 0.5),
    t('update latency p99 (ms)', c.window.latencyMs.p99, h.window.latencyMs.p99, 1));
}
console.log(out.join('\n'));
