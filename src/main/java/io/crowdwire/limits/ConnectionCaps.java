package io.crowdwire.limits;

import io.crowdwire.protocol.ErrorCode;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open connections (or those of some kind, {@code counted}) per client address, per subject and in all, on this
 * instance (a region-wide count would need the cluster on every upgrade); a cap of 0 is off. Entries exist only
 * while their connections are open, so the map is bounded by them.
 */
public final class ConnectionCaps {

  private static final String ALL = "all";

  private final String counted;
  private final int perAddress;
  private final int perSubject;
  private final int inAll;
  private final boolean keepAddress;
  private final Map<String, Integer> open = new ConcurrentHashMap<>();

  ConnectionCaps(String counted, int perAddress, int perSubject, int inAll, boolean keepAddress) {
    this.counted = counted;
    this.perAddress = perAddress;
    this.perSubject = perSubject;
    this.inAll = inAll;
    this.keepAddress = keepAddress;
  }

  /**
   * What a connection holds, given back by {@link #release} when it closes; and its client address when its messages
   * are counted per address ({@code limits.messagesPerSecondPerIp}), else null.
   */
  public record Slot(String addressKey, String subjectKey, String allKey, String address) {
  }

  /**
   * Takes a slot for a connection from {@code address} as {@code subject} (null: not counted per subject).
   *
   * @throws LimitRefusal when either cap is reached
   */
  Slot take(String address, String subject) {
    String addressKey = perAddress > 0 ? "ip:" + address : null;
    String subjectKey = perSubject > 0 && subject != null ? "sub:" + subject : null;
    String allKey = inAll > 0 ? ALL : null;
    if (!acquire(addressKey, perAddress)) {
      throw refusal(perAddress, " per client address");
    }
    if (!acquire(subjectKey, perSubject)) {
      release(addressKey);
      throw refusal(perSubject, " per subject");
    }
    if (!acquire(allKey, inAll)) {
      release(addressKey);
      release(subjectKey);
      throw refusal(inAll, "");
    }
    return new Slot(addressKey, subjectKey, allKey, keepAddress ? address : null);
  }

  private LimitRefusal refusal(int cap, String per) {
    return new LimitRefusal(ErrorCode.LIMIT_EXCEEDED, "at most " + cap + " " + counted + per
      + " on this instance: close one first", 0);
  }

  void release(Slot slot) {
    if (slot != null) {
      release(slot.addressKey());
      release(slot.subjectKey());
      release(slot.allKey());
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
