package io.crowdwire.limits;

import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The same fixed windows in this process, for a single instance on the embedded store. Shared by the instance's
 * event loops; at most {@code maxKeys} windows, expired ones swept when it is full.
 */
final class MemoryRateLimiter implements RateLimiter {

  private final int maxKeys;
  private final Runnable storeFailed;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  MemoryRateLimiter(int maxKeys, Runnable storeFailed) {
    this.maxKeys = maxKeys;
    this.storeFailed = storeFailed;
  }

  private record Window(long endsAt, int count) {
  }

  @Override
  public Future<Verdict> hit(String key, int limit, long windowMs) {
    long now = System.currentTimeMillis();
    if (windows.size() >= maxKeys && !windows.containsKey(key)) {
      windows.values().removeIf(window -> window.endsAt() <= now);
      if (windows.size() >= maxKeys) {
        // More live windows than allowed (a flood from very many addresses): fail-open, as on a Redis failure.
        storeFailed.run();
        return Future.succeededFuture(Verdict.ALLOWED);
      }
    }
    Window window = windows.compute(key, (k, old) -> old == null || old.endsAt() <= now
      ? new Window(now + windowMs, 1) : new Window(old.endsAt(), old.count() + 1));
    return Future.succeededFuture(new Verdict(window.count() <= limit, window.endsAt() - now));
  }
}
