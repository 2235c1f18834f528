package io.crowdwire.limits;

import io.crowdwire.protocol.ErrorCode;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open connections per client address and per subject, on this instance (a region-wide count would need the
 * cluster on every upgrade). Entries exist only while their connections are open, so the map is bounded by them.
 */
public final class ConnectionCaps {

  private final int perAddress;
  private final int perSubject;
  private final boolean keepAddress;
  private final Map<String, Integer> open = new ConcurrentHashMap<>();

  ConnectionCaps(int perAddress, int perSubject, boolean keepAddress) {
    this.perAddress = perAddress;
    this.perSubject = perSubject;
    this.keepAddress = keepAddress;
  }

  /**
   * What a connection holds, given back by {@link #release} when it closes; and its client address when its messages
   * are counted per address ({@code limits.messagesPerSecondPerIp}), else null.
   */
  public record Slot(String addressKey, String subjectKey, String address) {
  }

  /**
   * Takes a slot for a connection from {@code address} as {@code subject} (null: not counted per subject).
   *
   * @throws LimitRefusal when either cap is reached
   */
  Slot take(String address, String subject) {
    String addressKey = perAddress > 0 ? "ip:" + address : null;
    String subjectKey = perSubject > 0 && subject != null ? "sub:" + subject : null;
    if (!acquire(addressKey, perAddress)) {
      throw refusal(perAddress, "client address");
    }
    if (!acquire(subjectKey, perSubject)) {
      release(addressKey);
      throw refusal(perSubject, "subject");
    }
    return new Slot(addressKey, subjectKey, keepAddress ? address : null);
  }

  private static LimitRefusal refusal(int cap, String what) {
    return new LimitRefusal(ErrorCode.LIMIT_EXCEEDED, "at most " + cap + " open connections per " + what
      + " on this instance: close one first", 0);
  }

  void release(Slot slot) {
    if (slot != null) {
      release(slot.addressKey());
      release(slot.subjectKey());
    }
  }

  private boolean acquire(String key, int cap) {
    if (key == null) {
      return true;
    }
    boolean[] taken = {false};
    open.compute(key, (k, count) -> {
      int now = count == null ? 0 : count;
      if (now >= cap) {
        return count;
      }
      taken[0] = true;
      return now + 1;
    });
    return taken[0];
  }

  private void release(String key) {
    if (key != null) {
      open.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
    }
  }
}
