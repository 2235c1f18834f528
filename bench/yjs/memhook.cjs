// Preloaded into the Node servers (node --expose-gc --require ./memhook.cjs ...): on SIGUSR2 a full collection,
// then the heap in use written to $BENCH_MEM_DIR/<pid>.json, so that load.mjs can compare live memory with the
// JVM's (jcmd GC.run + GC.heap_info) apart from what the RSS also holds (garbage, free heap).
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

process.on('SIGUSR2', () => {
  if (global.gc) global.gc();
  const m = process.memoryUsage();
  const file = join(process.env.BENCH_MEM_DIR || '.', `${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ at: Date.now(), heapUsed: m.heapUsed, external: m.external, rss: m.rss }));
});
