// The coordinator's side of the subscriber workers (worker.mjs): forks them, calls them over IPC, and sums what
// they report. Used by scenario.mjs and cluster/fanout.mjs.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Hist } from './hist.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const sum = (list, key) => list.reduce((s, x) => s + (x[key] || 0), 0);
const COUNTS = ['subs', 'delivered', 'dups', 'lost', 'extra', 'ooo', 'oooMs', 'foreign', 'frames', 'eventFrames', 'bytes', 'disconnects',
  'resumes', 'churned', 'setupRetries', 'neverSubscribed', 'subsWithLoss', 'subsWithDups', 'goalReached'];

export class Workers {
  /** One worker per entry of cfgs (its init config); onExit(code) hears of a worker that exits before stop(). */
  constructor(cfgs, onExit) {
    this.rid = 0; this.pending = new Map(); this.stopping = false;
    const prof = process.env.BENCH_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`] : [];
    this.list = cfgs.map(() => {
      const w = fork(join(here, 'worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096', ...prof] });
      w.on('message', (m) => { const p = this.pending.get(m.rid); if (p) { this.pending.delete(m.rid); m.ok ? p.resolve(m) : p.reject(new Error(m.error)); } });
      w.on('exit', (code) => { if (!this.stopping) onExit(code); });
      return w;
    });
    this.ready = this.all((i) => ({ op: 'init', cfg: cfgs[i] }));
  }

  get size() { return this.list.length; }

  call(w, msg) {
    return new Promise((resolve, reject) => { const id = ++this.rid; this.pending.set(id, { resolve, reject }); w.send({ ...msg, rid: id }); });
  }

  /** f(i) is worker i's message; resolves to every answer. */
  all(f) { return Promise.all(this.list.map((w, i) => this.call(w, f(i)))); }

  async progress(group) {
    const r = await this.all(() => ({ op: 'progress', group }));
    return {
      delivered: sum(r, 'delivered'), dups: sum(r, 'dups'), frames: sum(r, 'frames'), goalReached: sum(r, 'goalReached'),
      subscribed: sum(r, 'subscribed'), disconnects: sum(r, 'disconnects'), lastNewUs: Math.max(...r.map((x) => x.lastNewUs)),
    };
  }

  /** Every subscriber of group checked against expected ({collection: {n, failed}}), summed over the workers. */
  async collect(group, expected, goalStartUs = 0) {
    const r = await this.all(() => ({ op: 'collect', group, expected, goalStartUs }));
    const hist = new Hist(); const goalHist = new Hist();
    const out = { errors: {}, closeCodes: {}, idsMsOnly: r.some((x) => x.idsMsOnly), oooSamples: r.flatMap((x) => x.oooSamples) };
    for (const x of r) {
      hist.merge(Hist.fromJSON(x.hist)); goalHist.merge(Hist.fromJSON(x.goalHist));
      for (const k of COUNTS) out[k] = (out[k] || 0) + x[k];
      for (const [k, v] of Object.entries(x.errors)) out.errors[k] = (out.errors[k] || 0) + v;
      for (const [k, v] of Object.entries(x.closeCodes)) out.closeCodes[k] = (out.closeCodes[k] || 0) + v;
    }
    out.workerCpuS = { user: r.reduce((a, x) => a + x.cpu.user, 0) / 1e6, system: r.reduce((a, x) => a + x.cpu.system, 0) / 1e6 };
    out.oooSamples = out.oooSamples.filter((x) => !out.idsMsOnly || x.msLevel).slice(0, 5);
    out.latencyMs = hist.summaryMs();
    out.goalMs = goalHist.summaryMs();
    return out;
  }

  /** Closes group's sockets and ends the workers. */
  async stop(group) {
    this.stopping = true;
    await this.all(() => ({ op: 'close', group, timeoutMs: 3000 })).catch(() => {});
    await this.all(() => ({ op: 'exit' })).catch(() => {});
  }

  kill() { this.stopping = true; for (const w of this.list) w.kill(); }
}
