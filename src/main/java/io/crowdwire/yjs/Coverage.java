package io.crowdwire.yjs;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The clock ranges a set of Yjs updates holds, client by client, and the state vector they add up to: for each
 * client, how far its structs run without a gap from clock 0 (what Yjs' own state vector says of a document made
 * of those updates). Not thread-safe.
 */
public final class Coverage {

  /** Per client, disjoint ranges start -> end, merged as they touch. */
  private final Map<Long, TreeMap<Long, Long>> ranges = new HashMap<>();

  /** The ranges of one update. */
  public static Coverage of(YjsUpdate update) {
    Coverage coverage = new Coverage();
    coverage.add(update);
    return coverage;
  }

  /** A copy that later additions to this one do not change. */
  public Coverage copy() {
    Coverage copy = new Coverage();
    ranges.forEach((client, runs) -> copy.ranges.put(client, new TreeMap<>(runs)));
    return copy;
  }

  public void add(YjsUpdate update) {
    for (YjsUpdate.Range range : update.ranges()) {
      add(range.client(), range.start(), range.end());
    }
  }

  private void add(long client, long start, long end) {
    TreeMap<Long, Long> runs = ranges.computeIfAbsent(client, ignored -> new TreeMap<>());
    Map.Entry<Long, Long> before = runs.floorEntry(start);
    if (before != null && before.getValue() >= start) {
      start = before.getKey();
      end = Math.max(end, before.getValue());
    }
    Map.Entry<Long, Long> next = runs.ceilingEntry(start);
    while (next != null && next.getKey() <= end) {
      end = Math.max(end, next.getValue());
      runs.remove(next.getKey());
      next = runs.ceilingEntry(start);
    }
    runs.put(start, end);
  }

  /** Whether every clock range of {@code other} is within this one's. */
  public boolean contains(Coverage other) {
    for (Map.Entry<Long, TreeMap<Long, Long>> client : other.ranges.entrySet()) {
      TreeMap<Long, Long> runs = ranges.get(client.getKey());
      for (Map.Entry<Long, Long> range : client.getValue().entrySet()) {
        Map.Entry<Long, Long> holding = runs == null ? null : runs.floorEntry(range.getKey());
        if (holding == null || holding.getValue() < range.getValue()) {
          return false;
        }
      }
    }
    return true;
  }

  /** Client -> the clock its run from 0 reaches; clients without one are left out, as Yjs leaves them out. */
  public Map<Long, Long> stateVector() {
    Map<Long, Long> vector = new HashMap<>();
    ranges.forEach((client, runs) -> {
      Long end = runs.get(0L);
      if (end != null) {
        vector.put(client, end);
      }
    });
    return vector;
  }

  /** The state vector in y-protocols' encoding: how many clients, then each client and its clock. */
  public byte[] encodedStateVector() {
    Map<Long, Long> vector = stateVector();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Lib0Encoder.writeVarUint(out, vector.size());
    vector.forEach((client, clock) -> {
      Lib0Encoder.writeVarUint(out, client);
      Lib0Encoder.writeVarUint(out, clock);
    });
    return out.toByteArray();
  }
}
