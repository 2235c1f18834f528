package io.crowdwire.proof;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code ~} attack of issue 11 on a running instance: subscriptions whose filters made each evaluation cost text
 * length times pattern length over records with 100 KB of text, which held the event loops for seconds. The filter
 * as found is now refused when parsed; the costliest ones the budget admits (the widest pattern, a record field as
 * the pattern) run within it and still deliver what matches, and another client's PING round trip is printed while
 * the same records are posted without and with them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CostlyFilterAttackTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String COLLECTION = "documents";
  private static final int ATTACKERS = 6;
  private static final int RECORDS = 30;
  private static final String TEXT = "b".repeat(100_000);
  /** As found: one segment of nearly 2,000 wildcards, compared at each of the text's places. */
  private static final String AS_FOUND = "text ~ '%" + "_".repeat(1_980) + "a%'";
  /** The widest pattern within the budget, and a field of the record as the pattern. */
  private static final String WIDEST = "text ~ '%" + "_".repeat(1_000) + "a%'";
  private static final String FIELD = "text ~ pattern && text ~ pattern && text ~ pattern";

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;

  @BeforeAll
  void start() {
    // The bystander pings back to back, faster than the message rate allows: off, so that every PING is answered.
    instance = fleet.start(TestConfig.embedded(Map.of("MESSAGES_PER_SECOND_PER_CONNECTION", "0")));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  @Test
  void costlyFiltersAreRefusedOrBoundedAndAnotherClientsRoundTripIsUnaffected() {
    WsClient control = fleet.client(instance, "postgres", "bystander");
    // The same records first without any filtered subscriber: what storing and relaying them costs by itself.
    List<Long> without = roundTripsWhilePosting(control);
    List<WsClient> attackers = new ArrayList<>();
    for (int i = 0; i < ATTACKERS; i++) {
      WsClient attacker = fleet.client(instance, "postgres", "attacker" + i);
      attacker.send(subscribe(AS_FOUND));
      JsonObject refused = attacker.next(WAIT);
      assertThat(refused.getString("code")).as(refused.encode()).isEqualTo("INVALID_FIELD");
      assertThat(refused.getString("message")).startsWith("filter: too costly");
      attacker.send(subscribe(i % 2 == 0 ? WIDEST : FIELD));
      assertThat(attacker.next(WAIT).getString("type")).isEqualTo("SUBSCRIBED");
      attackers.add(attacker);
    }
    List<Long> during = roundTripsWhilePosting(control);
    // Then a record every filter matches: it comes after every costly evaluation, and alone.
    JsonObject matching = new JsonObject().put("id", "match").put("text", "b".repeat(2_000) + "a")
      .put("pattern", "%" + "_".repeat(200) + "a%");
    String matchId = Clients.webhook(instance.port(), COLLECTION, matching).bodyAsJsonObject().getString("id");
    for (WsClient attacker : attackers) {
      assertThat(attacker.events(1, WAIT)).extracting(e -> e.getString("id")).containsExactly(matchId);
    }
    during.addAll(roundTrips(control, 5));

    System.out.println("PING round trip of another client while " + RECORDS + " records of 100 KB text are posted:"
      + " without filtered subscribers median " + millis(median(without)) + " ms, max " + millis(Collections.max(without))
      + " ms (" + without.size() + " pings); with " + ATTACKERS + " costly subscriptions median " + millis(median(during))
      + " ms, max " + millis(Collections.max(during)) + " ms (" + during.size() + " pings)");
    assertThat(Clients.get(instance.port(), "/health").bodyAsJsonObject().getString("status")).isEqualTo("ok");
  }

  /** Posts the records that match no attacker's filter (every evaluation reads all the text it may), pinging meanwhile. */
  private List<Long> roundTripsWhilePosting(WsClient control) {
    JsonObject record = new JsonObject().put("text", TEXT).put("pattern", "%" + "_".repeat(50_000) + "a%");
    List<Future<HttpResponse<Buffer>>> posted = new ArrayList<>();
    for (int i = 0; i < RECORDS; i++) {
      posted.add(Clients.webhookAsync(instance.port(), Clients.event(COLLECTION, "create", record.copy().put("id", "r" + i))
        .toBuffer(), "application/json", Map.of("Authorization", "Bearer " + Tokens.webhook())));
    }
    List<Long> trips = new ArrayList<>();
    while (trips.size() < 20 || !Future.all(posted).isComplete()) {
      trips.add(roundTrip(control));
    }
    posted.forEach(response -> assertThat(Clients.await(response, WAIT).statusCode()).isEqualTo(200));
    return trips;
  }

  private static JsonObject subscribe(String filter) {
    return new JsonObject().put("type", "SUBSCRIBE").put("collection", COLLECTION).put("filter", filter);
  }

  private static List<Long> roundTrips(WsClient client, int count) {
    List<Long> trips = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      trips.add(roundTrip(client));
    }
    return trips;
  }

  private static long roundTrip(WsClient client) {
    long start = System.nanoTime();
    client.send(new JsonObject().put("type", "PING"));
    assertThat(client.next(WAIT).getString("type")).isEqualTo("PONG");
    return System.nanoTime() - start;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  private static String millis(long nanos) {
    return String.format("%.1f", nanos / 1e6);
  }
}
