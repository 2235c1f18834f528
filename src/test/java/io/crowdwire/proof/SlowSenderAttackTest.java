package io.crowdwire.proof;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients without credentials holding memory and connections by sending slowly (docs/security.md, "Hardening: HTTP
 * edge"), from other loopback addresses than the genuine sender's: bodies of 1 MB trickled in without credentials, or
 * with a signature header that needs the body, and requests whose headers never end. Meanwhile a genuine sender's
 * webhooks and /ready are answered, the heap stays bounded, and every slow connection is closed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowSenderAttackTest {

  private static final int BODY_BYTES = 1 << 20;
  private static final int UNSIGNED_SENDERS = 300;
  private static final int SIGNED_SENDERS = 40;
  private static final int HALF_SENT = 500;
  private static final int CHUNK = 16 * 1024;
  private static final int ROUNDS = 32;
  private static final long BUDGET = 4L << 20;
  private static final long HEAP_GROWTH_BOUND = 64L << 20;
  private static final long CLOSE_DEADLINE_MS = 30_000;

  private final TestFleet fleet = new TestFleet();
  /** No keep-alive: the genuine sender's timings are of its requests, not of reused connections the server closed. */
  private final WebClient genuine = WebClient.create(Clients.VERTX, new WebClientOptions().setKeepAlive(false));
  private Crowdwire instance;

  @BeforeAll
  void start() {
    instance = fleet.start(TestConfig.embedded(Map.of("WEBHOOK_SCHEMES", "jwt,github", "WEBHOOK_GITHUB_SECRETS", "s3cret",
      "HTTP_HEADER_TIMEOUT_MS", "1000", "SOCKJS_HEARTBEAT_MS", "1000", "HTTP_IDLE_TIMEOUT_MS", "3000",
      "UNAUTHENTICATED_BODY_BYTES", Long.toString(BUDGET))));
  }

  @AfterAll
  void stop() {
    genuine.close();
    fleet.close();
  }

  @Test
  void slowBodiesAndHalfSentRequestsWithoutCredentialsHoldNeitherMemoryNorConnections() throws Exception {
    long heapBefore = Heap.usedAfterGc();
    List<Attacker> unsigned = open(UNSIGNED_SENDERS, "127.0.0.2", webhookHeaders(""));
    List<Attacker> signed = open(SIGNED_SENDERS, "127.0.0.3", webhookHeaders("X-Hub-Signature-256: sha256=00ff\r\n"));
    List<Attacker> halfSent = open(HALF_SENT, "127.0.0.4", "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    List<Long> webhookMs = Collections.synchronizedList(new ArrayList<>());
    List<Long> readyMs = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean attacking = new AtomicBoolean(true);
    Thread sender = new Thread(() -> {
      Buffer event = Clients.event("attacked", "create", new JsonObject().put("id", "r1")).toBuffer();
      while (attacking.get()) {
        webhookMs.add(timed(() -> genuine.post(instance.port(), "127.0.0.1", "/webhook")
          .putHeader("Authorization", "Bearer " + Tokens.webhook()).putHeader("Content-Type", "application/json")
          .sendBuffer(event), 200));
        readyMs.add(timed(() -> genuine.get(instance.port(), "127.0.0.1", "/ready").send(), 200));
      }
    });
    sender.start();
    long heapDuring;
    try {
      byte[] chunk = new byte[CHUNK];
      java.util.Arrays.fill(chunk, (byte) ' ');
      for (int round = 0; round < ROUNDS; round++) {
        for (Attacker attacker : unsigned) {
          attacker.send(chunk);
        }
        for (Attacker attacker : signed) {
          attacker.send(chunk);
        }
        for (Attacker attacker : halfSent) {
          attacker.send(new byte[] {'x'});
        }
        Thread.sleep(50);
      }
      heapDuring = Heap.usedAfterGc();
    } finally {
      attacking.set(false);
      sender.join();
    }
    long closing = System.currentTimeMillis();
    Map<String, Integer> answers = new TreeMap<>();
    for (List<Attacker> group : List.of(unsigned, signed, halfSent)) {
      for (Attacker attacker : group) {
        answers.merge(attacker.group + " " + attacker.awaitClosed(closing + CLOSE_DEADLINE_MS), 1, Integer::sum);
      }
    }
    long closedMs = System.currentTimeMillis() - closing;
    System.out.printf("heap in use: %d MB before, %d MB during the attack (%d slow senders, %d half-sent requests)%n",
      heapBefore >> 20, heapDuring >> 20, UNSIGNED_SENDERS + SIGNED_SENDERS, HALF_SENT);
    System.out.println("what the slow connections got before they were closed: " + answers + "; all closed "
      + closedMs + " ms after the attack stopped sending");
    System.out.println("genuine sender during the attack: " + summary("webhook", webhookMs) + ", " + summary("/ready", readyMs));
    assertThat(answers.keySet()).as("every slow connection closed").noneMatch(answer -> answer.endsWith("open"));
    assertThat(answers.keySet().stream().filter(answer -> answer.startsWith("unsigned")))
      .as("refused at the headers: no credentials (or over the per-address cap)")
      .allMatch(answer -> answer.endsWith("401 UNAUTHORIZED") || answer.endsWith("429 LIMIT_EXCEEDED"));
    assertThat(answers.keySet().stream().filter(answer -> answer.startsWith("signed")))
      .as("read within the budget, the rest refused").allMatch(answer -> answer.endsWith("503 UNAVAILABLE")
        || answer.endsWith("closed without an answer"));
    assertThat(answers.getOrDefault("signed 503 UNAVAILABLE", 0)).as("over the budget of " + BUDGET + " bytes")
      .isGreaterThanOrEqualTo(SIGNED_SENDERS - (int) (BUDGET / BODY_BYTES));
    assertThat(answers.keySet().stream().filter(answer -> answer.startsWith("half-sent")))
      .containsExactly("half-sent closed without an answer");
    assertThat(heapDuring - heapBefore).as("heap held by the attack").isLessThan(HEAP_GROWTH_BOUND);
    assertThat(webhookMs).as("genuine webhooks answered 200 throughout").isNotEmpty().doesNotContain(-1L);
    assertThat(readyMs).as("/ready answered 200 throughout").isNotEmpty().doesNotContain(-1L);
  }

  @Test
  void aClientAddressHoldsAtMostItsCapOfRequestsWithABodyWhileOthersAreServed() throws Exception {
    int cap = 4;
    Crowdwire capped = fleet.start(TestConfig.embedded(Map.of("WEBHOOK_SCHEMES", "jwt,github",
      "WEBHOOK_GITHUB_SECRETS", "s3cret", "HTTP_REQUESTS_PER_IP", Integer.toString(cap))));
    String headers = "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      + "Content-Length: 2\r\nX-Hub-Signature-256: sha256=00ff\r\n\r\n";
    List<Attacker> senders = new ArrayList<>();
    for (int i = 0; i < 2 * cap; i++) {
      senders.add(new Attacker("capped", "127.0.0.5", capped.port(), headers));
    }
    // The refusals come at the headers; once `cap` are refused, the others hold the address's slots.
    await(cap + " senders refused").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10))
      .until(() -> senders.stream().filter(Attacker::answered).count() >= cap);
    int genuineStatus = Clients.webhook(capped.port(), "capped", new JsonObject().put("id", "g1")).statusCode();
    for (Attacker sender : senders) {
      sender.send("{}".getBytes(StandardCharsets.US_ASCII));
    }
    Map<String, Integer> answers = new TreeMap<>();
    for (Attacker sender : senders) {
      answers.merge(sender.awaitClosed(System.currentTimeMillis() + CLOSE_DEADLINE_MS), 1, Integer::sum);
    }
    System.out.println(2 * cap + " senders with a body from one address, cap " + cap + ": " + answers
      + "; a webhook from another address got " + genuineStatus);
    assertThat(answers).containsOnly(Map.entry("429 LIMIT_EXCEEDED", cap), Map.entry("401 UNAUTHORIZED", cap));
    assertThat(genuineStatus).isEqualTo(200);
  }

  // ---------------------------------------------------------------------------------------------- helpers

  private static String webhookHeaders(String credentials) {
    return "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + BODY_BYTES
      + "\r\n" + credentials + "\r\n";
  }

  private List<Attacker> open(int count, String from, String prelude) throws IOException {
    String group = from.endsWith(".2") ? "unsigned" : from.endsWith(".3") ? "signed" : "half-sent";
    List<Attacker> attackers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      attackers.add(new Attacker(group, from, instance.port(), prelude));
    }
    return attackers;
  }

  /** The request's milliseconds, or -1 if it did not get {@code status}. */
  private static long timed(java.util.function.Supplier<io.vertx.core.Future<HttpResponse<Buffer>>> request, int status) {
    long started = System.nanoTime();
    try {
      HttpResponse<Buffer> response = Clients.await(request.get());
      return response.statusCode() == status ? (System.nanoTime() - started) / 1_000_000 : -1;
    } catch (RuntimeException | AssertionError failed) {
      return -1;
    }
  }

  private static String summary(String what, List<Long> millis) {
    List<Long> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    return what + " " + sorted.size() + " answered, median " + sorted.get(sorted.size() / 2) + " ms, max "
      + sorted.get(sorted.size() - 1) + " ms";
  }

  /** A raw client from a loopback address of its own: it sends its prelude, then what it is told to, slowly. */
  private static final class Attacker {

    private final String group;
    private final Socket socket = new Socket();
    private final OutputStream out;
    private final InputStream in;
    private final StringBuilder received = new StringBuilder();
    private boolean done;

    Attacker(String group, String from, int port, String prelude) throws IOException {
      this.group = group;
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port));
      out = socket.getOutputStream();
      in = socket.getInputStream();
      out.write(prelude.getBytes(StandardCharsets.US_ASCII));
    }

    /** Sends more unless it was answered or cut off. */
    void send(byte[] bytes) {
      try {
        collect();
        if (!done && received.isEmpty()) {
          out.write(bytes);
        }
      } catch (IOException cut) {
        done = true;
      }
    }

    /** Whether the server has answered (or cut it off) by now. */
    boolean answered() {
      try {
        collect();
      } catch (IOException cut) {
        done = true;
      }
      return done || !received.isEmpty();
    }

    private void collect() throws IOException {
      while (!done && in.available() > 0) {
        int read = in.read();
        if (read < 0) {
          done = true;
        } else {
          received.append((char) read);
        }
      }
    }

    /** What it got (status and error code), once the server closed it; "open" if it had not by the deadline. */
    String awaitClosed(long deadline) {
      try {
        socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
        byte[] buffer = new byte[4096];
        for (int read; (read = in.read(buffer)) >= 0; ) {
          received.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
        }
      } catch (SocketTimeoutException stillOpen) {
        close();
        return "open";
      } catch (IOException reset) {
        // closed
      }
      close();
      String text = received.toString();
      if (!text.startsWith("HTTP/1.1 ")) {
        return "closed without an answer";
      }
      int body = text.indexOf("\r\n\r\n");
      String code = body < 0 ? "?" : new JsonObject(text.substring(body + 4)).getJsonObject("error").getString("code");
      return text.substring(9, 12) + " " + code;
    }

    private void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // gone already
      }
    }
  }
}
