// Posts webhooks at a fixed rate to one Crowdwire instance per region, each event naming its region and number.
// Prints one JSON line with what was sent and acknowledged.
//
//   node webhooks.mjs --ports eu:8080,us:8081,ap:8082 --rate 1000 --seconds 30 --secret S [--collection lag]
import http from 'node:http';
import { webhookToken } from '../lib/jwt.mjs';
import { paced } from '../lib/paced.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));
const targets = String(args.ports).split(',').map((pair) => pair.split(':')).map(([region, port]) => ({ region, port: Number(port) }));
const collection = args.collection ?? 'lag';
const token = webhookToken(args.secret, 1);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

// Request n goes to region n % regions: each region gets the rate asked for.
const result = await paced({
  rate: Number(args.rate ?? 1000) * targets.length, seconds: Number(args.seconds ?? 30), maxInFlight: 1000,
  fire: (n, done) => {
    const target = targets[n % targets.length];
    const body = JSON.stringify({ collection, action: 'create', record: { id: `${target.region}-${n}`, n } });
    const req = http.request({
      host: '127.0.0.1', port: target.port, agent, method: 'POST', path: '/webhook',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200));
    });
    req.on('error', () => done(false));
    req.end(body);
  },
});
console.log(JSON.stringify({ ...result, ratePerRegion: result.sent / targets.length / result.seconds }));
agent.destroy();
