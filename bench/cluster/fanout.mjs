#!/usr/bin/env node
// One collection subscribed on every instance of a cluster, a fixed rate of webhooks spread over the instances (as a
// load balancer would), and from every event's slowest subscriber the time from webhook to the last delivery.
// Started by cluster/run.sh; the subscribers live in worker processes (lib/worker.mjs), `--workers` per instance.
//
//   node fanout.mjs --urls http://127.0.0.1:P1,... --pids PID1,... [--redis-pid PID] --conns 19000 [--workers 2]
//                   [--rate 1] [--seconds 300] [--warmup 10] [--secret bench-secret] [--out result.json]
import { writeFileSync } from 'node:fs';
import { Hist } from '../lib/hist.mjs';
import { Workers } from '../lib/workers.mjs';
import { webhookToken, userToken } from '../lib/jwt.mjs';
import { webhookBody } from '../lib/webhook.mjs';
import { cpuSplit, cpuSeconds, rssKiB, alive } from '../lib/proc.mjs';

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}] cluster:`, ...a);

const opt = { workers: '2', rate: '1', seconds: '300', warmup: '10', secret: 'bench-secret', sampleMs: '30000' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
const urls = opt.urls.split(',');
const pids = opt.pids.split(',').map(Number);
const perInstance = Number(opt.conns); const workersPerInstance = Number(opt.workers);
const rate = Number(opt.rate); const seconds = Number(opt.seconds); const warmupEvents = Number(opt.warmup);
const collection = `cluster-${Date.now().toString(36)}`;
const total = perInstance * urls.length;
const group = 'main';

const token = userToken(opt.secret);
const cfgs = urls.flatMap((u) => Array.from({ length: workersPerInstance }, () => ({
  url: `ws://${new URL(u).host}/api/realtime?db=postgres&auth=${token}`, client: 'raw', resume: true, resumeDelayMs: 250, maxResumes: 20,
  setupRetries: 20, perEventLatency: true,
  // source addresses 127.0.0.2-9: 8 x 28k ephemeral ports, for 57,000 connections
  localAddrs: Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`),
})));
const workers = new Workers(cfgs, (code) => { log(`a worker exited with ${code}`); process.exitCode = 1; });

const headers = { 'content-type': 'application/json', authorization: `Bearer ${webhookToken(opt.secret)}` };
const sent = { n: 0, failed: [] };
async function post(k) {
  const t = nowUs();
  try {
    const res = await fetch(`${urls[k % urls.length]}/webhook`, { method: 'POST', headers, body: webhookBody(collection, k, t, 200) });
    await res.text();
    if (res.status !== 200) { sent.failed.push(k); log(`webhook ${k}: ${res.status}`); }
  } catch (err) {
    sent.failed.push(k); log(`webhook ${k}: ${err.message}`);
  }
}

/** Events from..to-1 at `rate` a second; resolves when all are answered. */
async function paced(from, to, onTick) {
  const t0 = Date.now(); const posts = [];
  for (let k = from; k < to; k++) {
    await sleep(Math.max(0, t0 + ((k - from) * 1000) / rate - Date.now()));
    sent.n = k + 1;
    posts.push(post(k));
    if (onTick) await onTick(k);
  }
  await Promise.all(posts);
}

function instances() {
  return pids.map((pid) => ({ pid, alive: alive(pid), rssKiB: rssKiB(pid), cpu: cpuSplit(pid) }));
}

async function main() {
  await workers.ready;
  const per = Math.ceil(perInstance / workersPerInstance);
  const t0 = Date.now();
  const opened = await workers.all((i) => {
    const inInstance = i % workersPerInstance;
    const n = Math.min(per, perInstance - inInstance * per);
    return { op: 'open', group, subs: Array.from({ length: n }, (_, j) => ({ idx: i * per + j, collection })), concurrency: 200, timeoutMs: 120000 };
  });
  const ok = opened.reduce((a, r) => a + r.ok, 0);
  log(`${ok}/${total} subscribed in ${Date.now() - t0} ms over ${urls.length} instances`);
  const rss0 = instances();
  log(`RSS per instance: ${rss0.map((x) => (x.rssKiB / 1024).toFixed(0)).join(', ')} MiB; warming up with ${warmupEvents} events`);
  await paced(0, warmupEvents);
  await sleep(2000);
  await workers.all(() => ({ op: 'resetHist' }));

  const samples = [];
  const a = { us: nowUs(), inst: instances(), redis: opt['redis-pid'] ? cpuSeconds(Number(opt['redis-pid'])) : null };
  const measured = Math.round(seconds * rate);
  let nextSample = Date.now() + Number(opt.sampleMs);
  await paced(warmupEvents, warmupEvents + measured, async () => {
    if (Date.now() < nextSample) return;
    nextSample += Number(opt.sampleMs);
    const pr = await workers.progress(group);
    const inst = instances();
    samples.push({ second: (nowUs() - a.us) / 1e6, subscribed: pr.subscribed, disconnects: pr.disconnects, rssMiB: inst.map((x) => Math.round(x.rssKiB / 1024)), alive: inst.map((x) => x.alive) });
    log(`${samples[samples.length - 1].second.toFixed(0)} s: ${pr.subscribed}/${total} subscribed, ${pr.disconnects} disconnects, RSS ${samples[samples.length - 1].rssMiB.join(', ')} MiB`);
  });
  // the last events' deliveries
  const expectedTotal = (sent.n - sent.failed.length) * total;
  for (let i = 0; i < 300; i++) { const pr = await workers.progress(group); if (pr.delivered >= expectedTotal) break; await sleep(100); }
  const b = { us: nowUs(), inst: instances(), redis: opt['redis-pid'] ? cpuSeconds(Number(opt['redis-pid'])) : null };
  const c = await workers.collect(group, { [collection]: sent });

  // every measured event's slowest subscriber, over all the workers
  const latest = new Map();
  for (const r of await workers.all(() => ({ op: 'perEvent' }))) {
    for (const [key, us] of r.latest) if (!(latest.get(key) >= us)) latest.set(key, us);
  }
  const lastHist = new Hist();
  for (let k = warmupEvents; k < sent.n; k++) { const us = latest.get(`${collection} ${k}`); if (us != null) lastHist.add(us); }
  const wall = (b.us - a.us) / 1e6;
  const deliveries = measured * total;
  const serverCpuS = b.inst.map((x, i) => x.cpu.user + x.cpu.system - a.inst[i].cpu.user - a.inst[i].cpu.system);
  const out = {
    instances: urls.length, connectionsPerInstance: perInstance, connections: total, subscribed: ok, collection, rate, seconds,
    warmupEvents, events: sent.n, webhooksFailed: sent.failed.length,
    lost: c.lost, duplicated: c.dups, outOfOrder: c.ooo, disconnects: c.disconnects, closeCodes: c.closeCodes, errors: c.errors,
    neverSubscribed: c.neverSubscribed, delivered: c.delivered, expectedDeliveries: expectedTotal,
    lastSubscriberMs: lastHist.summaryMs(), eventsTimed: lastHist.n, deliveryMs: c.latencyMs,
    rssMiBBefore: rss0.map((x) => Math.round(x.rssKiB / 1024)), rssMiBAfter: b.inst.map((x) => Math.round(x.rssKiB / 1024)),
    alive: b.inst.map((x) => x.alive), samples,
    serverCpuPct: serverCpuS.map((cpu) => Math.round((100 * cpu) / wall)),
    serverCpuPer100k: (serverCpuS.reduce((sum, cpu) => sum + cpu, 0) * 100000) / deliveries,
    redisCpuPct: a.redis != null ? Math.round((100 * (b.redis - a.redis)) / wall) : null,
    workerCpuS: c.workerCpuS,
  };
  out.held = out.lost === 0 && out.duplicated === 0 && out.outOfOrder === 0 && out.disconnects === 0 && out.webhooksFailed === 0
    && out.alive.every(Boolean) && samples.every((s) => s.subscribed === total) && out.eventsTimed === measured;
  await workers.stop(group);
  const json = JSON.stringify(out, null, 1);
  if (opt.out) writeFileSync(opt.out, json); else console.log(json);
}

main().then(() => process.exit(process.exitCode || 0), (err) => { console.error(err); workers.kill(); process.exit(1); });
