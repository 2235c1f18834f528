// Sends analytics hits (GET /analytics?page=...) at a fixed rate to one or more Crowdwire instances, as browsers
// would: many visitors (distinct user agents), a few hundred pages. Prints one JSON line with what was sent and
// answered.
//
//   node hits.mjs --ports 8080[,8081] [--rate 5000] [--seconds 30] [--visitors 20000] [--pages 200]
import http from 'node:http';
import { paced } from '../lib/paced.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));
const ports = String(args.ports).split(',').map(Number);
const rate = Number(args.rate ?? 5000);
const visitors = Number(args.visitors ?? 20000);
const pages = Number(args.pages ?? 200);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const result = await paced({
  rate, seconds: Number(args.seconds ?? 30), maxInFlight: 2000, fire: (n, done) => {
    const visitor = (n * 7919) % visitors;
    const req = http.request({
      host: '127.0.0.1', port: ports[n % ports.length], agent, method: 'GET',
      path: `/analytics?page=/page-${n % pages}`,
      headers: { 'User-Agent': `Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 bench/${visitor}` },
    }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200));
    });
    req.on('error', () => done(false));
    req.end();
  },
});
console.log(JSON.stringify({ ...result, rate: result.sent / result.seconds }));
agent.destroy();
