package io.crowdwire.analytics;

import java.time.LocalDate;

/**
 * A hit as it counts: its UTC day, normalised page, country and continent ({@link Countries#UNKNOWN} when not known),
 * whether a bot sent it, and who sent it ({@code identity}: address and user agent, hashed before it is stored).
 */
record Classified(LocalDate day, String page, String country, String continent, boolean bot, String identity) {
}
