package io.crowdwire.analytics;

import io.crowdwire.bus.Addresses;
import io.crowdwire.cluster.Fleet;
import io.crowdwire.testsupport.Clients;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The hub's snapshots for the dashboard's live panel, on a Vert.x of the test's own whose one member ("local") answers
 * the fleet's STATS question as the test says: the sums, the events per second, and one question at a time.
 */
class HubSamplerTest {

  private static final long PERIOD_MS = 100;
  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final BlockingQueue<JsonObject> snapshots = new LinkedBlockingQueue<>();
  private final List<Message<JsonObject>> questions = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    Clients.await(vertx.close());
  }

  @Test
  void everyPeriodItPublishesTheMembersSumsLocallyInTheDocumentedShape() throws InterruptedException {
    answer(n -> stats(3, 5, 2, 1, 100L * n));
    HubSampler sampler = start();

    JsonObject first = next();
    assertThat(first.fieldNames()).containsExactlyInAnyOrder("type", "members", "connections", "subscriptions",
      "channels", "documents", "eventsPerSecond", "at");
    assertThat(first.getString("type")).isEqualTo("HUB");
    assertThat(first.getInteger("members")).isEqualTo(1);
    assertThat(first.getInteger("connections")).isEqualTo(3);
    assertThat(first.getInteger("subscriptions")).isEqualTo(5);
    assertThat(first.getInteger("channels")).isEqualTo(2);
    assertThat(first.getInteger("documents")).isEqualTo(1);
    assertThat(first.getDouble("eventsPerSecond")).as("nothing to compare the first sample with").isZero();
    assertThat(first.getLong("at")).isCloseTo(System.currentTimeMillis(), within(5_000L));

    // 100 more events stored between samples: 100 over the time between them.
    JsonObject second = next();
    JsonObject third = next();
    double seconds = (third.getLong("at") - second.getLong("at")) / 1000.0;
    assertThat(third.getDouble("eventsPerSecond")).as("100 events in %s s", seconds)
      .isBetween(100 / seconds * 0.6, 100 / seconds * 1.6);
    onContext(sampler::stop);
  }

  @Test
  void aMemberWhoseTotalFellAddsNothingRatherThanANegativeRate() throws InterruptedException {
    long[] totals = {500, 100, 150, 150};
    answer(n -> stats(0, 0, 0, 0, totals[Math.min(n, totals.length) - 1]));
    HubSampler sampler = start();
    assertThat(next().getDouble("eventsPerSecond")).isZero();
    assertThat(next().getDouble("eventsPerSecond")).as("500 then 100: restarted, not -400").isZero();
    assertThat(next().getDouble("eventsPerSecond")).as("100 then 150").isPositive();
    assertThat(next().getDouble("eventsPerSecond")).as("150 then 150").isZero();
    onContext(sampler::stop);
  }

  @Test
  void aQuestionStillOutSkipsThePeriodsUntilItIsAnsweredAndStopEndsTheQuestions() throws InterruptedException {
    vertx.eventBus().<JsonObject>consumer(Addresses.fleet("local", Addresses.STATS), questions::add);
    HubSampler sampler = start();
    await("the first question").atMost(Duration.ofSeconds(5)).until(() -> questions.size() == 1);
    Thread.sleep(PERIOD_MS * 8);
    assertThat(questions).as("no second question while the first is out, over 8 periods").hasSize(1);
    assertThat(snapshots).isEmpty();

    questions.get(0).reply(stats(1, 0, 0, 0, 0));
    assertThat(next().getInteger("connections")).isEqualTo(1);
    await("the next question, once answered").atMost(Duration.ofSeconds(5)).until(() -> questions.size() == 2);

    onContext(sampler::stop);
    questions.get(1).reply(stats(2, 0, 0, 0, 0));
    Thread.sleep(PERIOD_MS * 5);
    assertThat(questions).as("no question after stop").hasSize(2);
    assertThat(snapshots).as("the answer that came after stop is not published").isEmpty();
  }

  private void answer(IntFunction<JsonObject> reply) {
    AtomicInteger asked = new AtomicInteger();
    vertx.eventBus().<JsonObject>consumer(Addresses.fleet("local", Addresses.STATS),
      message -> message.reply(reply.apply(asked.incrementAndGet())));
  }

  private static JsonObject stats(int connections, int subscriptions, int channels, int documents, long appended) {
    return new JsonObject().put("member", "local").put("connections", connections).put("subscriptions", subscriptions)
      .put("channels", channels).put("documents", documents).put("appended", appended).put("ready", true);
  }

  /**
   * Started on a context of its own, as a verticle starts it, and wanted as a socket verticle with a dashboard wants
   * it (once, then with every snapshot); the snapshots it publishes are collected.
   */
  private HubSampler start() {
    vertx.eventBus().<JsonObject>localConsumer(Addresses.ANALYTICS_HUB, message -> {
      snapshots.add(message.body());
      vertx.eventBus().send(Addresses.ANALYTICS_HUB_WANTED, null);
    });
    HubSampler sampler = new HubSampler(vertx, new Fleet(vertx, 10_000), PERIOD_MS);
    onContext(sampler::start);
    vertx.eventBus().send(Addresses.ANALYTICS_HUB_WANTED, null);
    return sampler;
  }

  @Test
  void withoutADashboardNoMemberIsAsked() throws InterruptedException {
    vertx.eventBus().<JsonObject>consumer(Addresses.fleet("local", Addresses.STATS), question -> {
      questions.add(question);
      question.reply(stats(1, 0, 0, 0, 0));
    });
    HubSampler sampler = new HubSampler(vertx, new Fleet(vertx, 10_000), PERIOD_MS);
    onContext(sampler::start);
    Thread.sleep(PERIOD_MS * 5);
    assertThat(questions).as("nobody wanted the counts").isEmpty();
    vertx.eventBus().send(Addresses.ANALYTICS_HUB_WANTED, null);
    await("asked at once when wanted").atMost(Duration.ofSeconds(5)).until(() -> questions.size() >= 1);
    Thread.sleep(PERIOD_MS * (HubSampler.WANTED_PERIODS + 3));
    assertThat(questions).as("asked while wanted, a few periods").hasSizeBetween(2, HubSampler.WANTED_PERIODS + 2);
    int asked = questions.size();
    Thread.sleep(PERIOD_MS * 5);
    assertThat(questions).as("then none").hasSize(asked);
    onContext(sampler::stop);
  }

  private void onContext(Runnable action) {
    Clients.onContext(context, action);
  }

  private JsonObject next() throws InterruptedException {
    JsonObject snapshot = snapshots.poll(5, TimeUnit.SECONDS);
    assertThat(snapshot).as("a snapshot within 5 s").isNotNull();
    return snapshot;
  }
}
