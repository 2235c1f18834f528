package io.crowdwire.redis;

import io.crowdwire.model.Cursor;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.model.Origin;
import io.crowdwire.model.OriginVector;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * Entries as the scripts store and publish them, back to {@link LogEntry}: field {@code d} the data and, with
 * regions, {@code o} the origin, {@code i} its id there (absent when that is this stream's own), {@code k} the
 * delivery id and {@code p} the origin vector before the entry (see vector.lua). With regions each entry gets its
 * {@link Cursor}: where it stands in this region and in every origin.
 */
final class StoredEntries {

  /** Starts the part of a live message that says an entry's origin: {@code <id> @<origin>|<origin id>|<before> <data>}. */
  private static final char ORIGIN_MARK = '@';

  /** This region, null without regions. */
  private final String region;

  StoredEntries(String region) {
    this.region = region;
  }

  /** XRANGE's reply, each entry {@code [id, [field, value, ...]]}. */
  List<LogEntry> fromRange(Response range) {
    List<LogEntry> entries = new ArrayList<>(range.size());
    for (Response entry : range) {
      entries.add(fromFields(entry.get(0).toString(), entry.get(1)));
    }
    return entries;
  }

  private LogEntry fromFields(String idText, Response fields) {
    EventId id = EventId.parse(idText);
    String data = null;
    String origin = null;
    String originId = null;
    String delivery = null;
    String before = null;
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      String value = fields.get(i + 1).toString();
      switch (fields.get(i).toString()) {
        case "d" -> data = value;
        case "o" -> origin = value;
        case "i" -> originId = value;
        case "k" -> delivery = value;
        case "p" -> before = value;
        default -> {
          // A field of a later version: ignored, as readers of a rolling upgrade must.
        }
      }
    }
    return entry(id, data, origin, originId == null ? id : EventId.parse(originId), delivery, before);
  }

  /** A live message, {@code <id> <data>} or {@code <id> @<origin>|<origin id>|<before> <data>}; null when malformed. */
  LogEntry fromLive(String payload) {
    int space = payload.indexOf(' ');
    EventId id = space > 0 ? EventId.parse(payload.substring(0, space)) : null;
    if (id == null) {
      return null;
    }
    if (payload.length() == space + 1 || payload.charAt(space + 1) != ORIGIN_MARK) {
      return new LogEntry(id, payload.substring(space + 1));
    }
    int first = payload.indexOf('|', space);
    int second = first < 0 ? -1 : payload.indexOf('|', first + 1);
    int end = second < 0 ? -1 : payload.indexOf(' ', second);
    if (end < 0) {
      return null;
    }
    String originId = payload.substring(first + 1, second);
    return entry(id, payload.substring(end + 1), payload.substring(space + 2, first),
      originId.isEmpty() ? id : EventId.parse(originId), null, payload.substring(second + 1, end));
  }

  private LogEntry entry(EventId id, String data, String originRegion, EventId originId, String delivery, String before) {
    OriginVector vector = before == null ? null : OriginVector.parse(before);
    if (originRegion == null || originId == null || vector == null) {
      // Stored before regions were configured, or a document's compaction: a plain stream id.
      return new LogEntry(id, data);
    }
    Origin origin = new Origin(originRegion, originId, delivery);
    String cursor = region == null ? null : new Cursor(id, region, vector.with(origin)).toString();
    return new LogEntry(id, data, origin, cursor);
  }

  /** The cursor of a stream's top: its id and the channel's origin vector; null without regions (the id says it). */
  String topCursor(EventId top, String vector) {
    OriginVector parsed = vector == null ? null : OriginVector.parse(vector);
    return region == null || parsed == null ? null : new Cursor(top, region, parsed).toString();
  }
}
