#!/usr/bin/env node
// Hocuspocus with the Redis extension, for the benchmark: instances on one Redis share their documents.
// No database extension: documents live in the instances' memory (and the other instances') only.
//   PORT=1234 REDIS_URL=redis://127.0.0.1:6390 node hocuspocus-server.mjs      (or: node hocuspocus-server.mjs PORT REDIS_URL)
import { Server } from '@hocuspocus/server';
import { Redis } from '@hocuspocus/extension-redis';

const port = Number(process.argv[2] || process.env.PORT || 1234);
const redis = new URL(process.argv[3] || process.env.REDIS_URL || 'redis://127.0.0.1:6379');
const server = new Server({
  port,
  address: process.env.HOST || '127.0.0.1',
  quiet: true,
  extensions: [new Redis({ host: redis.hostname, port: Number(redis.port || 6379) })],
});
await server.listen();
console.log(`hocuspocus listening on ${port}, redis ${redis.host}`);
