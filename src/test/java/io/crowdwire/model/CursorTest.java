package io.crowdwire.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CursorTest {

  @Test
  void aPlainStreamIdIsACursorOfNoRegion() {
    Cursor cursor = Cursor.parse("1700000000000-3");
    assertThat(cursor.local()).isEqualTo(new EventId(1700000000000L, 3));
    assertThat(cursor.region()).isNull();
    assertThat(cursor.readIn("eu")).isTrue();
    assertThat(cursor.readIn(null)).isTrue();
    assertThat(cursor.toString()).isEqualTo("1700000000000-3");
  }

  @Test
  void aRegionCursorSaysWhereItWasReadAndHowFarInEachOrigin() {
    String text = "1700000000009-0@eu;eu=1700000000009-0;us=1700000000005-3";
    Cursor cursor = Cursor.parse(text);
    assertThat(cursor.local()).isEqualTo(new EventId(1700000000009L, 0));
    assertThat(cursor.region()).isEqualTo("eu");
    assertThat(cursor.seen().get("us")).isEqualTo(new EventId(1700000000005L, 3));
    assertThat(cursor.seen().get("ap")).isEqualTo(EventId.ZERO);
    assertThat(cursor.readIn("eu")).isTrue();
    assertThat(cursor.readIn("us")).isFalse();
    assertThat(cursor.toString()).isEqualTo(text);
    assertThat(Cursor.parse("1700000000009-0@eu").seen()).isEqualTo(OriginVector.EMPTY);
  }

  @Test
  void malformedCursorsAreRefused() {
    assertThat(Cursor.parse("")).isNull();
    assertThat(Cursor.parse("x@eu")).isNull();
    assertThat(Cursor.parse("1-0@")).isNull();
    assertThat(Cursor.parse("1-0@eu;us")).isNull();
    assertThat(Cursor.parse("1-0@eu;us=x")).isNull();
    assertThat(Cursor.parse("1-0@eu;us=1-0;us=2-0")).isNull();
    assertThat(Cursor.parse("1-0@eu;" + "a".repeat(Cursor.MAX_LENGTH))).isNull();
  }
}
