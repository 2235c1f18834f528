package io.crowdwire.cluster;

import io.crowdwire.Crowdwire;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.Deadline;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.ResumingClient;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three instances in one Hazelcast cluster on loopback (static member list), on one Redis: what the cluster gives
 * users, asked of any member: the region's members and counts in /health, presence, and disconnecting a subject
 * everywhere; and a reconnect storm across the members (its time is printed, not asserted).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();
  private final List<Crowdwire> members = new ArrayList<>();
  private final List<Integer> memberPorts = new ArrayList<>();
  private final List<WsClient> clients = new ArrayList<>();

  @BeforeAll
  void start() {
    redis = RedisProcess.start();
    IntStream.range(0, 4).forEach(i -> memberPorts.add(RedisProcess.freePort()));
    for (int i = 0; i < 3; i++) {
      members.add(fleet.start(member(i)));
    }
    awaitHealth(members.get(0), health -> health.getInteger("members") == 3);
  }

  /** Member {@code i} of the cluster; the fourth port is for a member that joins later. */
  private io.crowdwire.config.CrowdwireConfig member(int i) {
    return TestConfig.clustered(redis.url(), memberPorts.get(i), RedisProcess.freePort(), memberPorts);
  }

  @AfterEach
  void closeClients() {
    clients.forEach(WsClient::close);
    clients.clear();
    awaitHealth(members.get(0), health -> health.getJsonObject("region").getInteger("connections") == 0);
  }

  @AfterAll
  void stop() {
    fleet.close();
    redis.close();
  }

  private WsClient client(int member, String subject, String token) {
    WsClient client = WsClient.open(members.get(member).port(), "/api/realtime?db=postgres&auth=" + token);
    clients.add(client);
    return client;
  }

  private WsClient subscribed(int member, String subject, String collection) {
    WsClient client = client(member, subject, Tokens.user(subject));
    client.subscribed(collection, null);
    return client;
  }

  private static JsonObject health(Crowdwire on) {
    HttpResponse<Buffer> response = Clients.get(on.port(), "/health");
    assertThat(response.statusCode()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private static JsonObject awaitHealth(Crowdwire on, Predicate<JsonObject> wanted) {
    return await("/health to get there").atMost(WAIT).pollInterval(Duration.ofMillis(50))
      .until(() -> health(on), wanted::test);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static HttpResponse<Buffer> presence(Crowdwire on, String path, String token) {
    var request = Clients.HTTP.get(on.port(), "127.0.0.1", path);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return Clients.await(request.send());
  }

  private static HttpResponse<Buffer> disconnect(Crowdwire on, String token, String body) {
    var request = Clients.HTTP.post(on.port(), "127.0.0.1", "/admin/disconnect").putHeader("Content-Type", "application/json");
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return Clients.await(request.sendBuffer(Buffer.buffer(body)));
  }

  @Test
  void healthOnAnyMemberReportsTheMembersAndTheRegionsConnectionsAndSubscriptions() {
    subscribed(0, "a1", "orders");
    subscribed(0, "a2", "orders");
    subscribed(1, "b1", "orders");
    WsClient twice = subscribed(2, "c1", "orders");
    twice.subscribed("invoices", null);
    client(2, "c2", Tokens.user("c2"));

    for (Crowdwire member : members) {
      JsonObject health = awaitHealth(member, h -> h.getJsonObject("region").getInteger("connections") == 5);
      assertThat(health.getBoolean("clustered")).isTrue();
      assertThat(health.getInteger("members")).isEqualTo(3);
      assertThat(health.getJsonObject("region").getInteger("subscriptions")).isEqualTo(5);
      assertThat(health.getJsonObject("region").getJsonArray("unreachable")).isEmpty();
    }
    // The seed's own fields stay this instance's.
    assertThat(health(members.get(0)).getInteger("clients")).isEqualTo(2);
    assertThat(health(members.get(2)).getInteger("clients")).isEqualTo(2);
    // The management port answers the same.
    JsonObject management = Clients.get(members.get(1).state().managementPort(), "/health").bodyAsJsonObject();
    assertThat(management.getJsonObject("region").getInteger("connections")).isEqualTo(5);
  }

  @Test
  void presenceListsTheSubjectsSubscribedToACollectionOnEveryMember() {
    subscribed(0, "alice", "room-1");
    subscribed(2, "bob", "room-1");
    subscribed(2, "bob", "room-1");
    subscribed(1, "carol", "room-2");

    HttpResponse<Buffer> response = presence(members.get(1), "/api/presence/postgres/room-1", Tokens.user("dave"));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getJsonArray("subjects").getList()).containsExactly("alice", "bob");
    assertThat(body.getJsonArray("connections")).hasSize(3);
    assertThat(body.getInteger("members")).isEqualTo(3);
    assertThat(body.getJsonArray("unreachable")).isEmpty();

    assertThat(presence(members.get(0), "/api/presence/other-db/room-1", Tokens.user("dave")).bodyAsJsonObject()
      .getJsonArray("subjects")).isEmpty();
    assertThat(presence(members.get(0), "/api/presence/postgres/room-1", null).statusCode()).isEqualTo(401);
    assertThat(presence(members.get(0), "/api/presence/postgres/room-1", "not-a-jwt").statusCode()).isEqualTo(401);
    HttpResponse<Buffer> bad = presence(members.get(0), "/api/presence/postgres/-room", Tokens.user("dave"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getJsonObject("error").getString("field")).isEqualTo("collection");
  }

  @Test
  void adminDisconnectClosesTheSubjectEverywhereAndRefusesItsOlderTokens() {
    String malloryToken = Tokens.user("mallory");
    WsClient onFirst = client(0, "mallory", malloryToken);
    WsClient onThird = client(2, "mallory", malloryToken);
    onThird.subscribed("orders", null);
    WsClient bob = subscribed(1, "bob", "orders");

    HttpResponse<Buffer> response = disconnect(members.get(1), Tokens.admin(), "{\"subject\":\"mallory\"}");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getInteger("disconnected")).isEqualTo(2);
    assertThat(body.getBoolean("revoked")).isTrue();
    assertThat(body.getInteger("members")).isEqualTo(3);
    assertThat(onFirst.awaitClose(WAIT)).isEqualTo(CloseCodes.REVOKED);
    assertThat(onThird.awaitClose(WAIT)).isEqualTo(CloseCodes.REVOKED);

    // Everyone else is untouched and still served.
    Clients.webhook(members.get(0).port(), "orders", new JsonObject().put("id", "after-revocation"));
    assertThat(bob.events(1, WAIT).get(0).getJsonObject("data").getJsonObject("record").getString("id")).isEqualTo("after-revocation");

    // The revoked token is refused on every member, and on one that joins afterwards.
    for (Crowdwire member : members) {
      assertThat(WsClient.rejection(member.port(), "/api/realtime?db=postgres&auth=" + malloryToken)).isEqualTo(401);
    }
    Crowdwire late = fleet.start(member(3));
    awaitHealth(late, health -> health.getInteger("members") == 4);
    assertThat(WsClient.rejection(late.port(), "/api/realtime?db=postgres&auth=" + malloryToken)).isEqualTo(401);
    Clients.await(late.stop());
    awaitHealth(members.get(0), health -> health.getInteger("members") == 3);

    // A token issued after the revocation (iat has whole seconds) is accepted.
    sleep(1_100);
    String fresh = Tokens.user("mallory");
    client(2, "mallory", fresh).subscribed("orders", null);
  }

  @Test
  void adminDisconnectRefusesWhatItShould() {
    assertThat(disconnect(members.get(0), null, "{\"subject\":\"x\"}").statusCode()).isEqualTo(401);
    assertThat(disconnect(members.get(0), Tokens.user("x"), "{\"subject\":\"x\"}").statusCode()).isEqualTo(403);
    assertThat(disconnect(members.get(0), Tokens.webhook(), "{\"subject\":\"x\"}").statusCode()).isEqualTo(403);
    HttpResponse<Buffer> noSubject = disconnect(members.get(0), Tokens.admin(), "{\"subject\":\"\"}");
    assertThat(noSubject.statusCode()).isEqualTo(400);
    assertThat(noSubject.bodyAsJsonObject().getJsonObject("error").getString("field")).isEqualTo("subject");
    assertThat(disconnect(members.get(0), Tokens.admin(), "{\"subject\":\"x\",\"revoke\":\"yes\"}").statusCode())
      .isEqualTo(400);
    assertThat(disconnect(members.get(0), Tokens.admin(), "not json").statusCode()).isEqualTo(400);
    assertThat(disconnect(members.get(0), Tokens.admin(), "[1]").statusCode()).isEqualTo(400);
    assertThat(disconnect(members.get(0), Tokens.admin(), "x".repeat(5000)).statusCode()).isEqualTo(413);

    // Without revocation, the same token may come straight back.
    String token = Tokens.user("erin");
    WsClient erin = client(0, "erin", token);
    HttpResponse<Buffer> kept = disconnect(members.get(2), Tokens.admin(), "{\"subject\":\"erin\",\"revoke\":false}");
    assertThat(kept.bodyAsJsonObject().getInteger("disconnected")).isEqualTo(1);
    assertThat(erin.awaitClose(WAIT)).isEqualTo(CloseCodes.REVOKED);
    client(1, "erin", token).subscribed("orders", null);
  }

  @Test
  void aReconnectStormOf2000ClientsAcrossTheMembersCatchesUpWithNothingLostOrDoubled() {
    String before = Clients.webhook(members.get(0).port(), "storm", new JsonObject().put("id", "before"))
      .bodyAsJsonObject().getString("id");
    List<String> missed = new ArrayList<>();
    for (int n = 0; n < 100; n++) {
      missed.add(Clients.webhook(members.get(n % 3).port(), "storm", new JsonObject().put("id", "m" + n))
        .bodyAsJsonObject().getString("id"));
    }
    // 2,000 clients come back at once, spread over the members, each 100 events behind.
    long start = System.currentTimeMillis();
    List<ResumingClient> storm = new ArrayList<>();
    for (int c = 0; c < 2_000; c++) {
      int port = members.get(c % 3).port();
      storm.add(new ResumingClient(() -> port, "storm", before, Duration.ofSeconds(3)).start());
    }
    try {
      Deadline.reached(Duration.ofSeconds(60), Duration.ofMillis(20),
        () -> storm.stream().allMatch(client -> client.count() >= missed.size()));
      long caughtUpMs = System.currentTimeMillis() - start;
      sleep(300); // late doubles, if any, have time to arrive
      long lost = storm.stream().mapToLong(client -> missed.stream().filter(id -> !client.ids().contains(id)).count()).sum();
      long duplicated = storm.stream().mapToLong(client -> client.ids().size() - client.ids().stream().distinct().count()).sum();
      long reconnects = storm.stream().mapToLong(client -> client.connects() - 1).sum();
      System.out.printf("reconnect storm through the cluster: 2000 clients x 100 events behind, all caught up in %d ms,"
        + " lost=%d duplicated=%d extra reconnects=%d%n", caughtUpMs, lost, duplicated, reconnects);
      assertThat(lost).as("events lost over 2,000 clients").isZero();
      assertThat(duplicated).as("events doubled over 2,000 clients").isZero();
      assertThat(storm).allSatisfy(client -> assertThat(client.ids()).containsExactlyElementsOf(missed));
    } finally {
      storm.forEach(ResumingClient::close);
    }
  }
}
