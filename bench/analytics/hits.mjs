// Sends analytics hits (GET /analytics?page=...) at a fixed rate to one or more Crowdwire instances, as browsers
// would: many visitors (distinct user agents), a few hundred pages. Prints one JSON line with what was sent and
// answered.
//
//   node hits.mjs --ports 8080[,8081] [--rate 5000] [--seconds 30] [--visitors 20000] [--pages 200]
import http from 'node:http';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));
const ports = String(args.ports).split(',').map(Number);
const rate = Number(args.rate ?? 5000);
const seconds = Number(args.seconds ?? 30);
const visitors = Number(args.visitors ?? 20000);
const pages = Number(args.pages ?? 200);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const tickMs = 10;
const perTick = rate * tickMs / 1000;

let sent = 0, ok = 0, failed = 0, inFlight = 0, skipped = 0;
const maxInFlight = 2000;
const started = process.hrtime.bigint();
const total = rate * seconds;

function hit(n) {
  if (inFlight >= maxInFlight) { skipped++; return; }
  inFlight++;
  sent++;
  const visitor = (n * 7919) % visitors;
  const req = http.request({
    host: '127.0.0.1', port: ports[n % ports.length], agent, method: 'GET',
    path: `/analytics?page=/page-${n % pages}`,
    headers: { 'User-Agent': `Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 bench/${visitor}` },
  }, (res) => {
    res.resume();
    res.on('end', () => { inFlight--; if (res.statusCode === 200) ok++; else failed++; });
  });
  req.on('error', () => { inFlight--; failed++; });
  req.end();
}

let n = 0;
const timer = setInterval(() => {
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  // Catch up to where the clock says we should be, so a late tick does not lower the rate.
  const due = Math.min(total, Math.floor(elapsedMs * rate / 1000) + perTick);
  while (n < due) hit(n++);
  if (n >= total) {
    clearInterval(timer);
    const wait = setInterval(() => {
      if (inFlight === 0) {
        clearInterval(wait);
        const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
        console.log(JSON.stringify({ sent, ok, failed, skipped, seconds: elapsed, rate: sent / elapsed }));
        agent.destroy();
      }
    }, 20);
  }
}, tickMs);
