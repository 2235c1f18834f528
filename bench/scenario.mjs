#!/usr/bin/env node
// Runs one scenario against one target that speaks the Crowdwire / seed realtime protocol, and writes the
// result as JSON. The target is already running (run.sh starts and stops it); this process sends the webhooks
// and forks worker processes (lib/worker.mjs) that hold the WebSocket subscribers.
//
//   node scenario.mjs --scenario fanout-sat --url http://127.0.0.1:18080 --pid 1234 [--redis-pid 99]
//                     [--target ours] [--out result.json] [--quick] [--set name=value ...] [--secret bench-secret]
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { Hist } from './lib/hist.mjs';
import { Workers } from './lib/workers.mjs';
import { webhookToken, userToken } from './lib/jwt.mjs';
import { webhookBody } from './lib/webhook.mjs';
import { cpuSeconds, cpuSplit, threadCpu, rssKiB, alive, openFds, nofileLimit, machineBusySeconds } from './lib/proc.mjs';
import { paramsFor } from './lib/params.mjs';

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const execFileP = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${target}:${scenario}`, ...a);

// ---------------------------------------------------------------- arguments
const argv = process.argv.slice(2);
const sets = [];
const opt = { secret: process.env.JWT_SECRET || 'bench-secret', target: 'target', quick: false };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--quick') opt.quick = true;
  else if (a === '--set') sets.push(argv[++i]);
  else if (a.startsWith('--')) opt[a.slice(2)] = argv[++i];
  else throw new Error(`unexpected argument ${a}`);
}
const { scenario, url } = opt;
const target = opt.target;
if (!scenario || !url) {
  console.error('usage: scenario.mjs --scenario NAME --url http://127.0.0.1:PORT [--pid PID] [--redis-pid PID] [--out FILE] [--quick] [--set k=v]');
  process.exit(2);
}
const serverPid = opt.pid ? Number(opt.pid) : null;
const redisPid = opt['redis-pid'] ? Number(opt['redis-pid']) : null;
const P = paramsFor(scenario, opt.quick, sets);
const nonce = Date.now().toString(36);
const base = new URL(url);
// load only ever goes to this machine
if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(base.hostname)) {
  console.error(`refusing ${url}: the benchmark only targets loopback addresses (127.0.0.0/8, localhost, [::1])`);
  process.exit(2);
}
const wsBase = `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/api/realtime?db=postgres&auth=`;

// ---------------------------------------------------------------- measurements
function sample() {
  const server = serverPid ? cpuSplit(serverPid) : null;
  return {
    us: nowUs(),
    server: server && server.user + server.system,
    serverUser: server && server.user,
    serverKernel: server && server.system,
    serverThreads: serverPid ? threadCpu(serverPid) : null,
    redis: redisPid ? cpuSeconds(redisPid) : null,
    gen: cpuSeconds(process.pid),                 // this process and its workers
    machine: machineBusySeconds(),
  };
}

/** The server's CPU seconds by thread name between two samples, the busiest first (those above 10 ms). */
function threadDelta(a, b) {
  if (!a || !b) return null;
  return Object.fromEntries(Object.entries(b).map(([name, s]) => [name, s - (a[name] || 0)])
    .filter(([, s]) => s >= 0.01).sort((x, y) => y[1] - x[1]).map(([name, s]) => [name, Math.round(s * 100) / 100]));
}

function cpuDelta(a, b, units, per = 100000) {
  const wall = (b.us - a.us) / 1e6;
  const d = (x) => (a[x] == null || b[x] == null ? null : b[x] - a[x]);
  const perUnit = (x) => (units > 0 && d(x) != null ? d(x) * per / units : null);
  return {
    wallS: wall, serverS: d('server'), redisS: d('redis'), genS: d('gen'),
    serverPer100k: perUnit('server'), redisPer100k: perUnit('redis'),
    // The kernel's part (system time: socket writes, and on loopback the receiver's TCP work charged to the
    // sender) is the floor no change in user space removes; total/kernel says how close the server runs to it.
    serverUserPer100k: perUnit('serverUser'), serverKernelPer100k: perUnit('serverKernel'),
    serverOverKernel: d('server') != null && d('serverKernel') > 0 ? d('server') / d('serverKernel') : null,
    serverThreadsS: threadDelta(a.serverThreads, b.serverThreads),
    serverPlusRedisPer100k: perUnit('server') != null && perUnit('redis') != null ? perUnit('server') + perUnit('redis') : perUnit('server'),
    serverPct: d('server') != null ? (100 * d('server')) / wall : null,
    redisPct: d('redis') != null ? (100 * d('redis')) / wall : null,
    genPct: (100 * d('gen')) / wall,
    // busy CPU of the machine not spent by the server, Redis or the generator: other work disturbing the run
    otherPct: (100 * (d('machine') - (d('server') || 0) - (d('redis') || 0) - d('gen'))) / wall,
  };
}

// ---------------------------------------------------------------- workers
let workers = null;

function startWorkers(n) {
  const localAddrs = base.hostname === '127.0.0.1' && P.localAddrs > 0
    ? Array.from({ length: P.localAddrs }, (_, i) => `127.0.0.${i + 2}`) : [];
  const cfg = { url: wsBase + userToken(opt.secret), resume: !!P.resume, resumeDelayMs: P.resumeDelayMs, maxResumes: P.maxResumes, localAddrs, client: P.client, setupRetries: P.setupRetries };
  workers = new Workers(Array.from({ length: n }, () => cfg), (code) => { log(`worker exited with ${code}`); process.exitCode = 1; });
  return workers.ready;
}

const allWorkers = (f) => workers.all(f);
const progress = (group) => workers.progress(group);
const collect = (group, expected, goalStartUs) => workers.collect(group, expected, goalStartUs);
function sum(list, key) { return list.reduce((s, x) => s + (x[key] || 0), 0); }

/** Opens `n` subscribers of group over the collections (subscriber i on collections[i % len]). */
async function openSubs(group, n, collections, offset = 0) {
  const per = Array.from({ length: workers.size }, () => []);
  for (let i = 0; i < n; i++) per[(i + offset) % workers.size].push({ idx: i + offset, collection: collections[(i + offset) % collections.length] });
  const r = await allWorkers((i) => ({ op: 'open', group, subs: per[i], concurrency: P.connectConcurrency, timeoutMs: 60000 }));
  const res = { ok: sum(r, 'ok'), failed: sum(r, 'failed'), ms: Math.max(...r.map((x) => x.ms)) };
  if (res.failed) log(`${res.failed} of ${n} subscribers of ${group} did not get SUBSCRIBED`);
  return res;
}

// ---------------------------------------------------------------- webhooks
const http = new Pool(url, { connections: 64, pipelining: 1, keepAliveTimeout: 30000 });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${webhookToken(opt.secret)}` };

class Sender {
  constructor() { this.sent = {}; this.status = {}; this.hist = new Hist(); this.acked = 0; this.failed = 0; this.lateMaxMs = 0; this.skipped = 0; this.inFlight = 0; }

  /** Posts the next event of collection coll; its record carries the sequence number k and the send time t. */
  async post(coll) {
    const s = this.sent[coll] || (this.sent[coll] = { n: 0, failed: [] });
    const k = s.n++;
    const t = nowUs();
    const body = webhookBody(coll, k, t, P.recordBytes);
    this.inFlight++;
    let code;
    try {
      const res = await http.request({ path: '/webhook', method: 'POST', headers, body });
      code = res.statusCode;
      await res.body.text();
    } catch (err) {
      code = err.code || 'error';
    }
    this.inFlight--;
    this.hist.add(nowUs() - t);
    this.status[code] = (this.status[code] || 0) + 1;
    if (code === 200) { this.acked++; if (this.onAck) this.onAck(this.acked); } else { this.failed++; s.failed.push(k); }
    return code === 200;
  }

  /** `total` events round-robin over collections, from `concurrency` senders each waiting for its answer. */
  async saturate(collections, total, concurrency, capMs) {
    const end = Date.now() + capMs;
    let next = 0;
    const lane = async () => {
      while (next < total && Date.now() < end) {
        const i = next++;
        await this.post(collections[i % collections.length]);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  }

  /** A fixed rate (events/s) for durationMs, round-robin over collections; open loop, at most 512 in flight. */
  async rate(collections, rate, durationMs) {
    const t0 = Date.now();
    const total = Math.round((rate * durationMs) / 1000);
    const all = [];
    let i = 0;
    while (i < total) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) * rate) / 1000) + 1);
      while (i < due) {
        const late = Date.now() - (t0 + (i * 1000) / rate);
        if (late > this.lateMaxMs) this.lateMaxMs = late;
        if (this.inFlight >= 512) { this.skipped++; i++; continue; }
        all.push(this.post(collections[i % collections.length]));
        i++;
      }
      const nextAt = t0 + (i * 1000) / rate;
      await sleep(Math.max(0, nextAt - Date.now()));
    }
    await Promise.all(all);
  }

  expected() { return this.sent; }

  summary() {
    return { acked: this.acked, failed: this.failed, status: this.status, webhookLatencyMs: this.hist.summaryMs(), senderLateMaxMs: Math.round(this.lateMaxMs), skipped: this.skipped };
  }
}

/** Waits until every subscriber of group has every acknowledged event, or nothing new came for quietMs. */
async function drain(group, sender, subsPerCollection) {
  let expectedTotal = 0;
  for (const [coll, s] of Object.entries(sender.sent)) expectedTotal += (s.n - s.failed.length) * (subsPerCollection[coll] || 0);
  const t0 = Date.now();
  let last = -1; let lastChange = Date.now(); let pr;
  for (;;) {
    pr = await progress(group);
    if (pr.delivered >= expectedTotal) break;
    if (pr.delivered !== last) { last = pr.delivered; lastChange = Date.now(); }
    if (Date.now() - lastChange > P.quietMs) { log(`drain: quiet for ${P.quietMs} ms at ${pr.delivered}/${expectedTotal}`); break; }
    if (Date.now() - t0 > P.drainCapMs) { log(`drain: cap of ${P.drainCapMs} ms at ${pr.delivered}/${expectedTotal}`); break; }
    await sleep(100);
  }
  return { expectedTotal, progress: pr };
}

function subsPer(collections, n) {
  const m = {};
  for (let i = 0; i < n; i++) { const c = collections[i % collections.length]; m[c] = (m[c] || 0) + 1; }
  return m;
}

const names = (prefix, n) => Array.from({ length: n }, (_, i) => `bench-${prefix}-${nonce}-${i}`);

/** JIT and pools warm: a small fan-out on its own collection, then its subscribers leave. */
async function warmup() {
  if (!P.warmupEvents) return null;
  const t0 = Date.now();
  const colls = names('warm', 1);
  await openSubs('warm', P.warmupSubs, colls);
  const s = new Sender();
  await s.saturate(colls, P.warmupEvents, P.warmupConcurrency, 60000);
  const d = await drain('warm', s, subsPer(colls, P.warmupSubs));
  await allWorkers(() => ({ op: 'close', group: 'warm', forget: true }));
  await sleep(500);
  log(`warm-up: ${P.warmupEvents} events x ${P.warmupSubs} subscribers in ${Date.now() - t0} ms (${d.progress.delivered}/${d.expectedTotal})`);
  return { ms: Date.now() - t0, delivered: d.progress.delivered, expected: d.expectedTotal };
}

/** One delivery measurement: subscribers already open in group; `send` produces the load. */
async function deliveryRun(group, collections, nSubs, send) {
  await allWorkers(() => ({ op: 'resetHist' }));
  const sender = new Sender();
  await profiler('start');
  const a = sample();
  await send(sender);
  const sendEnd = nowUs();
  const d = await drain(group, sender, subsPer(collections, nSubs));
  const b = sample();
  await profiler('stop');
  const c = await collect(group, sender.expected());
  const endUs = Math.max(d.progress.lastNewUs, sendEnd);
  const seconds = (endUs - a.us) / 1e6;
  return {
    subscribers: nSubs, collections: collections.length,
    events: sender.acked + sender.failed, webhooks: sender.summary(),
    sendSeconds: (sendEnd - a.us) / 1e6, seconds,
    expectedDeliveries: d.expectedTotal, deliveries: c.delivered,
    deliveriesPerSec: c.delivered / seconds, eventsPerSec: sender.acked / seconds,
    lost: c.lost, duplicated: c.dups, outOfOrder: c.idsMsOnly ? c.oooMs : c.ooo, outOfOrderNumeric: c.ooo, extra: c.extra, foreign: c.foreign,
    subsWithLoss: c.subsWithLoss, subsWithDups: c.subsWithDups, idsOrderedToMsOnly: c.idsMsOnly,
    eventFrames: c.eventFrames, eventsPerFrame: c.eventFrames ? (c.delivered + c.dups) / c.eventFrames : null, bytes: c.bytes,
    disconnects: c.disconnects, resumes: c.resumes, closeCodes: c.closeCodes, errors: c.errors,
    setupRetries: c.setupRetries, neverSubscribed: c.neverSubscribed, oooSamples: c.oooSamples,
    latencyMs: c.latencyMs, cpu: cpuDelta(a, b, c.delivered), workerCpuS: c.workerCpuS,
  };
}

// ---------------------------------------------------------------- scenarios
const run = {
  async 'fanout-sat'() {
    const colls = names('fan', P.collections);
    const setup = await openSubs('main', P.subs, colls);
    log(`${setup.ok} subscribers in ${setup.ms} ms; ${P.events} events, ${P.concurrency} senders`);
    const r = await deliveryRun('main', colls, P.subs, (s) => s.saturate(colls, P.events, P.concurrency, P.capMs));
    return { setup, ...r };
  },

  async 'fanout-rate'() {
    const colls = names('rate', P.collections);
    const setup = await openSubs('main', P.subs, colls);
    log(`${setup.ok} subscribers in ${setup.ms} ms; ${P.rate} events/s for ${P.durationMs} ms`);
    const r = await deliveryRun('main', colls, P.subs, (s) => s.rate(colls, P.rate, P.durationMs));
    return { setup, ...r };
  },

  async 'many-collections'() {
    const colls = names('many', P.collections);
    const setup = await openSubs('main', P.subs, colls);
    log(`${setup.ok} subscribers over ${colls.length} collections in ${setup.ms} ms; ${P.rate} events/s for ${P.durationMs} ms`);
    const r = await deliveryRun('main', colls, P.subs, (s) => s.rate(colls, P.rate, P.durationMs));
    return { setup, ...r };
  },

  async ingest() {
    // The webhook path at this concurrency warms apart from the fan-out's warm-up: without it the JIT compiler took
    // 40% of the server's CPU in the measured part and the first windows ran at a third of the last ones.
    if (P.warmupWebhooks) await new Sender().saturate(names('ingestwarm', 1), P.warmupWebhooks, P.concurrency, P.warmupCapMs);
    const coll = names('ingest', 1);
    const s = new Sender();
    const marks = [];              // [acked, us] at every window boundary
    await profiler('start');
    const a = sample();
    marks.push([0, a.us]);
    s.onAck = (acked) => { if (acked % P.window === 0) marks.push([acked, nowUs()]); };
    await s.saturate(coll, P.events, P.concurrency, P.capMs);
    const b = sample();
    await profiler('stop');
    if (marks[marks.length - 1][0] !== s.acked) marks.push([s.acked, b.us]);
    const windows = [];
    for (let i = 1; i < marks.length; i++) {
      windows.push({ upTo: marks[i][0], perSec: (marks[i][0] - marks[i - 1][0]) / ((marks[i][1] - marks[i - 1][1]) / 1e6) });
    }
    const seconds = (b.us - a.us) / 1e6;
    const full = windows.filter((w, i) => i === 0 || w.upTo - windows[i - 1].upTo === P.window);
    const first = full[0]; const lastW = full[full.length - 1];
    log(`${s.acked} acked, ${s.failed} failed in ${seconds.toFixed(1)} s`);
    return {
      events: s.acked + s.failed, ...s.summary(), seconds, webhooksPerSec: s.acked / seconds,
      windows, firstWindowPerSec: first && first.perSec, lastWindowPerSec: lastW && lastW.perSec,
      lastWindowUpTo: lastW && lastW.upTo, lastOverFirst: first && lastW ? lastW.perSec / first.perSec : null,
      cpu: cpuDelta(a, b, s.acked),
    };
  },

  async memory() {
    const colls = names('mem', P.collections);
    await openSubs('warm', 100, colls);
    await allWorkers(() => ({ op: 'close', group: 'warm', forget: true }));
    await sleep(P.settleMs);
    const fds0 = serverPid ? openFds(serverPid) : null;
    const limit = serverPid ? nofileLimit(serverPid) : null;
    const rss0 = serverPid ? rssKiB(serverPid) : null;
    const live0 = await heapAfterGcKiB(serverPid);
    const steps = [];
    let open = 0;
    for (const want of String(P.conns).split(',').map(Number)) {
      let n = want;
      let note = null;
      if (limit && fds0 != null && n + fds0 + 20 > limit.hard) {
        n = limit.hard - fds0 - 20;
        note = `requested ${want}, but the server's open-files limit is ${limit.hard} (hard, ${fds0} fds open before): measured at ${n}`;
        log(note);
      }
      if (n <= open) continue;
      const r = await openSubs('mem', n - open, colls, open);
      open += r.ok;
      await sleep(P.settleMs);
      const pr = await progress('mem');
      const rss = serverPid ? rssKiB(serverPid) : null;
      const step = {
        requested: want, connections: pr.subscribed, connectMs: r.ms, failed: r.failed, rssKiB: rss,
        deltaKiB: rss - rss0, perConnKiB: (rss - rss0) / pr.subscribed, note,
        fds: serverPid ? openFds(serverPid) : null, heapKiB: await heapKiB(serverPid, { collect: false }),
      };
      if (steps.length) {
        const p = steps[steps.length - 1];
        step.marginalPerConnKiB = (rss - p.rssKiB) / (pr.subscribed - p.connections);
      }
      log(`${pr.subscribed} idle subscribed connections: RSS ${(rss / 1024).toFixed(1)} MiB, ${step.perConnKiB.toFixed(2)} KiB per connection`);
      steps.push(step);
    }
    // after the last reading: what of the heap is live with every connection open (a full collection)
    const live = await heapAfterGcKiB(serverPid);
    if (live != null && steps.length) steps[steps.length - 1].liveHeapKiB = live;
    return { baselineRssKiB: rss0, baselineLiveHeapKiB: live0, baselineFds: fds0, nofile: limit, collections: colls.length, steps };
  },

  async soak() {
    // Long and steady: a fixed rate over many collections while 1% of the clients a second leave (half with a close
    // frame, half by dropping the connection) and come back resuming from their lastId. Every sampleMs: RSS, heap
    // after a full GC, event-loop delay, delivery p99 and CPU (the report fits their slopes: whether anything grows).
    const colls = names('soak', P.collections);
    const nSubs = P.collections * P.subsPerCollection;
    const setup = await openSubs('main', nSubs, colls);
    const s = new Sender();
    // The replay tails (REPLAY_CACHE_EVENTS per watched collection) fill first, so their growth is not read as a leak.
    await s.saturate(colls, P.prefill * colls.length, 8, 600000);
    const pre = await drain('main', s, subsPer(colls, nSubs));
    log(`${setup.ok} subscribers over ${colls.length} collections; ${pre.progress.delivered}/${pre.expectedTotal} of ${P.prefill} events per collection first`);
    const churnPerWorker = Math.max(1, Math.round((nSubs * P.churnPctPerSec) / 100 / workers.size));
    await allWorkers(() => ({ op: 'resetHist' }));
    const samples = [];
    let prev = sample(); let prevLoop = await loopDelayBuckets();
    const t0 = prev.us;
    const start = { rssKiB: serverPid ? rssKiB(serverPid) : null, heapAfterGcKiB: await heapAfterGcKiB(serverPid) };
    const churning = setInterval(() => allWorkers(() => ({ op: 'churn', group: 'main', count: churnPerWorker, awayMs: P.awayMs })).catch((e) => log(`churn: ${e.message}`)), 1000);
    let sending = true;
    const sent = s.rate(colls, P.rate, P.durationMs).finally(() => { sending = false; });
    while (sending) {
      const due = t0 / 1000 + (samples.length + 1) * P.sampleMs;
      while (sending && nowUs() / 1000 < due) await sleep(Math.min(1000, Math.max(1, due - nowUs() / 1000)));
      if (!sending) break;
      const hists = await allWorkers(() => ({ op: 'takeHist' }));
      const h = new Hist(); for (const x of hists) h.merge(Hist.fromJSON(x.hist));
      const loop = await loopDelayBuckets();
      const b = sample();
      const pr = await progress('main');
      const row = {
        minute: (b.us - t0) / 60e6, rssKiB: serverPid ? rssKiB(serverPid) : null,
        heapAfterGcKiB: await heapAfterGcKiB(serverPid),
        loopDelayP99Ms: loopDelayMs(prevLoop, loop, 99), loopDelayMaxMs: loopDelayMs(prevLoop, loop, 100),
        deliveryMs: h.summaryMs(), connected: pr.subscribed, serverCpuPct: cpuDelta(prev, b, 1).serverPct,
      };
      samples.push(row);
      log(`minute ${row.minute.toFixed(1)}: RSS ${(row.rssKiB / 1024).toFixed(1)} MiB, heap after GC ${row.heapAfterGcKiB == null ? '–' : (row.heapAfterGcKiB / 1024).toFixed(1)} MiB, `
        + `loop p99 ${row.loopDelayP99Ms} ms, delivery p99 ${row.deliveryMs.p99} ms, ${row.connected}/${nSubs} connected, server ${row.serverCpuPct.toFixed(0)}%`);
      prev = b; prevLoop = loop;
    }
    await sent;
    clearInterval(churning);
    await sleep(P.awayMs + 2000);                            // the last clients sent away are back
    const d = await drain('main', s, subsPer(colls, nSubs));
    const c = await collect('main', s.expected());
    return {
      subscribers: nSubs, collections: colls.length, setup, webhooks: s.summary(), start, samples,
      expectedDeliveries: d.expectedTotal, deliveries: c.delivered, churned: c.churned,
      lost: c.lost, duplicated: c.dups, outOfOrder: c.idsMsOnly ? c.oooMs : c.ooo, extra: c.extra, idsOrderedToMsOnly: c.idsMsOnly,
      disconnects: c.disconnects, closeCodes: c.closeCodes, errors: c.errors, setupRetries: c.setupRetries,
      neverSubscribed: c.neverSubscribed, subsWithLoss: c.subsWithLoss, oooSamples: c.oooSamples,
    };
  },

  async reconnect() {
    // Storms on collections of their own first warm the resume path (the JIT compiles it, in the JVM as in V8), as
    // warmup() does the live path; only the last storm is measured.
    const warmupStorms = [];
    for (let n = 0; n < P.warmupStorms; n++) {
      const warm = await storm(`stormwarm${n}`);
      await allWorkers(() => ({ op: 'close', group: `stormwarm${n}`, forget: true }));
      log(`warm-up storm ${n + 1}: ${warm.caughtUp}/${P.clients} caught up, server CPU ${warm.cpu.serverPer100k.toFixed(3)} s/100k`);
      warmupStorms.push({ caughtUp: warm.caughtUp, replayedDeliveries: warm.replayedDeliveries, cpu: warm.cpu });
    }
    return { warmupStorms, ...await storm('storm') };
  },
};

const isJvm = (pid) => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'java'; } catch { return false; } };

/**
 * With --profile LIB (async-profiler's libasyncProfiler.so): the server's CPU profile over the measured part only,
 * loaded into the running JVM and written beside the result (<out>-profile.jfr; run.sh draws its flame graph).
 */
async function profiler(action) {
  if (!opt.profile || !serverPid || !isJvm(serverPid)) return;
  // a JFR recording is named when it starts, and written out by stop
  const args = action === 'start' ? `start,event=cpu,interval=1ms,file=${(opt.out || 'result.json').replace(/\.json$/, '')}-profile.jfr` : 'stop';
  try {
    // quoted: jcmd would read the options' '=' as arguments of its own
    const { stdout } = await execFileP('jcmd', [String(serverPid), 'JVMTI.agent_load', opt.profile, `"${args}"`]);
    if (!/return code: 0\b/.test(stdout)) log(`profiler ${action}: ${stdout.trim().split('\n').pop()} (the server's log says why)`);
  } catch (err) {
    log(`profiler ${action}: ${err.message}`);
  }
}

/**
 * The server's Java heap in KiB, {used, capacity} (jcmd GC.heap_info), after a full collection when collect
 * (jcmd GC.run): what is live. Null for a target that is no JVM.
 */
async function heapKiB(pid, { collect }) {
  try {
    if (!pid || !isJvm(pid)) return null;
    if (collect) await execFileP('jcmd', [String(pid), 'GC.run']);
    const { stdout } = await execFileP('jcmd', [String(pid), 'GC.heap_info']);
    // "def new generation total 58976K, used 1049K", "tenured generation total ...", "garbage-first heap total ...":
    // the heap's lines; Metaspace's read "used ...K, committed" and are left out
    const lines = [...stdout.matchAll(/total (\d+)K, used (\d+)K/g)];
    return { used: lines.reduce((kib, m) => kib + Number(m[2]), 0), capacity: lines.reduce((kib, m) => kib + Number(m[1]), 0) };
  } catch (err) {
    log(`heap: ${err.message}`);
    return null;
  }
}

const heapAfterGcKiB = async (pid) => { const h = await heapKiB(pid, { collect: true }); return h && h.used; };

/** The cumulative buckets of the server's event-loop delay histogram (Prometheus text), or null without --metrics-url. */
async function loopDelayBuckets() {
  if (!opt['metrics-url']) return null;
  try {
    const text = await (await fetch(opt['metrics-url'])).text();
    const buckets = new Map();
    for (const m of text.matchAll(/^crowdwire_event_loop_delay_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\S+)$/gm)) {
      const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
      buckets.set(le, (buckets.get(le) || 0) + Number(m[2]));   // summed over the socket verticles' loops
    }
    return [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  } catch (err) {
    log(`event-loop delay: ${err.message}`);
    return null;
  }
}

/** The p-th percentile (the bucket's upper bound, in ms) of the probes between two bucket snapshots. */
function loopDelayMs(before, after, p) {
  if (!before || !after) return null;
  const counts = after.map(([le, c], i) => [le, c - (before[i] ? before[i][1] : 0)]);
  const total = counts[counts.length - 1][1];
  if (!total) return null;
  const [le] = counts.find(([, c]) => c >= (p / 100) * total);
  return le === Infinity ? null : le * 1000;
}

/** P.clients resume at once, P.behind events behind, in group (whose collections are named after it). */
async function storm(group) {
  const colls = names(group, P.collections);
  const setup = await openSubs(group, P.clients, colls);
  const per = subsPer(colls, P.clients);
  const s = new Sender();
  await s.saturate(colls, P.pre, 1, 60000);               // everybody has a lastId
  const d0 = await drain(group, s, per);
  log(`${setup.ok} clients subscribed; ${d0.progress.delivered}/${d0.expectedTotal} of the first ${P.pre} events`);
  await allWorkers(() => ({ op: 'close', group }));
  await s.saturate(colls, P.behind * colls.length, 8, 60000); // while everybody is away
  const goal = P.pre + P.behind;
  await allWorkers(() => ({ op: 'goal', group, count: goal }));
  await allWorkers(() => ({ op: 'resetHist' }));
  const before = await progress(group);
  const profiled = group === 'storm';                      // the measured storm, not the warm-up ones
  if (profiled) await profiler('start');
  const a = sample();
  const startUs = a.us;
  const reconnecting = allWorkers(() => ({ op: 'reconnect', group, concurrency: 0, timeoutMs: P.capMs }));
  let pr;
  let last = -1; let lastChange = Date.now();
  for (;;) {
    pr = await progress(group);
    if (pr.goalReached >= P.clients) break;
    if (pr.delivered !== last) { last = pr.delivered; lastChange = Date.now(); }
    if (Date.now() - lastChange > P.quietMs) { log(`storm: quiet at ${pr.goalReached}/${P.clients} caught up`); break; }
    if ((nowUs() - startUs) / 1000 > P.capMs) { log(`storm: cap at ${pr.goalReached}/${P.clients} caught up`); break; }
    await sleep(50);
  }
  const b = sample();
  if (profiled) await profiler('stop');
  const rc = await reconnecting;
  await sleep(1000);                                        // late duplicates still count
  const c = await collect(group, s.expected(), startUs);
  const newDeliveries = pr.delivered - before.delivered;
  log(`storm: ${c.goalReached}/${P.clients} caught up, slowest after ${c.goalMs.max} ms`);
  return {
    clients: P.clients, collections: colls.length, setup, webhooks: s.summary(), reconnected: rc.reduce((x, y) => x + y.ok, 0),
    caughtUp: c.goalReached, allCaughtUpMs: c.goalReached === P.clients ? c.goalMs.max : null, catchUpMs: c.goalMs,
    replayedDeliveries: newDeliveries, duplicatedInStorm: pr.dups - before.dups,
    lost: c.lost, duplicated: c.dups, outOfOrder: c.idsMsOnly ? c.oooMs : c.ooo, outOfOrderNumeric: c.ooo, extra: c.extra, idsOrderedToMsOnly: c.idsMsOnly,
    eventFrames: c.eventFrames, disconnects: c.disconnects, closeCodes: c.closeCodes, errors: c.errors,
    setupRetries: c.setupRetries, neverSubscribed: c.neverSubscribed, oooSamples: c.oooSamples,
    cpu: cpuDelta(a, b, newDeliveries),
  };
}

// ---------------------------------------------------------------- main
async function main() {
  if (!run[scenario]) throw new Error(`unknown scenario ${scenario}`);
  const t0 = Date.now();
  await startWorkers(P.workers);
  const warm = await warmup();
  const result = await run[scenario]();
  const out = {
    scenario, target, url, quick: opt.quick, params: P, startedAt: new Date(t0).toISOString(), wallSeconds: (Date.now() - t0) / 1000,
    serverAlive: serverPid ? alive(serverPid) : null, serverRssKiB: serverPid ? rssKiB(serverPid) : null, warmup: warm, ...result,
  };
  if (serverPid && !out.serverAlive) log('the server process is gone!');
  await workers.stop('main');
  await http.close().catch(() => {});
  const json = JSON.stringify(out, null, 1);
  if (opt.out) writeFileSync(opt.out, json); else console.log(json);
}

main().then(() => process.exit(process.exitCode || 0), (err) => {
  console.error(err);
  if (workers) workers.kill();
  process.exit(1);
});
