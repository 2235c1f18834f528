package io.crowdwire.model;

/**
 * The opaque event id a client holds and sends back as {@code lastId}. With one region it is the stream id alone
 * ({@code 1700000000000-0}), as the seed's. With regions it also says where it was read and how far the client got
 * in each origin: {@code <stream id>@<region>;<origin vector>}, e.g. {@code 1700000000009-0@eu;eu=1700000000009-0;us=1700000000005-3}.
 * In its own region the stream id is used; in another one, the vector (see docs/design.md, Regions).
 *
 * @param region null for a plain stream id
 * @param seen   the origins' last ids up to this entry; {@link OriginVector#EMPTY} for a plain stream id
 */
public record Cursor(EventId local, String region, OriginVector seen) {

  /** Longer ids are refused before parsing: eight regions fit well within it. */
  public static final int MAX_LENGTH = 1024;

  /** The cursor written by {@link #toString()}, or a plain stream id; null when {@code text} is neither. */
  public static Cursor parse(String text) {
    if (text == null || text.length() > MAX_LENGTH) {
      return null;
    }
    int at = text.indexOf('@');
    if (at < 0) {
      EventId id = EventId.parse(text);
      return id == null ? null : new Cursor(id, null, OriginVector.EMPTY);
    }
    int semicolon = text.indexOf(';', at);
    EventId local = EventId.parse(text.substring(0, at));
    String region = text.substring(at + 1, semicolon < 0 ? text.length() : semicolon);
    OriginVector seen = OriginVector.parse(semicolon < 0 ? "" : text.substring(semicolon + 1));
    return local == null || region.isEmpty() || seen == null ? null : new Cursor(local, region, seen);
  }

  /** Whether this cursor's stream id means something in {@code region}'s stream. */
  public boolean readIn(String region) {
    return this.region == null || this.region.equals(region);
  }

  @Override
  public String toString() {
    if (region == null) {
      return local.toString();
    }
    String vector = seen.toString();
    return local + "@" + region + (vector.isEmpty() ? "" : ";" + vector);
  }
}
