#!/usr/bin/env node
// Prints the markdown tables of one run directory (bench/results/<run>): node report.mjs DIR
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) { console.error('usage: report.mjs RESULTS_DIR'); process.exit(2); }

const results = {};
for (const f of readdirSync(dir).filter((x) => x.endsWith('.json') && x !== 'machine.json')) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  (results[r.scenario] ||= {})[r.target] = r;
}
const machine = existsSync(join(dir, 'machine.json')) ? JSON.parse(readFileSync(join(dir, 'machine.json'), 'utf8')) : null;

const num = (v, d = 0) => {
  if (v == null || Number.isNaN(v)) return '–';
  if (typeof v !== 'number') return String(v);
  return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
};
const ratio = (a, b) => (a == null || b == null || !b ? '–' : `${(a / b).toFixed(2)}`);
const targetsOf = (sc) => Object.keys(results[sc] || {}).sort((a, b) => (a === 'ours' ? -1 : b === 'ours' ? 1 : a.localeCompare(b)));

function table(head, rows) {
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

/** The baselines ours is compared with, when they ran: the seed's service and an earlier build of ours. */
const BASELINES = ['seed', 'before'];

/** A row per target plus a ratio row ours/baseline over the numeric columns given by cols (value getters). */
function section(scs, head, cols) {
  const rows = [];
  for (const sc of [].concat(scs)) {
    for (const t of targetsOf(sc)) rows.push([sc, t, ...cols.map((c) => c.fmt(c.get(results[sc][t])))]);
    for (const base of BASELINES) {
      if (results[sc] && results[sc].ours && results[sc][base]) {
        rows.push([sc, `**ours/${base}**`, ...cols.map((c) => (c.ratio === false ? '' : ratio(c.get(results[sc].ours), c.get(results[sc][base]))))]);
      }
    }
  }
  return rows.length ? table(['scenario', 'target', ...head], rows) : null;
}

const f0 = (v) => num(v, 0); const f1 = (v) => num(v, 1); const f2 = (v) => num(v, 2); const f3 = (v) => num(v, 3);
// The server's CPU per 100k, split into user and kernel time (runs before the split have the total only), and total/kernel:
// how close the server runs to the floor of the kernel's work for the same frames.
const CPU_HEAD = ['server CPU s/100k', 'user s/100k', 'kernel s/100k', 'total/kernel', 'Redis CPU s/100k'];
const CPU_COLS = [
  { get: (r) => r.cpu.serverPer100k, fmt: f3 }, { get: (r) => r.cpu.serverUserPer100k, fmt: f3 },
  { get: (r) => r.cpu.serverKernelPer100k, fmt: f3 }, { get: (r) => r.cpu.serverOverKernel, fmt: f2 },
  { get: (r) => r.cpu.redisPer100k, fmt: f3 },
];
const out = [];

if (machine) {
  out.push(`Run ${machine.run} (${machine.quick ? 'quick' : 'full'}; ${machine.pinned ? 'pinned: server and Redis on core 0, load generator on core 1' : 'not pinned'}), commit ${machine.commit}${machine.srcDirty ? ' (src modified)' : ''}: `
    + `${machine.nproc} cores (${machine.cpu}), ${num(machine.memTotalKiB / 1048576, 1)} GiB, ${machine.java}, node ${machine.node}, redis ${machine.redis}, open files ${machine.nofile}; `
    + `machine ${machine.loadBeforePct}% busy before the run.`);
  out.push('');
}

const delivery = section(['fanout-sat', 'fanout-rate', 'many-collections'],
  ['subs × colls', 'events', 'deliveries/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'lost', 'dup', 'ooo', ...CPU_HEAD, 'server+Redis s/100k', 'events/frame', 'gen CPU %', 'other CPU %'],
  [
    { get: (r) => `${r.subscribers} × ${r.collections}`, fmt: String, ratio: false },
    { get: (r) => r.webhooks.acked, fmt: f0, ratio: false },
    { get: (r) => r.deliveriesPerSec, fmt: f0 },
    { get: (r) => r.latencyMs.p50, fmt: f1 }, { get: (r) => r.latencyMs.p90, fmt: f1 },
    { get: (r) => r.latencyMs.p99, fmt: f1 }, { get: (r) => r.latencyMs.max, fmt: f1 },
    { get: (r) => r.lost, fmt: f0, ratio: false }, { get: (r) => r.duplicated, fmt: f0, ratio: false },
    { get: (r) => r.outOfOrder, fmt: (v) => f0(v), ratio: false },
    ...CPU_COLS,
    { get: (r) => r.cpu.serverPlusRedisPer100k, fmt: f3 },
    { get: (r) => r.eventsPerFrame, fmt: f1 },
    { get: (r) => r.cpu.genPct, fmt: f0, ratio: false },
    { get: (r) => r.cpu.otherPct, fmt: f0, ratio: false },
  ]);
if (delivery) out.push('### Deliveries (latency: webhook sent → frame received)', '', delivery, '');

const ingest = section('ingest',
  ['webhooks', 'webhooks/s', 'first window /s', 'last window /s', 'last window ends at', 'last/first', 'answer p50 ms', 'answer p99 ms', 'failed', ...CPU_HEAD],
  [
    { get: (r) => r.acked, fmt: f0, ratio: false },
    { get: (r) => r.webhooksPerSec, fmt: f0 },
    { get: (r) => r.firstWindowPerSec, fmt: f0 }, { get: (r) => r.lastWindowPerSec, fmt: f0 },
    { get: (r) => r.lastWindowUpTo, fmt: f0, ratio: false },
    { get: (r) => r.lastOverFirst, fmt: f2, ratio: false },
    { get: (r) => r.webhookLatencyMs.p50, fmt: f1 }, { get: (r) => r.webhookLatencyMs.p99, fmt: f1 },
    { get: (r) => r.failed, fmt: f0, ratio: false },
    ...CPU_COLS,
  ]);
if (ingest) out.push('### Durable webhook ingest (32 senders, one collection, no subscriber)', '', ingest, '');

if (results.memory) {
  const rows = [];
  const ts = targetsOf('memory');
  const steps = Math.max(...ts.map((t) => results.memory[t].steps.length));
  for (let i = 0; i < steps; i++) {
    for (const t of ts) {
      const r = results.memory[t]; const s = r.steps[i];
      if (!s) continue;
      const livePerConn = s.liveHeapKiB != null && r.baselineLiveHeapKiB != null ? (s.liveHeapKiB - r.baselineLiveHeapKiB) / s.connections : null;
      rows.push(['memory', t, f0(s.connections), f1(r.baselineRssKiB / 1024), f1(s.rssKiB / 1024), f2(s.perConnKiB), s.marginalPerConnKiB != null ? f2(s.marginalPerConnKiB) : '–',
        s.heapKiB ? `${f1(s.heapKiB.used / 1024)} / ${f1(s.heapKiB.capacity / 1024)}` : '–', f2(livePerConn)]);
    }
    const o = results.memory.ours && results.memory.ours.steps[i];
    for (const base of BASELINES) {
      const sd = results.memory[base] && results.memory[base].steps[i];
      if (o && sd) rows.push(['memory', `**ours/${base}**`, '', '', ratio(o.rssKiB, sd.rssKiB), ratio(o.perConnKiB, sd.perConnKiB), o.marginalPerConnKiB != null ? ratio(o.marginalPerConnKiB, sd.marginalPerConnKiB) : '', '', '']);
    }
  }
  out.push('### Memory per idle subscribed connection (RSS of the server process)', '',
    table(['scenario', 'target', 'connections', 'RSS before MiB', 'RSS MiB', 'KiB/connection', 'KiB/connection, marginal', 'Java heap used / capacity MiB', 'live heap KiB/connection'], rows), '');
  const notes = ts.flatMap((t) => results.memory[t].steps.filter((s) => s.note).map((s) => `${t}: ${s.note}`));
  for (const n of notes) out.push(`- ${n}`);
  if (notes.length) out.push('');
}

const storm = section('reconnect',
  ['clients', 'replayed', 'all caught up ms', 'catch-up p50 ms', 'catch-up p99 ms', 'caught up', 'lost', 'dup', 'ooo', ...CPU_HEAD],
  [
    { get: (r) => r.clients, fmt: f0, ratio: false },
    { get: (r) => r.replayedDeliveries, fmt: f0, ratio: false },
    { get: (r) => r.allCaughtUpMs, fmt: f0 },
    { get: (r) => r.catchUpMs.p50, fmt: f0 }, { get: (r) => r.catchUpMs.p99, fmt: f0 },
    { get: (r) => `${r.caughtUp}/${r.clients}`, fmt: String, ratio: false },
    { get: (r) => r.lost, fmt: f0, ratio: false }, { get: (r) => r.duplicated, fmt: f0, ratio: false },
    { get: (r) => r.outOfOrder, fmt: f0, ratio: false },
    ...CPU_COLS,
  ]);
if (storm) out.push('### Reconnect storm (all clients resume at once with lastIds 100 events behind)', '', storm, '');

/** Least-squares slope per hour of get(sample) over the samples' minutes (null values left out). */
function slopePerHour(samples, get) {
  const pts = samples.map((x) => [x.minute, get(x)]).filter(([, y]) => y != null);
  if (pts.length < 2) return null;
  const mx = pts.reduce((a, [x]) => a + x, 0) / pts.length; const my = pts.reduce((a, [, y]) => a + y, 0) / pts.length;
  const sxx = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx ? (60 * pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0)) / sxx : null;
}

if (results.soak) {
  for (const t of targetsOf('soak')) {
    const r = results.soak[t];
    const mib = (kib) => (kib == null ? null : kib / 1024);
    // the whole run, and its second half: past the start-up (the JIT, the replay frames filling) a leak still rises
    const slopes = (samples) => [f1(slopePerHour(samples, (x) => mib(x.rssKiB))), f1(slopePerHour(samples, (x) => mib(x.heapAfterGcKiB))),
      f1(slopePerHour(samples, (x) => x.loopDelayP99Ms)), '', f1(slopePerHour(samples, (x) => x.deliveryMs.p99)), '', '', ''];
    const secondHalf = r.samples.slice(Math.floor(r.samples.length / 2));
    out.push(`### Soak, ${t}: ${num(r.webhooks.acked)} events over ${r.collections} collections × ${r.subscribers / r.collections} subscribers in ${f0(r.params.durationMs / 60000)} min, `
      + `${num(r.churned)} departures resumed; lost ${r.lost}, duplicated ${r.duplicated}, out of order ${r.outOfOrder}`, '',
    table(['minute', 'target', 'RSS MiB', 'heap after GC MiB', 'loop delay p99 ms', 'loop delay max ms', 'delivery p99 ms', 'delivery max ms', 'connected', 'server CPU %'], [
      ['start', t, f1(mib(r.start.rssKiB)), f1(mib(r.start.heapAfterGcKiB)), '', '', '', '', '', ''],
      ...r.samples.map((x) => [f1(x.minute), t, f1(mib(x.rssKiB)), f1(mib(x.heapAfterGcKiB)), f1(x.loopDelayP99Ms), f1(x.loopDelayMaxMs),
        f1(x.deliveryMs.p99), f1(x.deliveryMs.max), f0(x.connected), f0(x.serverCpuPct)]),
      ['**slope per hour**', t, ...slopes(r.samples)],
      [`**slope per hour, from minute ${f1(secondHalf.length ? secondHalf[0].minute : null)}**`, t, ...slopes(secondHalf)],
    ]), '');
  }
}

// anomalies worth a look
const notes = [];
for (const [sc, byT] of Object.entries(results)) {
  for (const [t, r] of Object.entries(byT)) {
    const other = r.cpu && r.cpu.otherPct;
    if (other > 15) notes.push(`${sc}/${t}: other processes on the machine used ${Math.round(other)}% CPU during the measurement (of ${machine ? machine.nproc * 100 : 200}%): figures disturbed`);
    if (r.serverAlive === false) notes.push(`${sc}/${t}: the server process died during the scenario`);
    if (r.idsOrderedToMsOnly) notes.push(`${sc}/${t}: event ids have a non-numeric sequence part, so order is checked to the millisecond only`);
    if (r.disconnects) notes.push(`${sc}/${t}: ${r.disconnects} server-side disconnects (close codes ${JSON.stringify(r.closeCodes)}); clients resumed with their lastId`);
    if (r.errors && Object.keys(r.errors).length) notes.push(`${sc}/${t}: errors ${JSON.stringify(r.errors)}`);
    const wh = r.webhooks || r;
    if (wh.failed) notes.push(`${sc}/${t}: ${wh.failed} webhooks not answered 200 (${JSON.stringify(wh.status)})`);
    if (wh.skipped) notes.push(`${sc}/${t}: the sender skipped ${wh.skipped} events (512 in flight)`);
    if (wh.senderLateMaxMs > 50) notes.push(`${sc}/${t}: the fixed-rate sender ran up to ${wh.senderLateMaxMs} ms behind its schedule`);
    if (r.setupRetries) notes.push(`${sc}/${t}: ${r.setupRetries} connection attempts failed and were retried (errors above)`);
    if (r.neverSubscribed) notes.push(`${sc}/${t}: ${r.neverSubscribed} subscribers never got SUBSCRIBED (not counted as lost)`);
    if (r.outOfOrder && r.oooSamples && r.oooSamples.length) notes.push(`${sc}/${t}: out of order, e.g. ${r.oooSamples.slice(0, 2).map((x) => `${x.id} (k ${x.k}) after ${x.afterId} (k ${x.afterK})`).join('; ')}`);
    if (r.extra) notes.push(`${sc}/${t}: ${r.extra} deliveries of events that were never acknowledged or expected`);
    if (r.lost) notes.push(`${sc}/${t}: ${r.lost} lost deliveries over ${r.subsWithLoss} subscribers`);
    if (r.warmup && r.warmup.delivered < r.warmup.expected) notes.push(`${sc}/${t}: warm-up delivered ${r.warmup.delivered}/${r.warmup.expected}`);
  }
}
if (notes.length) { out.push('Notes:', ''); for (const n of notes) out.push(`- ${n}`); out.push(''); }

console.log(out.join('\n'));
