package io.crowdwire.socket;

import io.crowdwire.model.EventId;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StoredSizesTest {

  @Test
  void untilASnapshotTheCountIsExact() {
    StoredSizes sizes = new StoredSizes(1_000);
    for (int i = 1; i <= 1_234; i++) {
      sizes.add(new EventId(i, 0), 7);
    }
    assertThat(sizes.total()).isEqualTo(1_234 * 7);
  }

  @Test
  void whatASnapshotLeavesIsCountedWithinTheGranularityAndNeverLess() {
    StoredSizes sizes = new StoredSizes(100);
    for (int i = 1; i <= 1_000; i++) {
      sizes.add(new EventId(i, 0), 10);
    }
    sizes.dropThrough(new EventId(605, 0));
    sizes.add(new EventId(1_001, 0), 2_500);
    long left = 395 * 10 + 2_500;
    assertThat(sizes.total()).isBetween(left, left + 99);
    sizes.dropThrough(new EventId(1_001, 0));
    assertThat(sizes.total()).isBetween(0L, 99L);
  }

  @Test
  void entriesOfOneMillisecondAreToldApartByTheirSequence() {
    StoredSizes sizes = new StoredSizes(1);
    sizes.add(new EventId(5, 0), 1);
    sizes.add(new EventId(5, 1), 2);
    sizes.add(new EventId(5, 2), 4);
    sizes.dropThrough(new EventId(5, 1));
    assertThat(sizes.total()).isEqualTo(4);
  }
}
