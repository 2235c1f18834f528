// Fires requests at a fixed rate for a while, catching up to the clock when a tick comes late (so a slow tick does
// not lower the rate), with at most maxInFlight unanswered: those beyond are counted as skipped, not sent.
// fire(n, done) sends request n and calls done(ok) once it is answered. Resolves with what was sent and answered.
export function paced({ rate, seconds, maxInFlight, fire }) {
  const tickMs = 10;
  const total = rate * seconds;
  const started = process.hrtime.bigint();
  let sent = 0, ok = 0, failed = 0, inFlight = 0, skipped = 0, n = 0;
  const done = (success) => { inFlight--; if (success) ok++; else failed++; };
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      const due = Math.min(total, Math.floor(elapsedMs * rate / 1000) + 1);
      for (; n < due; n++) {
        if (inFlight >= maxInFlight) { skipped++; continue; }
        inFlight++;
        sent++;
        fire(n, done);
      }
      if (n >= total) {
        clearInterval(timer);
        const wait = setInterval(() => {
          if (inFlight === 0) {
            clearInterval(wait);
            resolve({ sent, ok, failed, skipped, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
          }
        }, 20);
      }
    }, tickMs);
  });
}
