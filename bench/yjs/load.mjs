#!/usr/bin/env node
// The Yjs load generator for one target that is already running (run.sh starts and stops it). Forks worker
// processes (worker.mjs) holding N documents x E real editors (Y.Doc + provider), drives R updates a second
// per document, and measures latency, lost updates, server and Redis CPU per 10k updates, memory per open
// document, then the time and bytes for a new editor to load a 1 MiB document. Writes one JSON.
//
//   node load.mjs --target crowdwire|hocuspocus|ywebsocket --urls ws://127.0.0.1:P1[,ws://127.0.0.1:P2]
//                 --pids PID1[,PID2] [--redis-pid PID] [--out result.json] [--quick]
//                 [--docs 200] [--editors 5] [--rate 20] [--window-s 60] [--warmup-s 15] [--workers 2]
//                 [--mem-dir DIR (where memhook.cjs of the Node servers writes)]
import { fork, execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Hist } from '../lib/hist.mjs';
import { cpuSeconds, rssKiB, alive, machineBusySeconds } from '../lib/proc.mjs';
import { openEditor, KINDS } from './editor.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- arguments
const opt = { docs: 200, editors: 5, rate: 20, 'window-s': 60, 'warmup-s': 15, 'ramp-s': 5, workers: 2, 'load-bytes': 1048576, chunk: 16384, 'load-repeats': 3, 'drain-quiet-s': 5 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--quick') opt.quick = true;
  else if (a.startsWith('--')) opt[a.slice(2)] = argv[++i];
  else throw new Error(`unexpected argument ${a}`);
}
if (opt.quick) { opt['window-s'] = Math.min(+opt['window-s'], 15); opt['warmup-s'] = Math.min(+opt['warmup-s'], 5); opt['ramp-s'] = Math.min(+opt['ramp-s'], 3); }
for (const k of ['docs', 'editors', 'rate', 'window-s', 'warmup-s', 'ramp-s', 'workers', 'load-bytes', 'chunk', 'load-repeats', 'drain-quiet-s']) opt[k] = Number(opt[k]);
const kind = opt.target;
if (!KINDS.includes(kind) || !opt.urls) {
  console.error('usage: load.mjs --target crowdwire|hocuspocus|ywebsocket --urls ws://127.0.0.1:PORT[,...] --pids PID[,...] [--redis-pid PID] [--out FILE] [--quick]');
  process.exit(2);
}
const urls = opt.urls.split(',');
if (!urls.every((u) => /^ws:\/\/(127\.\d+\.\d+\.\d+|localhost):\d+$/.test(u))) { console.error('only ws://127.x.x.x:PORT (loopback) targets'); process.exit(2); }
const serverPids = opt.pids ? String(opt.pids).split(',').map(Number) : [];
const redisPid = opt['redis-pid'] ? Number(opt['redis-pid']) : null;
const nonce = Date.now().toString(36);
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${kind}:`, ...a);

// ---------------------------------------------------------------- measurements
const serverCpu = () => serverPids.reduce((s, p) => s + cpuSeconds(p), 0);
const serverRss = () => serverPids.reduce((s, p) => s + rssKiB(p), 0);
const sample = () => ({ us: nowUs(), server: serverCpu(), redis: redisPid ? cpuSeconds(redisPid) : null, gen: cpuSeconds(process.pid), machine: machineBusySeconds() });
/**
 * The memory in use right after a full collection, in KiB, summed over the servers: live memory, apart from the
 * garbage and free heap the RSS also holds. Java: jcmd GC.run, then GC.heap_info (the generations' "used").
 * Node: SIGUSR2 to memhook.cjs, which collects and writes heapUsed + external (buffers) to --mem-dir.
 */
async function liveKiB() {
  let sum = 0;
  try {
    for (const pid of serverPids) {
      if (kind === 'crowdwire') {
        execFileSync('jcmd', [String(pid), 'GC.run'], { stdio: 'ignore' });
        const info = execFileSync('jcmd', [String(pid), 'GC.heap_info'], { encoding: 'utf8' });
        sum += [...info.matchAll(/generation\s+total \d+K, used (\d+)K/g)].reduce((a, m) => a + Number(m[1]), 0);
      } else {
        if (!opt['mem-dir']) return null;
        const file = join(opt['mem-dir'], `${pid}.json`);
        const asked = Date.now();
        process.kill(pid, 'SIGUSR2');
        let m = null;
        for (let i = 0; i < 100 && !(m && m.at >= asked); i++) {
          await sleep(50);
          try { m = JSON.parse(readFileSync(file, 'utf8')); } catch { m = null; }
        }
        if (!(m && m.at >= asked)) return null;
        sum += (m.heapUsed + m.external) / 1024;
      }
    }
    return sum;
  } catch { return null; }
}
const memory = () => ({ serverKiB: serverRss(), perServerKiB: serverPids.map(rssKiB), redisKiB: redisPid ? rssKiB(redisPid) : null });

// ---------------------------------------------------------------- workers
const workers = [];
const pending = new Map();
let rid = 0;
let shuttingDown = false;
function call(w, msg) {
  return new Promise((resolve, reject) => { const id = ++rid; pending.set(id, { resolve, reject }); w.send({ ...msg, rid: id }); });
}
const all = (f) => Promise.all(workers.map((w, i) => call(w, f(i))));
for (let i = 0; i < opt.workers; i++) {
  const w = fork(join(here, 'worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096'] });
  w.on('message', (m) => { const p = pending.get(m.rid); if (p) { pending.delete(m.rid); m.ok ? p.resolve(m) : p.reject(new Error(m.error)); } });
  w.on('exit', (code) => { if (!shuttingDown) { log(`worker exited with ${code}`); process.exit(1); } });
  workers.push(w);
}
process.on('SIGTERM', () => { shuttingDown = true; for (const wk of workers) wk.kill(); process.exit(143); });
const closeSpan = (rs) => {   // when the server closed editors (wall clock, to match the servers' logs)
  const f = rs.map((r) => r.firstClose).filter(Boolean); const l = rs.map((r) => r.lastClose).filter(Boolean);
  return f.length ? [new Date(Math.min(...f)).toISOString(), new Date(Math.max(...l)).toISOString()] : null;
};
const sum = (rs, k) => rs.reduce((s, r) => s + (r[k] || 0), 0);
const mergeCloses = (rs) => rs.reduce((o, r) => { for (const [c, n] of Object.entries(r.closes || {})) o[c] = (o[c] || 0) + n; return o; }, {});

/** Opens N documents of group, whole documents per worker (document g on worker g % workers). */
async function openDocs(group) {
  const per = workers.map(() => []);
  for (let g = 0; g < opt.docs; g++) per[g % workers.length].push({ name: `${group}-${nonce}-${g}`, g });
  const rs = await all((i) => ({ op: 'open', group, kind, urls, docs: per[i], editorsPerDoc: opt.editors, concurrency: 50 }));
  const r = { editors: sum(rs, 'editors'), failed: sum(rs, 'failed'), ms: Math.max(...rs.map((x) => x.ms)) };
  log(`${group}: ${r.editors} editors on ${opt.docs} documents synced in ${r.ms} ms${r.failed ? `, ${r.failed} not synced in 30 s` : ''}`);
  return r;
}

async function drain(group, quietMs, capMs) {
  const rs = await all(() => ({ op: 'drain', group, quietMs, capMs }));
  return { expected: sum(rs, 'expected'), received: sum(rs, 'received'), lost: sum(rs, 'lost'), lostAcrossInstances: sum(rs, 'lostCross'), dups: sum(rs, 'dups'), diverged: sum(rs, 'diverged'), editorsWithGaps: sum(rs, 'pending'), closes: mergeCloses(rs), closesBetween: closeSpan(rs), parseErrors: sum(rs, 'parseErrors'), drainMs: Math.max(...rs.map((x) => x.drainMs)) };
}

async function runLoad(group, seconds, window) {
  const startUs = nowUs() + 300000;
  return all(() => ({ op: 'run', group, rate: opt.rate, startUs, durationMs: seconds * 1000, totalDocs: opt.docs, windowStartUs: window && startUs + window.fromS * 1e6, windowEndUs: window && startUs + window.toS * 1e6 }))
    .then((rs) => ({ rs, startUs }));
}

// ---------------------------------------------------------------- the 1 MiB load
/** One editor fills a document to `size` characters and leaves; new editors load it on each instance. */
async function loadTest() {
  const size = opt['load-bytes'];
  const name = `load-${nonce}`;
  const a = urls[0]; const b = urls[urls.length - 1];
  // The keeper holds the document open on the second instance: Hocuspocus (without a database extension)
  // and the y-websocket server keep documents only while an editor has them open.
  const keeper = openEditor(kind, b, name);
  await keeper.synced;
  const filler = openEditor(kind, a, name);
  await filler.synced;
  const pattern = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. ';
  const chunk = pattern.repeat(Math.ceil(opt.chunk / pattern.length)).slice(0, opt.chunk);
  const t0 = Date.now();
  while (filler.text.length < size) {
    filler.text.insert(filler.text.length, chunk.slice(0, Math.min(chunk.length, size - filler.text.length)));
    await sleep(20);   // 50 updates a second: far below every server's message rate limit
  }
  const full = (ed) => ed.text.length >= size;
  const arrived = await until(() => full(keeper), 60000);
  log(`1 MiB document: ${Math.ceil(size / opt.chunk)} updates of ${opt.chunk} characters in ${Date.now() - t0} ms; the keeper ${arrived ? 'has it all' : `has only ${keeper.text.length}`}`);
  filler.close();
  await sleep(3000);   // Hocuspocus unloads the document of an instance its last editor left (after 1 s)
  const loads = [];
  const places = urls.length > 1 ? [['other instance', a], ['instance with the document open', b]] : [['the one instance', a]];
  for (const [where, url] of places) {
    for (let i = 0; i < opt['load-repeats']; i++) {
      const s = nowUs();
      const ed = openEditor(kind, url, name);
      let syncedMs = null;
      ed.synced.then(() => { syncedMs = (nowUs() - s) / 1000; });
      const ok = await until(() => full(ed), 60000);
      const ms = (nowUs() - s) / 1000;
      const firstMessageMs = ed.stats.firstMessageUs ? (ed.stats.firstMessageUs - s) / 1000 : null;
      const lastMessageMs = ed.stats.lastMessageUs ? (ed.stats.lastMessageUs - s) / 1000 : null;   // after it: applying
      const bytes = ed.stats.bytes;
      await sleep(500);   // what still comes after the text is complete
      loads.push({ where, ok, ms, firstMessageMs, lastMessageMs, syncedMs, bytes, bytesAfter500ms: ed.stats.bytes, messages: ed.stats.messages, length: ed.text.length });
      log(`load (${where}) #${i + 1}: ${ok ? '' : 'INCOMPLETE '}${ms.toFixed(1)} ms to the whole text (messages from ${firstMessageMs == null ? '–' : firstMessageMs.toFixed(1)} to ${lastMessageMs == null ? '–' : lastMessageMs.toFixed(1)} ms, synced event at ${syncedMs == null ? '–' : syncedMs.toFixed(1)} ms), ${bytes} bytes`);
      ed.close();
      await sleep(3000);
    }
  }
  keeper.close();
  const med = (xs) => { const s = [...xs].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : null; };
  const byPlace = {};
  for (const [where] of places) {
    const l = loads.filter((x) => x.where === where);
    byPlace[where] = { ms: med(l.map((x) => x.ms)), firstMessageMs: med(l.map((x) => x.firstMessageMs)), lastMessageMs: med(l.map((x) => x.lastMessageMs)), bytes: med(l.map((x) => x.bytes)), allComplete: l.every((x) => x.ok) };
  }
  return { size, chunk: opt.chunk, loads, byPlace };
}

async function until(cond, capMs) {
  const end = Date.now() + capMs;
  while (!cond()) { if (Date.now() > end) return false; await sleep(2); }
  return true;
}

// ---------------------------------------------------------------- the run
const result = { target: kind, urls, quick: !!opt.quick, params: { docs: opt.docs, editors: opt.editors, ratePerDoc: opt.rate, windowS: opt['window-s'], warmupS: opt['warmup-s'], rampS: opt['ramp-s'], workers: opt.workers }, started: new Date().toISOString() };
try {
  result.memFresh = memory();

  // Warm-up on documents of its own (the JITs compile the hot paths), then they are closed.
  await openDocs('warm');
  await runLoad('warm', opt['warmup-s']);
  result.warmup = await drain('warm', 5000, 30000);
  await all(() => ({ op: 'close', group: 'warm' }));
  await sleep(5000);
  result.liveIdleKiB = await liveKiB();   // first: the idle RSS is then read after a full collection, for all
  await sleep(1000);
  result.memIdle = memory();

  result.open = await openDocs('main');
  await sleep(3000);
  result.memOpen = memory();

  // ramp, then the measured window: latency counts updates sent inside it, CPU is read at its edges
  await all(() => ({ op: 'reset' }));
  const ramp = opt['ramp-s']; const w = opt['window-s'];
  const running = runLoad('main', ramp + w, { fromS: ramp, toS: ramp + w });
  await sleep(300 + ramp * 1000);
  const a = sample();
  await sleep(w * 1000);
  const b = sample();
  const { rs: runs } = await running;
  result.drain = await drain('main', opt['drain-quiet-s'] * 1000, 120000);
  result.memEnd = memory();
  result.liveEndKiB = await liveKiB();   // after the RSS was read: the collection must not shrink it first
  const st = await all(() => ({ op: 'stats' }));
  const hist = new Hist(); const late = new Hist();
  for (const s of st) { hist.merge(Hist.fromJSON(s.hist)); late.merge(Hist.fromJSON(s.late)); }
  const updates = sum(st, 'sentInWindow');
  const wall = (b.us - a.us) / 1e6;
  const per10k = (s) => (s == null ? null : (s * 10000) / updates);
  result.window = {
    seconds: wall, updates, updatesPerSec: updates / wall, receptions: hist.n, latencyMs: hist.summaryMs(),
    generatorLateMs: late.summaryMs(),
    cpu: {
      serverS: b.server - a.server, redisS: redisPid ? b.redis - a.redis : null,
      serverPer10k: per10k(b.server - a.server), redisPer10k: redisPid ? per10k(b.redis - a.redis) : null,
      totalPer10k: per10k(b.server - a.server + (redisPid ? b.redis - a.redis : 0)),
      serverPct: (100 * (b.server - a.server)) / wall, redisPct: redisPid ? (100 * (b.redis - a.redis)) / wall : null,
      generatorPct: (100 * (b.gen - a.gen)) / wall,
      generatorWorkerPct: runs.map((r) => (100 * r.cpuS) / (ramp + w)),
      otherPct: (100 * (b.machine - a.machine - (b.server - a.server) - (redisPid ? b.redis - a.redis : 0) - (b.gen - a.gen))) / wall,
    },
  };
  const perDoc = (m) => (m.serverKiB - result.memIdle.serverKiB) / opt.docs;
  result.memoryPerDocKiB = { open: perDoc(result.memOpen), end: perDoc(result.memEnd), redisEnd: redisPid ? (result.memEnd.redisKiB - result.memIdle.redisKiB) / opt.docs : null,
    fromFresh: (result.memEnd.serverKiB - result.memFresh.serverKiB) / opt.docs,
    live: result.liveEndKiB != null && result.liveIdleKiB != null ? (result.liveEndKiB - result.liveIdleKiB) / opt.docs : null };
  log(`window ${wall.toFixed(1)} s: ${updates} updates (${(updates / wall).toFixed(0)}/s), ${hist.n} receptions, p50 ${result.window.latencyMs.p50} ms, p99 ${result.window.latencyMs.p99} ms; `
    + `lost ${result.drain.lost}, server ${result.window.cpu.serverPct.toFixed(0)}% + Redis ${(result.window.cpu.redisPct || 0).toFixed(0)}%, generator ${result.window.cpu.generatorPct.toFixed(0)}% (late p99 ${result.window.generatorLateMs.p99} ms), other ${result.window.cpu.otherPct.toFixed(0)}%; `
    + `memory per document ${result.memoryPerDocKiB.open.toFixed(1)} KiB open, ${result.memoryPerDocKiB.end.toFixed(1)} KiB at the end`);
  await all(() => ({ op: 'close', group: 'main' }));
  shuttingDown = true;
  for (const wk of workers) wk.kill();

  result.load = await loadTest();
  result.serversAlive = serverPids.every(alive);
} catch (err) {
  result.error = String(err && err.stack || err);
  log(result.error);
  process.exitCode = 1;
} finally {
  shuttingDown = true;
  for (const wk of workers) wk.kill();
  if (opt.out) writeFileSync(opt.out, JSON.stringify(result, null, 1));
  // providers keep timers; the measurement is done
  setTimeout(() => process.exit(), 100);
}
