package io.crowdwire.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.Set;

/**
 * Who is on the other end, from a verified token's claims (or anonymous, where configured). The claims
 * themselves are not kept: every connection holds its principal for its whole life.
 */
public record Principal(String subject, String email, Set<String> roles) {

  public static final Principal ANONYMOUS = new Principal("anonymous", null, Set.of());

  static Principal fromClaims(JsonObject claims) {
    Set<String> roles = new HashSet<>();
    Object value = claims.getValue("roles");
    if (value instanceof JsonArray array) {
      array.forEach(role -> roles.add(String.valueOf(role)));
    } else if (value instanceof String role) {
      roles.add(role);
    }
    return new Principal(claims.getString("sub", "unknown"), claims.getString("email"), Set.copyOf(roles));
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }
}
