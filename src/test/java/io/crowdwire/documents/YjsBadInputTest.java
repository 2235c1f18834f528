package io.crowdwire.documents;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.NodeRequirement;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.WsClient;
import io.crowdwire.yjs.Lib0Encoder;
import io.crowdwire.yjs.YjsProtocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a broken or hostile y-websocket client gets: its connection closed with a code that says why, while the
 * document and a real editor beside it go on as if nothing happened.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class YjsBadInputTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int MAX_UPDATE_BYTES = 2_000;
  private static final int MESSAGES_PER_SECOND = 50;
  private static final int MAX_STORED_BYTES = 6_000;

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;

  @BeforeAll
  void start() {
    NodeRequirement.requireNode();
    CrowdwireConfig config = TestConfig.embedded();
    CrowdwireConfig.Documents documents = config.documents();
    instance = fleet.start(config.withDocuments(new CrowdwireConfig.Documents(documents.writeMs(), documents.anonymous(),
      documents.maxTextBytes(), MAX_UPDATE_BYTES, MESSAGES_PER_SECOND, MAX_STORED_BYTES, documents.compactBytes())));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  @Test
  void aDocumentNameThatCannotBeOneIsRefusedBeforeTheUpgrade() {
    for (String name : List.of("not%20a%20name", "x".repeat(121))) {
      UpgradeRejectedException refused = WsClient.refusal(instance.port(), "/yjs/" + name, Map.of());
      assertThat(refused.getStatus()).as(name).isEqualTo(400);
      JsonObject error = refused.getBody().toJsonObject().getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("INVALID_FIELD");
      assertThat(error.getString("field")).isEqualTo("name");
    }
  }

  @Test
  void everyBadClientIsClosedWithItsReasonAndTheEditorBesideItGoesOn() {
    String document = "bad-input-" + UUID.randomUUID();
    try (Editor steady = Editor.open(instance.port(), document, null)) {
      steady.insert(0, "steady text\n");

      assertThat(closeAfter(document, Buffer.buffer(new byte[] {7, 1, 2}))).as("an unknown message type")
        .isEqualTo(CloseCodes.INVALID_PAYLOAD);
      assertThat(closeAfter(document, Buffer.buffer(new byte[] {0, 2, (byte) 0x85}))).as("a varint cut short")
        .isEqualTo(CloseCodes.INVALID_PAYLOAD);
      assertThat(closeAfter(document, Buffer.buffer(YjsProtocol.update(new byte[] {1, 1, 5, 0, 4, 1}))))
        .as("an update cut inside its first struct").isEqualTo(CloseCodes.INVALID_PAYLOAD);
      assertThat(closeAfter(document, Buffer.buffer(new byte[] {2, 0, 0}))).as("an auth message, which only servers send")
        .isEqualTo(CloseCodes.INVALID_PAYLOAD);
      assertThat(closeAfter(document, Buffer.buffer(YjsProtocol.update(update(77, 0, "x".repeat(MAX_UPDATE_BYTES))))))
        .as("a well-formed update over DOCUMENT_MAX_UPDATE_BYTES").isEqualTo(CloseCodes.TOO_BIG);
      assertThat(closeAfter(document, Buffer.buffer(new byte[64 * 1024]))).as("a frame far over the limit")
        .isEqualTo(CloseCodes.TOO_BIG);

      try (WsClient text = WsClient.open(instance.port(), "/yjs/" + document)) {
        text.sendText("{\"type\":\"PING\"}");
        assertThat(text.awaitClose(WAIT)).as("a text frame").isEqualTo(CloseCodes.UNSUPPORTED_DATA);
      }
      try (WsClient flood = WsClient.open(instance.port(), "/yjs/" + document)) {
        Buffer queryAwareness = Buffer.buffer(new byte[] {YjsProtocol.QUERY_AWARENESS});
        for (int i = 0; i < MESSAGES_PER_SECOND * 4 && !flood.isClosed(); i++) {
          flood.sendBinary(queryAwareness);
        }
        assertThat(flood.awaitClose(WAIT)).as("a flood of messages").isEqualTo(CloseCodes.RATE_LIMITED);
      }

      String metrics = Clients.get(instance.state().managementPort(), "/metrics").bodyAsString();
      assertThat(metrics).as("closes counted by code").contains("crowdwire_yjs_closes_total{code=\"1007\"} 4.0")
        .contains("crowdwire_yjs_closes_total{code=\"1009\"}").contains("crowdwire_yjs_closes_total{code=\"1003\"} 1.0")
        .contains("crowdwire_yjs_closes_total{code=\"4029\"} 1.0");

      steady.insert(0, "after the attacks\n");
      try (Editor late = Editor.open(instance.port(), document, null)) {
        await("a new editor has the document whole").atMost(WAIT)
          .until(() -> late.text().equals("after the attacks\nsteady text\n"));
      }
      assertThat(steady.text()).isEqualTo("after the attacks\nsteady text\n");
    }
  }

  @Test
  void aDocumentPastItsStoredBytesRefusesMoreAndKeepsWhatItHolds() {
    String document = "full-" + UUID.randomUUID();
    String chunk = "y".repeat(MAX_UPDATE_BYTES / 2);
    try (WsClient writer = WsClient.open(instance.port(), "/yjs/" + document)) {
      int clock = 0;
      for (int i = 0; i < MAX_STORED_BYTES / chunk.length() + 2 && !writer.isClosed(); i++) {
        writer.sendBinary(Buffer.buffer(YjsProtocol.update(update(91, clock, chunk))));
        clock += chunk.length();
      }
      assertThat(writer.awaitClose(WAIT)).as("past DOCUMENT_MAX_STORED_BYTES").isEqualTo(CloseCodes.DOCUMENT_FULL);
    }
    try (Editor reader = Editor.open(instance.port(), document, null)) {
      String text = reader.text();
      assertThat(text.length()).as("whole chunks only, as stored").isPositive().isEqualTo(text.length() / chunk.length() * chunk.length());
      assertThat(text.length()).isLessThanOrEqualTo(MAX_STORED_BYTES);
    }
  }

  private short closeAfter(String document, Buffer frame) {
    try (WsClient bad = WsClient.open(instance.port(), "/yjs/" + document)) {
      bad.sendBinary(frame);
      return bad.awaitClose(WAIT);
    }
  }

  /** A Yjs v1 update by {@code client} at {@code clock}: {@code text} appended to the editors' root Y.Text. */
  static byte[] update(long client, long clock, String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(1); // one client
    out.write(1); // one struct
    Lib0Encoder.writeVarUint(out, client);
    Lib0Encoder.writeVarUint(out, clock);
    // Without origins: an item whose parent is a named root type (1, then the name), with string content (4).
    // Each chunk after the first starts where the last ended, so that Yjs places them in order.
    out.write(clock == 0 ? 4 : 0x84);
    if (clock == 0) {
      out.write(1);
      Lib0Encoder.writeVarUint8Array(out, "codemirror".getBytes(StandardCharsets.UTF_8));
    } else {
      Lib0Encoder.writeVarUint(out, client);
      Lib0Encoder.writeVarUint(out, clock - 1);
    }
    Lib0Encoder.writeVarUint8Array(out, text.getBytes(StandardCharsets.UTF_8));
    out.write(0); // an empty delete set
    return out.toByteArray();
  }
}
