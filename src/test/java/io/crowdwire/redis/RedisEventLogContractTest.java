package io.crowdwire.redis;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.eventlog.EventLog;
import io.crowdwire.eventlog.EventLogContract;
import io.crowdwire.eventlog.LogUnavailableException;
import io.crowdwire.health.InstanceState;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis log keeps the contract on a redis-server of the test's own; time is Redis's, so time-based checks are
 * polled until they hold, with windows of a second or less.
 */
class RedisEventLogContractTest extends EventLogContract {

  private RedisProcess redis;

  @BeforeAll
  void startRedis() {
    redis = RedisProcess.start();
  }

  @AfterAll
  void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  @Override
  protected EventLog create(Vertx vertx, Map<String, String> settings, EventLog.LiveSink sink) {
    return new RedisEventLog(vertx, onRedis(redis.url(), settings), sink, new Metrics(new InstanceState()));
  }

  private static CrowdwireConfig onRedis(String url, Map<String, String> settings) {
    return TestConfig.embedded(settings).withRedis(TestConfig.redis(url).redis());
  }

  @Override
  protected void afterElapsed(long ms, Runnable check) {
    await().atMost(Duration.ofMillis(ms).plusSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(check::run);
  }

  /** Unlike the embedded log, this one can be away: then a watch fails at once rather than miss entries. */
  @Test
  void aWatchFailsWhileRedisIsUnreachable() {
    EventLog away = new RedisEventLog(vertx(), onRedis("redis://127.0.0.1:" + RedisProcess.freePort(), Map.of()),
      (channel, entry) -> { }, new Metrics(new InstanceState()));
    try {
      Future<Void> watch = onContext(() -> away.start().compose(started -> away.watch(channel("away"))));

      assertThat(watch.toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(LogUnavailableException.class);
      assertThat(away.available()).isFalse();
    } finally {
      onContext(away::close);
    }
  }
}
