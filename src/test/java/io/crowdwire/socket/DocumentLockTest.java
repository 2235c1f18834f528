package io.crowdwire.socket;

import io.crowdwire.yjs.DocumentEntry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DocumentLockTest {

  private static final byte[] ALICES = {1};
  private static final byte[] BOBS = {2};
  private static final byte[] SNAPSHOT = {3};

  @Test
  void afterALockOnlyTheListedAuthorsUpdatesAreAdmitted() {
    DocumentLock lock = new DocumentLock();
    assertThat(lock.admit(new DocumentEntry.Update(BOBS, null, "s1"))).as("open: anonymous too").isEqualTo(BOBS);
    assertThat(lock.admit(new DocumentEntry.Lock(List.of("alice@example.com")))).isNull();
    assertThat(lock.admit(new DocumentEntry.Update(BOBS, "bob@example.com", "s1"))).isNull();
    assertThat(lock.admit(new DocumentEntry.Update(ALICES, "alice@example.com", "s2"))).isEqualTo(ALICES);
    assertThat(lock.emails()).containsExactly("alice@example.com");
  }

  @Test
  void aSnapshotCarriesTheLockWhoseEntryItReplaced() {
    DocumentLock lock = new DocumentLock();
    assertThat(lock.admit(new DocumentEntry.Snapshot(SNAPSHOT, "1-0", List.of("alice@example.com"), "s1"))).isEqualTo(SNAPSHOT);
    assertThat(lock.allows("bob@example.com")).isFalse();
    assertThat(lock.allows("alice@example.com")).isTrue();
    assertThat(lock.admit(new DocumentEntry.Unknown())).isNull();
  }
}
