package io.crowdwire.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * Per origin region, the id of the last event of that origin up to some point of a channel's stream. Each region
 * stores every origin's events in that origin's order, so the events a reader has seen up to an entry are exactly,
 * per origin, those with an id up to the vector's: this is what makes a position portable between regions, whose
 * streams order the origins differently. Written {@code eu=1700000000000-0;us=1700000000005-3}, regions sorted.
 */
public final class OriginVector {

  public static final OriginVector EMPTY = new OriginVector(new TreeMap<>());

  private final TreeMap<String, EventId> ids;

  private OriginVector(TreeMap<String, EventId> ids) {
    this.ids = ids;
  }

  /** The vector written by {@link #toString()}; null when {@code text} is not one. An empty text is {@link #EMPTY}. */
  public static OriginVector parse(String text) {
    if (text == null) {
      return null;
    }
    TreeMap<String, EventId> ids = new TreeMap<>();
    if (text.isEmpty()) {
      return EMPTY;
    }
    for (String part : text.split(";", -1)) {
      int equals = part.indexOf('=');
      EventId id = equals > 0 ? EventId.parse(part.substring(equals + 1)) : null;
      if (id == null || ids.put(part.substring(0, equals), id) != null) {
        return null;
      }
    }
    return new OriginVector(ids);
  }

  /** The last id of {@code region}'s events, {@link EventId#ZERO} for none. */
  public EventId get(String region) {
    return ids.getOrDefault(region, EventId.ZERO);
  }

  /** This vector after an event of {@code origin}: its region's component is that event's id. */
  public OriginVector with(Origin origin) {
    TreeMap<String, EventId> next = new TreeMap<>(ids);
    next.put(origin.region(), origin.id());
    return new OriginVector(next);
  }

  /** Whether the event of {@code origin} is among those up to this vector. */
  public boolean covers(Origin origin) {
    return !origin.id().isAfter(get(origin.region()));
  }

  /** Whether every component of this vector is at or past {@code other}'s. */
  public boolean dominates(OriginVector other) {
    for (Map.Entry<String, EventId> component : other.ids.entrySet()) {
      if (component.getValue().isAfter(get(component.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof OriginVector vector && vector.ids.equals(ids);
  }

  @Override
  public int hashCode() {
    return ids.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    ids.forEach((region, id) -> text.append(text.length() == 0 ? "" : ";").append(region).append('=').append(id));
    return text.toString();
  }
}
