package io.crowdwire.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OriginVectorTest {

  private static Origin origin(String region, long millis) {
    return new Origin(region, new EventId(millis, 0), null);
  }

  @Test
  void anEventIsCoveredUpToItsOriginsComponent() {
    OriginVector vector = OriginVector.parse("eu=10-0;us=20-0");
    assertThat(vector.covers(origin("eu", 10))).isTrue();
    assertThat(vector.covers(origin("eu", 11))).isFalse();
    assertThat(vector.covers(origin("us", 5))).isTrue();
    assertThat(vector.covers(origin("ap", 1))).as("an origin it has seen nothing of").isFalse();
  }

  @Test
  void withMovesOneComponentAndDominatesComparesThemAll() {
    OriginVector before = OriginVector.parse("eu=10-0");
    OriginVector after = before.with(origin("us", 20));
    assertThat(after.toString()).isEqualTo("eu=10-0;us=20-0");
    assertThat(after.dominates(before)).isTrue();
    assertThat(before.dominates(after)).isFalse();
    assertThat(OriginVector.parse("eu=11-0").dominates(after)).as("neither is further in every origin").isFalse();
    assertThat(after.dominates(OriginVector.EMPTY)).isTrue();
  }

  @Test
  void textIsSortedByRegionAndRoundTrips() {
    OriginVector vector = OriginVector.parse("us=2-0;eu-west=1-0;eu=3-0");
    assertThat(vector.toString()).isEqualTo("eu=3-0;eu-west=1-0;us=2-0");
    assertThat(OriginVector.parse(vector.toString())).isEqualTo(vector);
    assertThat(OriginVector.parse("")).isEqualTo(OriginVector.EMPTY);
    assertThat(OriginVector.parse("eu")).isNull();
  }
}
