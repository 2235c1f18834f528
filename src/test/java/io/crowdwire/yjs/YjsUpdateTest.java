package io.crowdwire.yjs;

import io.crowdwire.testsupport.NodeClient;
import io.crowdwire.testsupport.NodeRequirement;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The update decoder against Yjs itself: three editors of the npm {@code yjs} make random edits of every kind of
 * shared type (text with formats and embeds, maps of any values, arrays, XML, subdocuments, deletions) and trade
 * their updates late or early; what the decoder says they cover must be the state vector Yjs gives.
 */
class YjsUpdateTest {

  @Test
  void aTextInsertIsTheUpdateYjsItselfEncodes() {
    // npm yjs 13.6: doc.clientID = 3735928559; doc.getText('codemirror').insert(0, text); Y.encodeStateAsUpdate(doc)
    String yjs = "0101effdb6f50d0004010a636f64656d6972726f721468c3a96c6c6f20e29c9320f09f98800a6c696e6500";
    byte[] ours = YjsUpdate.textInsert(3735928559L, "codemirror", "héllo ✓ 😀\nline");
    assertThat(HexFormat.of().formatHex(ours)).isEqualTo(yjs);
    assertThat(YjsUpdate.read(ours).ranges()).as("UTF-16 units, as Yjs counts them")
      .containsExactly(new YjsUpdate.Range(3735928559L, 0, "héllo ✓ 😀\nline".length()));
  }

  @Test
  void aCoverageContainsAnotherOnlyWhenItHoldsEveryRangeOfIt() {
    Coverage wide = new Coverage();
    wide.add(new YjsUpdate(List.of(new YjsUpdate.Range(1, 0, 10), new YjsUpdate.Range(2, 5, 8)), false));
    Coverage inside = new Coverage();
    inside.add(new YjsUpdate(List.of(new YjsUpdate.Range(1, 2, 10), new YjsUpdate.Range(2, 5, 6)), false));
    Coverage past = new Coverage();
    past.add(new YjsUpdate(List.of(new YjsUpdate.Range(1, 9, 11)), false));
    Coverage otherClient = new Coverage();
    otherClient.add(new YjsUpdate(List.of(new YjsUpdate.Range(3, 0, 1)), false));
    assertThat(wide.contains(inside)).isTrue();
    assertThat(wide.contains(new Coverage())).isTrue();
    assertThat(wide.contains(past)).isFalse();
    assertThat(wide.contains(otherClient)).isFalse();
    assertThat(inside.contains(wide)).isFalse();
  }

  @Test
  void theStateVectorOfEveryUpdateAddedUpIsYjsOwn() {
    NodeRequirement.requireNode();
    for (String seed : List.of("1", "42", "20261206")) {
      List<byte[]> updates = new ArrayList<>();
      JsonObject last;
      JsonObject gappy;
      try (NodeClient yjs = NodeClient.start("yjs-updates.mjs", seed, "400")) {
        JsonObject line;
        while ("update".equals((line = yjs.next(Duration.ofSeconds(30))).getString("kind"))) {
          updates.add(Base64.getDecoder().decode(line.getString("update")));
        }
        last = line;
        gappy = yjs.next(Duration.ofSeconds(30));
      }
      Coverage coverage = new Coverage();
      updates.forEach(update -> coverage.add(YjsUpdate.read(update)));
      assertThat(coverage.stateVector()).as("seed " + seed).isEqualTo(vector(last.getJsonObject("stateVector")));
      assertThat(updates.stream().anyMatch(update -> YjsUpdate.read(update).deletes())).as("some edits delete").isTrue();

      Coverage full = new Coverage();
      full.add(YjsUpdate.read(Base64.getDecoder().decode(last.getString("fullState"))));
      assertThat(full.stateVector()).as("the full state, with its garbage-collected structs").isEqualTo(coverage.stateVector());

      Coverage gaps = new Coverage();
      gaps.add(YjsUpdate.read(Base64.getDecoder().decode(gappy.getString("update"))));
      assertThat(gaps.stateVector()).as("a merge with Skip structs").isEqualTo(vector(gappy.getJsonObject("stateVector")));

      assertThat(YjsProtocol.read(YjsProtocol.step1(coverage.encodedStateVector())))
        .as("the encoded state vector reads back").hasSize(1);
      truncationsAreRefused(updates);
    }
  }

  /** Every cut of a real update is refused as malformed, never read past its end nor failing otherwise. */
  private static void truncationsAreRefused(List<byte[]> updates) {
    Random random = new Random(7);
    for (byte[] update : updates.subList(0, Math.min(60, updates.size()))) {
      int cut = random.nextInt(update.length);
      byte[] truncated = java.util.Arrays.copyOf(update, cut);
      assertThatThrownBy(() -> YjsUpdate.read(truncated)).isInstanceOf(Lib0Decoder.MalformedYjs.class);
      byte[] garbled = update.clone();
      garbled[random.nextInt(garbled.length)] ^= (byte) (1 + random.nextInt(255));
      try {
        YjsUpdate.read(garbled);
      } catch (Lib0Decoder.MalformedYjs expected) {
        // refused: fine; read without complaint: fine too, a flipped bit can make another valid update
      }
    }
  }

  private static Map<Long, Long> vector(JsonObject json) {
    Map<Long, Long> vector = new HashMap<>();
    json.forEach(entry -> vector.put(Long.parseLong(entry.getKey()), ((Number) entry.getValue()).longValue()));
    return vector;
  }
}
