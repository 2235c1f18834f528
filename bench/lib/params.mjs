// Scenario parameters: full sizes (as in issue 3) and --quick sizes. Any of them can be overridden with
// --set name=value (every scenario that has it) or --set scenario.name=value.

export const SCENARIOS = ['fanout-sat', 'fanout-rate', 'many-collections', 'ingest', 'memory', 'reconnect', 'soak'];

const FULL = {
  'fanout-sat': {          // 1 collection x 1,000 subscribers, webhooks as fast as the senders get answers
    subs: 1000, collections: 1, events: 5000, concurrency: 8, capMs: 180000,
  },
  'fanout-rate': {         // 1 collection x 1,000 subscribers at a fixed 100 events/s
    subs: 1000, collections: 1, rate: 100, durationMs: 60000,
  },
  'many-collections': {    // 10,000 subscribers over 1,000 collections, events spread round-robin at a fixed rate
    subs: 10000, collections: 1000, rate: 1000, durationMs: 30000,
  },
  'ingest': {              // durable webhooks only, no subscriber: 32 concurrent senders into one collection
    events: 25000, concurrency: 32, window: 2500, capMs: 240000, warmupWebhooks: 25000, warmupCapMs: 30000,
  },
  'memory': {              // RSS per idle subscribed connection, of a warmed server (--set memory.warmupEvents=0: cold)
    conns: '10000,19900', collections: 1000, settleMs: 5000,
  },
  'reconnect': {           // 2,000 clients resume at once, 100 events behind
    clients: 2000, collections: 1, pre: 10, behind: 100, capMs: 120000, warmupStorms: 8,
  },
  'soak': {                // 30 minutes at 200 events/s over 100 collections x 20 subscribers, 1% of them leaving and
                           // resuming every second; sampled every minute
    collections: 100, subsPerCollection: 20, rate: 200, durationMs: 1800000, churnPctPerSec: 1, awayMs: 2000,
    sampleMs: 60000, prefill: 1000,
  },
};

const QUICK = {
  'fanout-sat': { events: 1000 },
  'fanout-rate': { durationMs: 10000 },
  'many-collections': { subs: 2000, collections: 200, rate: 500, durationMs: 8000 },
  'ingest': { events: 8000, window: 1000, warmupWebhooks: 8000 },
  'memory': { conns: '2000,4000', settleMs: 3000 },
  'reconnect': { clients: 500 },
  'soak': { durationMs: 180000, sampleMs: 15000 },
};

// Shared by every scenario.
const COMMON_FULL = {
  workers: 2,               // subscriber worker processes
  connectConcurrency: 200,  // connection attempts in flight per worker while setting up
  warmupSubs: 100, warmupEvents: 20000, warmupConcurrency: 8,   // JIT-compiled targets (JVM, V8) need it
  quietMs: 5000,            // delivery phase ends when nothing new arrived for this long...
  drainCapMs: 120000,       // ...or after this long past the last send
  client: 'raw',            // raw: lib/rawws.mjs (lean); ws: the ws package (to cross-check the raw client)
  resume: 1, resumeDelayMs: 250, maxResumes: 20,   // a client closed by the server resumes with its lastId
  setupRetries: 20,         // a refused or failed connection attempt is retried after resumeDelayMs
  localAddrs: 8,            // spread client sockets over 127.0.0.2..: 8 x 28k ephemeral ports
  recordBytes: 200,         // approximate size of each webhook's record
};
const COMMON_QUICK = { warmupEvents: 5000, quietMs: 3000, drainCapMs: 60000 };

function coerce(v) {
  if (v === 'true') return true;
  if (v === 'false') return false;
  return v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
}

export function paramsFor(scenario, quick, sets) {
  if (!FULL[scenario]) throw new Error(`unknown scenario ${scenario}; known: ${SCENARIOS.join(', ')}`);
  const p = { ...COMMON_FULL, ...(quick ? COMMON_QUICK : {}), ...FULL[scenario], ...(quick ? QUICK[scenario] : {}) };
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq < 0) throw new Error(`--set wants name=value, got ${s}`);
    let key = s.slice(0, eq);
    const value = coerce(s.slice(eq + 1));
    const dot = key.indexOf('.');
    if (dot >= 0) {
      if (key.slice(0, dot) !== scenario) continue;
      key = key.slice(dot + 1);
    } else if (!(key in p)) {
      continue;
    }
    p[key] = value;
  }
  return p;
}
