package io.crowdwire.auth;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.limits.WindowCount;
import io.crowdwire.protocol.ErrorCode;
import io.crowdwire.testsupport.Clients;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The callback to the VSKI master on its own, against a real HTTP server: identical questions in flight share one
 * request, the filter is part of the question, and the verdicts remembered are bounded.
 */
@ExtendWith(VertxExtension.class)
class AuthorizationCallbackTest {

  private static final Principal USER = new Principal("u1", null, Set.of(), null, Long.MAX_VALUE, "token-of-u1");

  /** Event-loop code: the callback is used from one context, as each socket verticle uses its own. */
  private final Context loop = Clients.VERTX.getOrCreateContext();
  private final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
  private final Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
  private final Queue<JsonObject> bodies = new ConcurrentLinkedQueue<>();
  /** Flagged as each held question reaches the master; a test that waits for them sets its own. */
  private volatile Checkpoint heldArrival = () -> { };
  private HttpServer master;

  @BeforeEach
  void startMaster() {
    // Answers "held" questions only when the test releases them; allows everything.
    master = Clients.await(Clients.VERTX.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      JsonObject question = body.toJsonObject();
      bodies.add(question);
      asked.computeIfAbsent(question.getString("collection"), c -> new AtomicInteger()).incrementAndGet();
      if (question.getString("collection").equals("held")) {
        held.add(request);
        heldArrival.flag();
      } else {
        request.response().end("{\"allow\": true}");
      }
    })).listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stopMaster() {
    Clients.await(master.close());
  }

  private AuthorizationCallback callback(int cacheSize) {
    return onLoop(() -> Future.succeededFuture(new AuthorizationCallback(Clients.VERTX, CrowdwireConfig.Permissions.parse(
      List.of(), Map.of(), "", "http://127.0.0.1:" + master.actualPort() + "/authorize", 5000, 60_000, cacheSize))));
  }

  private <T> T onLoop(Supplier<Future<T>> call) {
    Promise<T> result = Promise.promise();
    loop.runOnContext(ignored -> call.get().onComplete(result));
    return Clients.await(result.future());
  }

  private int asked(String collection) {
    AtomicInteger count = asked.get(collection);
    return count == null ? 0 : count.get();
  }

  @Test
  void identicalQuestionsInFlightShareOneRequestAndTheFilterMakesAnother(VertxTestContext testContext)
    throws InterruptedException {
    heldArrival = testContext.laxCheckpoint(2);
    AuthorizationCallback callback = callback(100);
    List<Future<Boolean>> verdicts = onLoop(() -> Future.succeededFuture(List.of(
      callback.allows(USER, "postgres", "held", null, callback.callCount()),
      callback.allows(USER, "postgres", "held", null, callback.callCount()),
      callback.allows(USER, "postgres", "held", "published = true", callback.callCount()))));
    assertThat(testContext.awaitCompletion(10, TimeUnit.SECONDS)).as("two questions held by the master").isTrue();
    assertThat(asked("held")).as("one request for the two identical questions, one for the filtered one").isEqualTo(2);
    assertThat(bodies).extracting(body -> body.getValue("filter")).containsExactlyInAnyOrder(null, "published = true");
    assertThat(bodies).allSatisfy(body -> assertThat(body.getString("token")).isEqualTo("token-of-u1"));
    held.forEach(request -> request.response().end("{\"allow\": true}"));
    assertThat(verdicts).allSatisfy(verdict -> assertThat(Clients.await(verdict)).isTrue());
    assertThat(onLoop(() -> callback.allows(USER, "postgres", "held", null, callback.callCount()))).isTrue();
    assertThat(asked("held")).as("remembered now").isEqualTo(2);
  }

  @Test
  void atMostTheConfiguredNumberOfVerdictsIsRememberedTheLeastRecentlyUsedGoesFirst() {
    AuthorizationCallback callback = callback(2);
    for (String collection : List.of("a", "b", "c")) {
      assertThat(onLoop(() -> callback.allows(USER, "postgres", collection, null, callback.callCount()))).isTrue();
    }
    assertThat(onLoop(() -> callback.allows(USER, "postgres", "c", null, callback.callCount()))).isTrue();
    assertThat(onLoop(() -> callback.allows(USER, "postgres", "b", null, callback.callCount()))).isTrue();
    assertThat(asked("b") + asked("c")).as("both still remembered").isEqualTo(2);
    assertThat(onLoop(() -> callback.allows(USER, "postgres", "a", null, callback.callCount()))).isTrue();
    assertThat(asked("a")).as("dropped as the least recently used, so asked again").isEqualTo(2);
  }

  /** A filter is part of the question, so a client that changes it every time misses the cache every time. */
  @Test
  void aConnectionAsksAtMostItsQuestionsPerMinuteAndRememberedVerdictsCostNone() {
    AuthorizationCallback callback = callback(1_000);
    WindowCount connection = callback.callCount();
    int limit = CrowdwireConfig.Permissions.DEFAULT_CALLBACK_CALLS_PER_MINUTE;
    for (int i = 0; i < limit; i++) {
      String filter = "v = " + i;
      assertThat(onLoop(() -> callback.allows(USER, "postgres", "quota", filter, connection))).isTrue();
    }
    assertThat(onLoop(() -> callback.allows(USER, "postgres", "quota", "v = 0", connection))).as("remembered").isTrue();
    int attempts = 500;
    int refused = 0;
    for (int i = limit; i < limit + attempts; i++) {
      String filter = "v = " + i;
      Throwable failure = onLoop(() -> callback.allows(USER, "postgres", "quota", filter, connection)
        .transform(verdict -> Future.succeededFuture(verdict.cause())));
      assertThat(failure).isInstanceOf(AccessDenied.class).hasMessageContaining("per minute from this connection");
      assertThat(((AccessDenied) failure).code()).isEqualTo(ErrorCode.RATE_LIMITED);
      refused++;
    }
    System.out.println("questions to the master from one connection varying its filter: " + asked("quota") + " asked, "
      + refused + " of " + (limit + attempts) + " refused without asking");
    assertThat(asked("quota")).isEqualTo(limit);
    assertThat(onLoop(() -> callback.allows(USER, "postgres", "quota", "v = -1", callback.callCount())))
      .as("another connection has its own budget").isTrue();
  }
}
