package io.crowdwire.documents;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.Resp;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The document API on Redis, two instances on one Redis: Bytecrowds' hash layout, the lock raced from both
 * instances, coalesced writes, and what a graceful stop does with a write still coalescing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisDocumentApiTest extends DocumentApiContract {

  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();
  private Crowdwire first;
  private Crowdwire second;

  @BeforeAll
  void start() {
    redis = fleet.redis(false);
    first = fleet.start(config(100));
    second = fleet.start(config(100));
  }

  private CrowdwireConfig config(long writeMs) {
    CrowdwireConfig base = TestConfig.redis(redis.url());
    CrowdwireConfig.Documents documents = base.documents();
    return base.withDocuments(new CrowdwireConfig.Documents(writeMs, true, MAX_TEXT_BYTES, documents.maxUpdateBytes(),
      documents.messagesPerSecond(), documents.maxStoredBytes(), documents.compactBytes()));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  @Override
  int first() {
    return first.port();
  }

  @Override
  int second() {
    return second.port();
  }

  @Test
  void documentsAreBytecrowdsHashesAndAnExistingOneIsServed() {
    String name = fresh();
    assertText(update(first(), null, new JsonObject().put("name", name).put("text", "print(1)").put("language", "python")),
      200, "success");
    assertThat(Resp.command(redis.port(), "HGETALL", "bytecrowd:{" + name + "}"))
      .isEqualTo(List.of("text", "print(1)", "language", "python"));

    // Written by Bytecrowds itself: locked with a JSON array, as its API stored it.
    String theirs = fresh();
    Resp.command(redis.port(), "HSET", "bytecrowd:{" + theirs + "}", "text", "hello", "language", "rust",
      "authorizedEmails", "[\"alice@example.com\"]");
    assertThat(read(second(), theirs, alice())).isEqualTo(new JsonObject().put("name", theirs).put("text", "hello")
      .put("language", "rust").put("authorized", true));
    assertText(get(first(), "/api/bytecrowds/" + theirs, bob()), 401, "you need to be authorized to execute this operation");

    // A lock that is not a list of e-mails locks everyone out rather than letting everyone in.
    String garbled = fresh();
    Resp.command(redis.port(), "HSET", "bytecrowd:{" + garbled + "}", "text", "x", "authorizedEmails", "alice");
    assertText(get(first(), "/api/bytecrowds/" + garbled, alice()), 401, "you need to be authorized to execute this operation");
    assertText(update(second(), alice(), new JsonObject().put("name", garbled).put("text", "y")), 401,
      "you need to be authorized to execute this operation");
  }

  @Test
  void ofTwoLocksRacingOnTwoInstancesExactlyOneWins() {
    for (int round = 0; round < 20; round++) {
      String name = fresh();
      List<Future<HttpResponse<Buffer>>> racing = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int port = i % 2 == 0 ? first() : second();
        racing.add(postAsync(port, "/api/authorize", i % 2 == 0 ? alice() : bob(), new JsonObject().put("name", name)
          .put("emails", new JsonArray().add(i % 2 == 0 ? "alice@example.com" : "bob@example.org")).toBuffer()));
      }
      List<HttpResponse<Buffer>> answers = Clients.await(Future.all(racing)).list();
      assertThat(answers).extracting(HttpResponse::statusCode).as("round " + round).containsOnly(200, 401);
      assertThat(answers.stream().filter(answer -> answer.statusCode() == 200)).as("round " + round).hasSize(1);
      answers.stream().filter(answer -> answer.statusCode() == 401)
        .forEach(answer -> assertThat(answer.bodyAsString()).isEqualTo("cannot update existing authorization"));
      int winner = IntStream.range(0, 4).filter(i -> answers.get(i).statusCode() == 200).findFirst().orElseThrow();
      String winnersEmail = winner % 2 == 0 ? "alice@example.com" : "bob@example.org";
      assertThat(Resp.command(redis.port(), "HGET", "bytecrowd:{" + name + "}", "authorizedEmails"))
        .isEqualTo(new JsonArray().add(winnersEmail).encode());
    }
  }

  @Test
  void updatesInOneWindowAreOneWriteOfTheLastValue() {
    String name = fresh();
    assertText(update(first(), null, new JsonObject().put("name", name).put("text", "v0")), 200, "success");
    long writesBefore = scriptCalls();
    // Sent one after another on one connection: the instance takes them in this order.
    List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      burst.add(postAsync(first(), "/api/update", null,
        new JsonObject().put("name", name).put("text", "v" + i).toBuffer()));
    }
    List<HttpResponse<Buffer>> answers = Clients.await(Future.all(burst)).list();
    assertThat(answers).allSatisfy(answer -> assertText(answer, 200, "success"));
    long writes = scriptCalls() - writesBefore;
    assertThat(writes).as("writes for 50 updates that came within about one window").isBetween(1L, 5L);
    assertThat(Resp.command(redis.port(), "HGET", "bytecrowd:{" + name + "}", "text"))
      .as("what every update was answered for is stored: the hash and the API agree")
      .isEqualTo(read(second(), name, null).getString("text"));
  }

  @Test
  void aGracefulStopWritesWhatIsStillCoalescing() {
    Crowdwire slow = Clients.await(Crowdwire.start(config(10_000)));
    String name = fresh();
    assertText(update(slow.port(), null, new JsonObject().put("name", name).put("text", "first")), 200, "success");
    // Within the window of the first write: coalescing for ten seconds, unless the instance stops.
    Future<HttpResponse<Buffer>> second = postAsync(slow.port(), "/api/update", null,
      new JsonObject().put("name", name).put("text", "second").toBuffer());
    pause(300);
    assertThat(Resp.command(redis.port(), "HGET", "bytecrowd:{" + name + "}", "text")).isEqualTo("first");
    Clients.await(slow.stop());
    assertThat(Resp.command(redis.port(), "HGET", "bytecrowd:{" + name + "}", "text")).isEqualTo("second");
    assertText(Clients.await(second), 200, "success");
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How many times Redis ran a script (the document write is one). */
  private long scriptCalls() {
    String stats = (String) Resp.command(redis.port(), "INFO", "commandstats");
    return stats.lines().filter(line -> line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:"))
      .mapToLong(line -> Long.parseLong(line.replaceAll("^cmdstat_\\w+:calls=(\\d+),.*", "$1"))).sum();
  }
}
