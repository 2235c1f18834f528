package io.crowdwire.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who is on the other end, from a verified token's claims (or anonymous, where configured). Every connection
 * holds its principal for its whole life, so only what is used is kept: not the claims; the collections claim
 * only when permissions read one; the token only when an authorization callback is sent it.
 *
 * @param grants      the patterns listed in the configured collections claim; null when no such claim is configured
 * @param expiresAtMs when the token stops being accepted (its {@code exp} plus the verification leeway);
 *                    {@link Long#MAX_VALUE} if never
 * @param token       the token itself, for the authorization callback; null when there is none
 */
public record Principal(String subject, String email, Set<String> roles, List<CollectionPattern> grants,
                        long expiresAtMs, String token) {

  public static final Principal ANONYMOUS = new Principal("anonymous", null, Set.of(), null, Long.MAX_VALUE, null);

  /**
   * @param collectionsClaim the claim listing collection patterns, or null; entries that are not patterns grant
   *                         nothing (a bad entry must never widen access)
   * @param token            kept only if non-null
   */
  static Principal fromClaims(JsonObject claims, String collectionsClaim, long expiresAtMs, String token) {
    Set<String> roles = new HashSet<>();
    strings(claims.getValue("roles")).forEach(roles::add);
    List<CollectionPattern> grants = null;
    if (collectionsClaim != null) {
      grants = new ArrayList<>();
      for (String entry : strings(claims.getValue(collectionsClaim))) {
        try {
          grants.add(CollectionPattern.parse(entry));
        } catch (IllegalArgumentException notAPattern) {
          // grants nothing
        }
      }
      grants = List.copyOf(grants);
    }
    return new Principal(claims.getString("sub", "unknown"), claims.getString("email"), Set.copyOf(roles), grants,
      expiresAtMs, token);
  }

  /** A claim that is a list of strings, or one string. */
  private static List<String> strings(Object value) {
    if (value instanceof JsonArray array) {
      List<String> all = new ArrayList<>(array.size());
      array.forEach(item -> all.add(String.valueOf(item)));
      return all;
    }
    return value instanceof String one ? List.of(one) : List.of();
  }

  /** A subject of its own: anonymous connections share one placeholder, so nothing may be counted or keyed by it. */
  public boolean named() {
    return this != ANONYMOUS;
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }

  public boolean expired(long nowMs) {
    return nowMs >= expiresAtMs;
  }

  /** Never the token: principals may be logged, tokens never are. */
  @Override
  public String toString() {
    return "Principal[subject=" + subject + ", roles=" + roles + ", grants=" + grants + "]";
  }
}
