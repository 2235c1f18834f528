// A load worker: a child process of load.mjs holding whole documents (all E editors of each), so that every
// editor's receptions can be checked here. Editors of one document alternate over the server instances.
// Every update is one Y.Text insert "<editor>.<seq>.<send time in µs>;" at the end of the text; a receiver
// decodes each remote update, and the send time gives the latency (CLOCK_MONOTONIC: one clock for all processes).
import * as Y from 'yjs';
import { openEditor } from './editor.mjs';
import { Hist } from '../lib/hist.mjs';

process.setMaxListeners(0);   // y-websocket's provider adds an 'exit' listener per editor
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const groups = new Map();   // group -> Doc[]
let hist = new Hist();      // latency of first receptions of updates sent inside the window, µs
let lateHist = new Hist();  // how late the generator sent each update against its schedule, µs
let win = { startUs: Infinity, endUs: -Infinity };
let sentInWindow = 0;
let parseErrors = 0;

/** A growable bitmap of the sequence numbers one receiver got from one sender. */
class Bits {
  constructor() { this.b = new Uint32Array(64); this.n = 0; }
  add(k) {
    const w = k >>> 5;
    if (w >= this.b.length) { let n = this.b.length; while (n <= w) n *= 2; const b = new Uint32Array(n); b.set(this.b); this.b = b; }
    const m = 1 << (k & 31);
    if (this.b[w] & m) return false;
    this.b[w] |= m; this.n++; return true;
  }
}

class Editor {
  constructor(kind, url, name, idx, editorsPerDoc) {
    this.idx = idx; this.url = url; this.sent = 0; this.dups = 0;
    this.got = Array.from({ length: editorsPerDoc }, () => new Bits());
    this.ed = openEditor(kind, url, name);
    this.ed.doc.on('update', (update, origin, doc, tr) => { if (!tr.local) this.receive(update); });
  }

  receive(update) {
    const now = nowUs();
    for (const s of Y.decodeUpdate(update).structs) {
      const str = s.content && s.content.str;
      if (typeof str !== 'string') continue;
      // an update may carry several inserts merged into one string; a struct cut at its start (a resync
      // from a state vector) leaves a partial first token, which fails the shape check
      for (const tok of str.split(';')) {
        if (!tok) continue;
        const p = tok.split('.');
        if (p.length !== 3) { parseErrors++; continue; }
        const e = +p[0]; const k = +p[1]; const t = +p[2];
        if (!(e >= 0 && e < this.got.length) || !(k >= 0)) { parseErrors++; continue; }
        if (e === this.idx) continue;   // its own edit, resent by a server's resync
        if (!this.got[e].add(k)) { this.dups++; continue; }
        if (t >= win.startUs && t < win.endUs) hist.add(now - t);
      }
    }
  }

  send() {
    const t = nowUs();
    if (t >= win.startUs && t < win.endUs) sentInWindow++;
    this.ed.text.insert(this.ed.text.length, `${this.idx}.${this.sent++}.${t};`);
  }
}

class Doc {
  constructor(kind, urls, name, g, editorsPerDoc) {
    this.name = name; this.g = g; this.k = 0;
    this.editors = Array.from({ length: editorsPerDoc }, (_, e) => new Editor(kind, urls[(g + e) % urls.length], name, e, editorsPerDoc));
  }
}

async function withTimeout(p, ms) {
  let timer;
  const r = await Promise.race([p.then(() => true), new Promise((res) => { timer = setTimeout(() => res(false), ms); })]);
  clearTimeout(timer);
  return r;
}

const ops = {
  /** Opens the documents (names with their global index g), `concurrency` editors connecting at once. */
  async open({ group, kind, urls, docs, editorsPerDoc, concurrency }) {
    const t0 = Date.now();
    const list = [];
    let failed = 0;
    for (let i = 0; i < docs.length; i += Math.max(1, Math.floor(concurrency / editorsPerDoc))) {
      const batch = docs.slice(i, i + Math.max(1, Math.floor(concurrency / editorsPerDoc))).map((d) => new Doc(kind, urls, d.name, d.g, editorsPerDoc));
      list.push(...batch);
      const ok = await Promise.all(batch.flatMap((d) => d.editors.map((e) => withTimeout(e.ed.synced, 30000))));
      failed += ok.filter((x) => !x).length;
    }
    groups.set(group, list);
    return { editors: list.length * editorsPerDoc, failed, ms: Date.now() - t0 };
  },

  /**
   * Sends `rate` updates a second per document, round-robin over its editors, from startUs for durationMs.
   * Open loop: document g's n-th update is due at startUs + (n + g/N) / rate, so sends spread evenly.
   */
  async run({ group, rate, startUs, durationMs, totalDocs, windowStartUs, windowEndUs }) {
    const docs = groups.get(group);
    win = { startUs: windowStartUs ?? Infinity, endUs: windowEndUs ?? -Infinity };
    const period = 1e6 / rate;
    const endUs = startUs + durationMs * 1000;
    const cpu0 = process.cpuUsage();
    for (const d of docs) d.k = 0;
    while (nowUs() < startUs) await sleep(1);
    for (;;) {
      const now = nowUs();
      if (now >= endUs) break;
      for (const d of docs) {
        const off = startUs + (d.g / totalDocs) * period;
        const due = Math.floor((now - off) / period) + 1;   // now < endUs: none due after the end
        while (d.k < due) {
          lateHist.add(now - (off + d.k * period));
          d.editors[d.k % d.editors.length].send();
          d.k++;
        }
      }
      await sleep(1);
    }
    const cpu = process.cpuUsage(cpu0);
    return { sent: docs.reduce((s, d) => s + d.k, 0), cpuS: (cpu.user + cpu.system) / 1e6 };
  },

  /** Lost updates: what each editor lacks of what the other editors of its document sent. */
  progress({ group }) {
    let expected = 0; let received = 0; let dups = 0; let diverged = 0; let pending = 0; let lostCross = 0;
    const closes = {};
    let firstClose = Infinity; let lastClose = 0;
    for (const d of groups.get(group) || []) {
      for (const r of d.editors) {
        for (const s of d.editors) {
          if (s === r) continue;
          expected += s.sent; received += r.got[s.idx].n;
          if (s.url !== r.url) lostCross += s.sent - r.got[s.idx].n;   // of those, sent to another instance
        }
        dups += r.dups;
        // an update whose predecessors never came waits in Yjs's pending structs: a gap, not a delay
        if (r.ed.doc.store.pendingStructs) pending++;
        for (const [c, n] of Object.entries(r.ed.stats.closes)) closes[c] = (closes[c] || 0) + n;
        const st = r.ed.stats;
        if (st.firstCloseMs) { firstClose = Math.min(firstClose, st.firstCloseMs); lastClose = Math.max(lastClose, st.lastCloseMs); }
      }
      const len = d.editors[0].ed.text.length;
      if (d.editors.some((e) => e.ed.text.length !== len)) diverged++;
    }
    return { expected, received, lost: expected - received, lostCross, dups, diverged, pending, closes, firstClose: firstClose === Infinity ? null : firstClose, lastClose: lastClose || null, parseErrors };
  },

  /** Waits until nothing is missing, or nothing new arrived for quietMs, or capMs passed. */
  async drain({ group, quietMs, capMs }) {
    const t0 = Date.now();
    let last = -1; let lastChange = Date.now(); let p;
    for (;;) {
      p = ops.progress({ group });
      if (p.lost <= 0 && p.diverged === 0) break;
      if (p.received !== last) { last = p.received; lastChange = Date.now(); }
      if (Date.now() - lastChange > quietMs || Date.now() - t0 > capMs) break;
      await sleep(200);
    }
    return { ...p, drainMs: Date.now() - t0 };
  },

  stats() { return { hist: hist.toJSON(), late: lateHist.toJSON(), sentInWindow }; },

  reset() { hist = new Hist(); lateHist = new Hist(); sentInWindow = 0; parseErrors = 0; return {}; },

  async close({ group }) {
    for (const d of groups.get(group) || []) for (const e of d.editors) e.ed.close();
    groups.delete(group);
    await sleep(200);
    return {};
  },
};

process.on('disconnect', () => process.exit());   // the coordinator is gone
process.on('message', async (m) => {
  try {
    const r = await ops[m.op](m);
    process.send({ rid: m.rid, ok: true, ...r });
  } catch (err) {
    process.send({ rid: m.rid, ok: false, error: String(err && err.stack || err) });
  }
});
