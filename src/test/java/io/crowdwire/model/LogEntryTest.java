package io.crowdwire.model;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a filter sees of a stored event: its record, or an empty one when the stored text has none. */
class LogEntryTest {

  private static JsonObject recordOf(String data) {
    return new LogEntry(new EventId(1, 0), data).record();
  }

  @Test
  void theRecordIsDecodedFromTheStoredText() {
    assertThat(recordOf("{\"action\":\"create\",\"record\":{\"id\":\"r1\",\"author\":{\"name\":\"Ann\"}}}"))
      .isEqualTo(new JsonObject().put("id", "r1").put("author", new JsonObject().put("name", "Ann")));
  }

  @Test
  void textWithoutARecordObjectIsAnEmptyRecord() {
    assertThat(recordOf("{\"action\":\"create\",\"record\":[1]}")).isEqualTo(new JsonObject());
    assertThat(recordOf("{\"action\":\"create\"}")).isEqualTo(new JsonObject());
    assertThat(recordOf("[]")).isEqualTo(new JsonObject());
    assertThat(recordOf("not json {")).isEqualTo(new JsonObject());
  }
}
