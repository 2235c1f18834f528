package io.crowdwire.bus;

/**
 * One stored event. {@code data} is the JSON text of {@code {"action": ..., "record": ...}}, kept as text
 * from the webhook to the socket so that relaying never parses it again.
 */
public record LogEntry(EventId id, String data) {
}
