package io.crowdwire.socket;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keep-alive visits each connection once per ping interval, a slice per tick, so that no tick holds the event
 * loop with every connection at once; a connection silent past the idle timeout is expired instead of pinged.
 */
class KeepAliveTest {

  private static final class Connection {
    long lastSeen;
  }

  private long now = 1_000_000;
  private final Map<Connection, Integer> pings = new HashMap<>();
  private final List<Connection> expired = new ArrayList<>();
  private final List<Integer> pingsPerTick = new ArrayList<>();
  private final KeepAlive<Connection> keepAlive = new KeepAlive<>(20_000, 60_000, () -> now, c -> c.lastSeen,
    c -> pings.merge(c, 1, Integer::sum), expired::add);

  private void tickThroughOneInterval() {
    int ticks = (int) (20_000 / keepAlive.tickMs());
    for (int i = 0; i < ticks; i++) {
      int before = pings.values().stream().mapToInt(Integer::intValue).sum();
      keepAlive.tick();
      pingsPerTick.add(pings.values().stream().mapToInt(Integer::intValue).sum() - before);
      now += keepAlive.tickMs();
    }
  }

  @Test
  void everyConnectionIsPingedOncePerIntervalAndNoTickPingsThemAll() {
    List<Connection> connections = IntStream.range(0, 4_000).mapToObj(i -> new Connection()).toList();
    connections.forEach(c -> c.lastSeen = now);
    connections.forEach(keepAlive::add);

    tickThroughOneInterval();

    assertThat(pings).hasSize(4_000).allSatisfy((connection, count) -> assertThat(count).isEqualTo(1));
    assertThat(pingsPerTick).hasSize(80);
    assertThat(pingsPerTick.stream().mapToInt(Integer::intValue).max().orElseThrow())
      .as("a tick visits one slice, about 4,000 / 80").isLessThan(400);
    assertThat(expired).isEmpty();
  }

  @Test
  void aSilentConnectionIsExpiredAndAClosedOneIsForgotten() {
    Connection silent = new Connection();
    Connection talking = new Connection();
    Connection gone = new Connection();
    silent.lastSeen = now - 61_000;
    talking.lastSeen = now;
    gone.lastSeen = now;
    List.of(silent, talking, gone).forEach(keepAlive::add);
    assertThat(keepAlive.remove(gone)).isTrue();
    assertThat(keepAlive.remove(gone)).isFalse();

    tickThroughOneInterval();

    assertThat(expired).containsExactly(silent);
    assertThat(pings).containsOnlyKeys(talking);
    assertThat(keepAlive.all()).containsExactlyInAnyOrder(silent, talking);
  }
}
