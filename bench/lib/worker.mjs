// A subscriber worker: a child process of the coordinator (scenario.mjs) holding a share of the WebSocket
// clients. It checks every event it receives (lost, duplicated, out of order) and measures latency from the
// send timestamp the coordinator put into the record. It talks to the coordinator over the IPC channel.
import WebSocket from 'ws';
import { Hist } from './hist.mjs';
import { RawWebSocket, OPEN, CLOSED } from './rawws.mjs';

const nowUs = () => Number(process.hrtime.bigint() / 1000n); // CLOCK_MONOTONIC: the same clock in every process

let cfg = null;            // {url, resume, resumeDelayMs, maxResumes, localAddrs, client, setupRetries, perEventLatency}
const groups = new Map();  // group name -> Sub[]
let hist = new Hist();     // latency of new deliveries, microseconds
let idsMsOnly = false;     // some event id had a non-numeric sequence part: ids order only to the millisecond
const errors = {};         // ERROR frames and socket errors by code
const oooSamples = [];     // a few out-of-order deliveries, for the report
const latestByEvent = new Map();   // 'collection k' -> latency of its latest arrival here, microseconds (cfg.perEventLatency)
let churned = 0;             // clients the churn op sent away (and back)
const note = (key) => { errors[key] = (errors[key] || 0) + 1; };

class Sub {
  constructor(idx, collection) {
    this.idx = idx; this.collection = collection;
    this.ws = null; this.subscribed = false; this.closing = false;
    this.bits = new Uint32Array(64); this.received = 0; this.dups = 0; this.ooo = 0; this.oooMs = 0; this.foreign = 0;
    this.maxMs = -1; this.maxSeq = -1; this.lastId = null;
    this.frames = 0; this.eventFrames = 0; this.bytes = 0; this.disconnects = 0; this.resumes = 0; this.closeCodes = {};
    this.goal = 0; this.everSubscribed = false; this.setupRetries = 0; this.goalUs = 0; this.lastNewUs = 0; this.addrIdx = 0;
    this.onSubscribed = null; this.connectedSinceUs = 0;
  }

  has(k) { const w = k >>> 5; return w < this.bits.length && (this.bits[w] & (1 << (k & 31))) !== 0; }

  set(k) {
    const w = k >>> 5;
    if (w >= this.bits.length) {
      let n = this.bits.length; while (n <= w) n *= 2;
      const b = new Uint32Array(n); b.set(this.bits); this.bits = b;
    }
    this.bits[w] |= 1 << (k & 31);
  }
}

function onEvent(sub, id, k, t, now) {
  if (typeof k !== 'number' || !(k >= 0) || k > 1e8) { sub.foreign++; return; }
  if (typeof id !== 'string') id = String(id);
  sub.lastId = id;                                  // as the VSKI client does: the last id received
  if (sub.has(k)) { sub.dups++; return; }
  sub.set(k); sub.received++; sub.lastNewUs = now;
  // events sent before this connection opened are a resume's catch-up, not delivery delay (the soak's p99)
  if (typeof t === 'number' && t >= sub.connectedSinceUs) {
    hist.add(now - t);
    if (cfg.perEventLatency) {                     // the last arrival of each event, to time its slowest subscriber
      const key = `${sub.collection} ${k}`;
      if (!(latestByEvent.get(key) >= now - t)) latestByEvent.set(key, now - t);
    }
  }
  // order by event id, <ms>-<seq>: numerically (Redis stream ids), and by <ms> alone for servers whose
  // sequence part is not a number (the seed: random hex); the report uses the second when it saw such ids
  const dash = id.indexOf('-');
  const ms = Number(dash < 0 ? id : id.slice(0, dash));
  const seqText = dash < 0 ? '0' : id.slice(dash + 1);
  const numeric = /^\d+$/.test(seqText);
  if (!numeric) idsMsOnly = true;
  const seq = numeric ? Number(seqText) : -1;
  if (ms < sub.maxMs) sub.oooMs++;
  if (ms < sub.maxMs || (ms === sub.maxMs && seq < sub.maxSeq)) {
    sub.ooo++;
    if (oooSamples.length < 5) oooSamples.push({ sub: sub.idx, id, k, afterId: sub.maxIdText, afterK: sub.maxK, msLevel: ms < sub.maxMs });
  } else {
    if (ms > sub.maxMs) { sub.maxMs = ms; sub.maxSeq = seq; } else sub.maxSeq = seq;
    sub.maxIdText = id; sub.maxK = k;
  }
  if (sub.goal && sub.received === sub.goal && !sub.goalUs) sub.goalUs = now;
}

function onMessage(sub, data) {
  const now = nowUs();
  sub.frames++; sub.bytes += data.length;
  const text = typeof data === 'string' ? data : data.toString('utf8');
  let msg;
  try { msg = JSON.parse(text); } catch { note('frame:not-json'); return; }
  if (Array.isArray(msg.events)) {
    sub.eventFrames++;
    for (const e of msg.events) {
      const rec = e && e.data && e.data.record;
      onEvent(sub, e && e.id, rec && rec.bench_k, rec && rec.bench_t, now);
    }
  } else if (msg.type === 'SUBSCRIBED') {
    sub.subscribed = true; sub.everSubscribed = true;
    if (sub.onSubscribed) { const f = sub.onSubscribed; sub.onSubscribed = null; f(true); }
  } else if (msg.type === 'ERROR') {
    note(`ERROR:${msg.code}`);
  }
}

/** A socket of the chosen client (raw: lib/rawws.mjs, ws: the ws package) behind one small interface. */
function openSocket(opts, h) {
  if (cfg.client === 'ws') {
    const ws = new WebSocket(cfg.url, { perMessageDeflate: false, skipUTF8Validation: true, maxPayload: 512 * 1024 * 1024, ...opts });
    ws.on('open', h.onOpen);
    ws.on('message', h.onMessage);
    ws.on('unexpected-response', (_req, res) => { h.onUnexpectedResponse(res.statusCode); res.resume(); ws.terminate(); });
    ws.on('error', (err) => h.onError(err.code || err.message));
    ws.on('close', h.onClose);
    return {
      send: (t) => ws.send(t), close: (c) => ws.close(c), terminate: () => ws.terminate(),
      get open() { return ws.readyState === WebSocket.OPEN; }, get closed() { return ws.readyState === WebSocket.CLOSED; },
    };
  }
  const ws = new RawWebSocket(cfg.url, opts, h);
  return {
    send: (t) => ws.send(t), close: (c) => ws.close(c), terminate: () => ws.terminate(),
    get open() { return ws.readyState === OPEN; }, get closed() { return ws.readyState === CLOSED; },
  };
}

/**
 * Opens sub's socket and subscribes (with its lastId when withLastId); resolves true once SUBSCRIBED. A refused
 * or failed attempt is retried (like the VSKI client, which retries a 503 every 3 s) up to cfg.setupRetries times.
 */
async function connect(sub, withLastId, timeoutMs) {
  for (let attempt = 0; ; attempt++) {
    if (await connectOnce(sub, withLastId, timeoutMs)) return true;
    if (sub.closing || attempt >= cfg.setupRetries) return false;
    sub.setupRetries++;
    await new Promise((r) => setTimeout(r, cfg.resumeDelayMs));
  }
}

function connectOnce(sub, withLastId, timeoutMs) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok) => { if (!done) { done = true; clearTimeout(timer); resolve(ok); } };
    const timer = setTimeout(() => { note('subscribe-timeout'); if (sock) sock.terminate(); finish(false); }, timeoutMs);
    sub.subscribed = false; sub.closing = false; sub.connectedSinceUs = nowUs();
    const opts = { handshakeTimeout: timeoutMs };
    if (cfg.localAddrs && cfg.localAddrs.length) opts.localAddress = cfg.localAddrs[sub.addrIdx % cfg.localAddrs.length];
    let sock = null;
    sock = openSocket(opts, {
      onOpen: () => {
        const m = { type: 'SUBSCRIBE', collection: sub.collection };
        if (withLastId && sub.lastId) m.lastId = sub.lastId;
        sock.send(JSON.stringify(m));
      },
      onMessage: (data) => onMessage(sub, data),
      onUnexpectedResponse: (status) => note(`upgrade:${status}`),
      onError: (code) => note(`socket:${code}`),
      onClose: (code) => {
        sub.closeCodes[code] = (sub.closeCodes[code] || 0) + 1;
        if (sub.ws === sock && sub.closeWaiters) { const w = sub.closeWaiters; sub.closeWaiters = null; w.forEach((f) => f()); }
        finish(false);
        if (sub.ws !== sock) return;
        const was = sub.subscribed;
        sub.subscribed = false;
        if (sub.closing || !was) return;
        sub.disconnects++;
        if (cfg.resume && sub.resumes < cfg.maxResumes) {
          sub.resumes++;
          setTimeout(() => { if (!sub.closing && sub.ws === sock) connect(sub, true, timeoutMs); }, cfg.resumeDelayMs);
        }
      },
    });
    sub.ws = sock;
    sub.onSubscribed = finish;
  });
}

/** Runs fn over items with at most `limit` in flight. */
async function pool(items, limit, fn) {
  let next = 0; let ok = 0;
  const lane = async () => { while (next < items.length) { const it = items[next++]; if (await fn(it)) ok++; } };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) || 0 }, lane));
  return ok;
}

const handlers = {
  init(m) { cfg = m.cfg; return { pid: process.pid }; },

  async open(m) {
    const list = [];
    for (const s of m.subs) { const sub = new Sub(s.idx, s.collection); sub.addrIdx = s.idx; list.push(sub); }
    groups.set(m.group, (groups.get(m.group) || []).concat(list));
    const t0 = Date.now();
    const limit = m.concurrency > 0 ? m.concurrency : list.length;
    const ok = await pool(list, limit, (sub) => connect(sub, false, m.timeoutMs || 30000));
    return { ok, failed: list.length - ok, ms: Date.now() - t0 };
  },

  progress(m) {
    let delivered = 0, dups = 0, frames = 0, lastNewUs = 0, goalReached = 0, subscribed = 0, disconnects = 0;
    for (const s of groups.get(m.group) || []) {
      delivered += s.received; dups += s.dups; frames += s.frames; disconnects += s.disconnects;
      if (s.lastNewUs > lastNewUs) lastNewUs = s.lastNewUs;
      if (s.goalUs) goalReached++;
      if (s.subscribed) subscribed++;
    }
    return { delivered, dups, frames, lastNewUs, goalReached, subscribed, disconnects };
  },

  goal(m) {
    for (const s of groups.get(m.group) || []) { s.goal = m.count; s.goalUs = s.received >= m.count ? nowUs() : 0; }
    return {};
  },

  resetHist() { hist = new Hist(); return {}; },

  /** Every event's latest arrival here (cfg.perEventLatency): [['collection k', microseconds], ...]. */
  perEvent() { return { latest: [...latestByEvent.entries()] }; },

  /** The latency histogram since the last call (or resetHist), and a fresh one. */
  takeHist() { const h = hist.toJSON(); hist = new Hist(); return { hist: h }; },

  /**
   * Clients coming and going: `count` subscribed clients of group leave now, half with a close frame and half by
   * dropping the connection, and each comes back awayMs later resuming from its lastId. Answers at once.
   */
  churn(m) {
    const list = (groups.get(m.group) || []).filter((s) => s.subscribed && !s.closing);
    for (let n = 0; n < m.count && list.length; n++) {
      const sub = list.splice(Math.floor(Math.random() * list.length), 1)[0];
      sub.closing = true; churned++;
      if (n % 2 === 0) sub.ws.close(1000); else sub.ws.terminate();
      setTimeout(() => connect(sub, true, m.timeoutMs || 30000).then((ok) => { if (!ok) note('churn:rejoin-failed'); }), m.awayMs);
    }
    return {};
  },

  async close(m) {
    const list = groups.get(m.group) || [];
    await Promise.all(list.map((s) => new Promise((resolve) => {
      s.closing = true;
      const ws = s.ws;
      if (!ws || ws.closed) return resolve();
      const t = setTimeout(() => { ws.terminate(); resolve(); }, m.timeoutMs || 5000);
      s.closeWaiters = (s.closeWaiters || []).concat(() => { clearTimeout(t); resolve(); });
      if (ws.open) ws.close(1000); else ws.terminate();
    })));
    if (m.forget) groups.delete(m.group);
    return {};
  },

  async reconnect(m) {
    const list = groups.get(m.group) || [];
    const t0 = Date.now();
    const limit = m.concurrency > 0 ? m.concurrency : list.length;
    const ok = await pool(list, limit, (sub) => connect(sub, true, m.timeoutMs || 60000));
    return { ok, failed: list.length - ok, ms: Date.now() - t0 };
  },

  collect(m) {
    const list = groups.get(m.group) || [];
    const goalHist = new Hist();
    const out = {
      subs: list.length, delivered: 0, dups: 0, lost: 0, extra: 0, ooo: 0, oooMs: 0, foreign: 0, frames: 0, eventFrames: 0, bytes: 0,
      disconnects: 0, resumes: 0, setupRetries: 0, neverSubscribed: 0, subsWithLoss: 0, subsWithDups: 0, closeCodes: {}, goalReached: 0,
    };
    const failedSets = {};
    for (const s of list) {
      out.setupRetries += s.setupRetries;
      if (!s.everSubscribed) { out.neverSubscribed++; continue; }
      const exp = m.expected[s.collection] || { n: 0, failed: [] };
      let fs = failedSets[s.collection];
      if (!fs) fs = failedSets[s.collection] = new Set(exp.failed);
      let lost = 0;
      for (let k = 0; k < exp.n; k++) if (!fs.has(k) && !s.has(k)) lost++;
      const expectedCount = exp.n - fs.size;
      out.delivered += s.received; out.dups += s.dups; out.lost += lost;
      out.extra += s.received - (expectedCount - lost);
      out.ooo += s.ooo; out.oooMs += s.oooMs; out.foreign += s.foreign; out.frames += s.frames; out.eventFrames += s.eventFrames; out.bytes += s.bytes;
      out.disconnects += s.disconnects; out.resumes += s.resumes;
      if (lost) out.subsWithLoss++;
      if (s.dups) out.subsWithDups++;
      for (const [c, n] of Object.entries(s.closeCodes)) out.closeCodes[c] = (out.closeCodes[c] || 0) + n;
      if (s.goalUs) { out.goalReached++; if (m.goalStartUs) goalHist.add(s.goalUs - m.goalStartUs); }
    }
    out.hist = hist.toJSON();
    out.goalHist = goalHist.toJSON();
    out.idsMsOnly = idsMsOnly;
    out.oooSamples = oooSamples;
    out.churned = churned;
    out.errors = { ...errors };
    out.cpu = process.cpuUsage();
    return out;
  },

  exit() { setTimeout(() => process.exit(0), 10); return {}; },
};

process.on('message', async (m) => {
  try {
    const r = await handlers[m.op](m);
    process.send({ rid: m.rid, ok: true, ...r });
  } catch (err) {
    process.send({ rid: m.rid, ok: false, error: String(err && err.stack || err) });
  }
});
process.on('disconnect', () => process.exit(0));   // the coordinator is gone: so are we
