// The VSKI webhook the benchmarks post: event k of a collection, its send time t (microseconds, CLOCK_MONOTONIC)
// in the record, so that every subscriber can tell what it lost and how long the event took.
const pad = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. '.repeat(8);

/** The body of a create of record r<k> in coll, about recordBytes of record. */
export function webhookBody(coll, k, t, recordBytes) {
  return `{"database":"postgres","collection":"${coll}","id":"r${k}","action":"create","timestamp":"${new Date().toISOString()}",`
    + `"record":{"rid":"r${k}","bench_k":${k},"bench_t":${t},"title":"bench ${k}","body":"${pad.slice(0, Math.max(0, recordBytes - 90))}"}}`;
}
