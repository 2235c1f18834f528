package io.crowdwire.cluster;

import io.crowdwire.bus.Addresses;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The event bus between members with TLS and client certificates (CLUSTER_TLS_*), against an intruder on loopback
 * that joins Hazelcast (which has no authentication in its open-source edition) and then asks the members, on the
 * event bus, to disconnect and revoke a user: once with a certificate of another CA, once without TLS at all. The
 * two members with certificates of the cluster's CA work together; the intruder's requests fail, and the user stays
 * connected and unrevoked. Certificates are made by openssl at test time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTlsTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private Path dir;
  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();
  private final List<Integer> memberPorts = new ArrayList<>();
  private final List<Crowdwire> members = new ArrayList<>();
  private final List<WsClient> clients = new ArrayList<>();
  /** Certificate, key and trusted CAs of a member, and of the intruder. */
  private Path[] member;
  private Path[] stranger;

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("crowdwire-cluster-tls");
    Path clusterCa = authority("cluster-ca");
    Path otherCa = authority("other-ca");
    // The intruder presents a certificate of its own CA and trusts both, so only the members' check stops it.
    Path bothCas = dir.resolve("both-ca.pem");
    Files.writeString(bothCas, Files.readString(clusterCa) + Files.readString(otherCa));
    member = certificate("member", clusterCa, clusterCa);
    stranger = certificate("intruder", otherCa, bothCas);

    redis = RedisProcess.start();
    IntStream.range(0, 3).forEach(i -> memberPorts.add(RedisProcess.freePort()));
    members.add(fleet.start(tls(node(0), member)));
    members.add(fleet.start(tls(node(1), member)));
    awaitMembers(members.get(0), 2);
  }

  @AfterAll
  void stop() {
    clients.forEach(WsClient::close);
    fleet.close();
    if (redis != null) {
      redis.close();
    }
    // The private keys go with the test.
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void membersWithTheClustersCertificatesDeliverADisconnectAndAnIntruderCannotSendOne() {
    // The two members talk over TLS: a disconnect asked of one closes the subject on the other.
    WsClient target = client(0, Tokens.user("target"));
    JsonObject done = disconnect(members.get(1), "target");
    assertThat(done.getInteger("disconnected")).isEqualTo(1);
    assertThat(done.getJsonArray("unreachable")).isEmpty();
    assertThat(target.awaitClose(WAIT)).isEqualTo(CloseCodes.REVOKED);

    String victimToken = Tokens.user("victim");
    WsClient victim = client(0, victimToken);
    WsClient neighbour = client(1, Tokens.user("neighbour"));

    List<String> measured = new ArrayList<>();
    for (String kind : List.of("certificate of another CA", "no TLS")) {
      CrowdwireConfig config = kind.equals("no TLS") ? node(2) : tls(node(2), stranger);
      Crowdwire intruder = fleet.start(config);
      awaitMembers(members.get(0), 3);
      // What an intruder in Hazelcast learns: every member's node id, hence its fleet addresses.
      List<String> nodes = new Fleet(intruder.vertx(), 1000).members();
      assertThat(nodes).hasSize(3);
      int refused = 0;
      for (Crowdwire good : members) {
        String node = health(good).getString("member");
        JsonObject order = new JsonObject().put("subject", "victim").put("revokeUpTo", System.currentTimeMillis() + 3_600_000);
        boolean failed = Clients.await(intruder.vertx().eventBus().request(Addresses.fleet(node, Addresses.DISCONNECT), order,
          new DeliveryOptions().setSendTimeout(5_000)).transform(sent -> Future.succeededFuture(sent.failed())), WAIT);
        refused += failed ? 1 : 0;
      }
      // Its own region-wide request reaches nobody but itself.
      JsonObject asked = disconnect(intruder, "victim");
      measured.add(String.format("%s: joined Hazelcast (%d members seen), %d of %d direct disconnect requests failed,"
          + " its /admin/disconnect reached %d of 3 (disconnected=%d, unreachable=%d)", kind, nodes.size(), refused,
        members.size(), 3 - asked.getJsonArray("unreachable").size(), asked.getInteger("disconnected"),
        asked.getJsonArray("unreachable").size()));
      assertThat(refused).isEqualTo(members.size());
      assertThat(asked.getInteger("disconnected")).isZero();
      assertThat(asked.getJsonArray("unreachable")).hasSize(2);

      // Nobody was disconnected, nothing was revoked.
      assertPong(victim);
      assertPong(neighbour);
      for (Crowdwire good : members) {
        client(members.indexOf(good), victimToken).subscribed("orders", null);
      }
      Clients.await(intruder.stop());
      awaitMembers(members.get(0), 2);
    }
    measured.forEach(line -> System.out.println("cluster TLS, intruder with " + line));
    assertThat(victim.isClosed()).isFalse();
  }

  @Test
  void aHazelcastClientThatKnowsTheClusterNameCannotConnectToWriteTheRevocations() {
    ClientConfig config = new ClientConfig().setClusterName(TestConfig.clustered(redis.url(), memberPorts.get(0), 0,
      memberPorts).cluster().name());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.getNetworkConfig().addAddress("127.0.0.1:" + memberPorts.get(0), "127.0.0.1:" + memberPorts.get(1));
    config.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(5_000);
    String outcome;
    try {
      HazelcastInstance client = HazelcastClient.newHazelcastClient(config);
      try {
        client.getMap(FleetVerticle.REVOCATIONS).put("victim", System.currentTimeMillis() + 3_600_000);
        outcome = "connected and wrote a revocation";
      } finally {
        client.shutdown();
      }
    } catch (IllegalStateException refused) {
      outcome = "refused: " + refused.getMessage();
    }
    System.out.println("cluster TLS, Hazelcast client with the cluster name on the member port: " + outcome);
    assertThat(outcome).startsWith("refused");
  }

  private CrowdwireConfig node(int i) {
    return TestConfig.clustered(redis.url(), memberPorts.get(i), RedisProcess.freePort(), memberPorts);
  }

  /** {@code config} with the event bus on TLS: certificate, key and trusted CAs. */
  private static CrowdwireConfig tls(CrowdwireConfig config, Path[] files) {
    CrowdwireConfig.Cluster c = config.cluster();
    return config.withCluster(new CrowdwireConfig.Cluster(c.enabled(), c.name(), c.host(), c.port(), c.eventBusPort(),
      c.discovery(), c.members(), c.serviceDns(), c.memberTimeoutMs(), c.requestTimeoutMs(), files[0].toString(),
      files[1].toString(), files[2].toString()));
  }

  private WsClient client(int on, String token) {
    WsClient client = WsClient.open(members.get(on).port(), "/api/realtime?db=postgres&auth=" + token);
    clients.add(client);
    return client;
  }

  private static void assertPong(WsClient client) {
    client.send(new JsonObject().put("type", "PING"));
    assertThat(client.next(frame -> !"EVENT".equals(frame.getString("type")), WAIT).getString("type")).isEqualTo("PONG");
  }

  private static JsonObject disconnect(Crowdwire on, String subject) {
    HttpResponse<Buffer> response = Clients.await(Clients.HTTP.post(on.port(), "127.0.0.1", "/admin/disconnect")
      .putHeader("Content-Type", "application/json").putHeader("Authorization", "Bearer " + Tokens.admin())
      .sendBuffer(Buffer.buffer(new JsonObject().put("subject", subject).encode())), WAIT);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private static JsonObject health(Crowdwire on) {
    return Clients.get(on.port(), "/health").bodyAsJsonObject();
  }

  private static void awaitMembers(Crowdwire on, int count) {
    awaitHealth(on, health -> health.getInteger("members") == count);
  }

  private static void awaitHealth(Crowdwire on, Predicate<JsonObject> wanted) {
    await("/health to get there").atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> health(on), wanted::test);
  }

  /** A self-signed CA: returns its certificate, {@code <name>.pem}; its key is {@code <name>.key} beside it. */
  private Path authority(String name) {
    Path cert = dir.resolve(name + ".pem");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve(name + ".key").toString(), "-out",
      cert.toString(), "-days", "2", "-subj", "/CN=" + name);
    return cert;
  }

  /** A certificate signed by the CA of {@code caCert}: [certificate, key, {@code trusted}] for {@link #tls}. */
  private Path[] certificate(String name, Path caCert, Path trusted) {
    Path key = dir.resolve(name + ".key");
    Path request = dir.resolve(name + ".csr");
    Path cert = dir.resolve(name + ".pem");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", request.toString(),
      "-subj", "/CN=" + name);
    openssl("x509", "-req", "-in", request.toString(), "-CA", caCert.toString(), "-CAkey",
      caCert.toString().replace(".pem", ".key"), "-CAcreateserial", "-out", cert.toString(), "-days", "2");
    return new Path[] {cert, key, trusted};
  }

  private void openssl(String... args) {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("openssl.log").toFile()).start();
      assertThat(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0)
        .as("%s (see openssl.log)", String.join(" ", command)).isTrue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
