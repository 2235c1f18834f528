package io.crowdwire.model;

/**
 * Where an event was first stored: its region, the id it got in that region's stream, and the delivery id it was
 * received with (null: none). Replicated with the event, so every region knows each copy's source.
 */
public record Origin(String region, EventId id, String deliveryId) {
}
