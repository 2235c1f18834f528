package io.crowdwire.auth;

import io.crowdwire.config.CrowdwireConfig;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The configured rules over who may subscribe to which (db, collection): public patterns, patterns per role, and
 * the patterns a token lists in the configured collections claim. Any one that matches allows; with rules
 * configured, nothing else is allowed; with none at all, everything is (as before permissions existed).
 */
public final class PermissionRules {

  private final boolean configured;
  private final List<CollectionPattern> publicCollections;
  private final Map<String, List<CollectionPattern>> roles;

  public PermissionRules(CrowdwireConfig.Permissions config) {
    this.configured = config.rulesConfigured();
    this.publicCollections = parse(config.publicCollections());
    this.roles = new HashMap<>();
    config.roles().forEach((role, patterns) -> roles.put(role, parse(patterns)));
  }

  private static List<CollectionPattern> parse(List<String> patterns) {
    return patterns.stream().map(CollectionPattern::parse).toList();
  }

  public boolean configured() {
    return configured;
  }

  public boolean allows(Principal principal, String db, String collection) {
    if (!configured || CollectionPattern.anyMatches(publicCollections, db, collection)) {
      return true;
    }
    for (String role : principal.roles()) {
      List<CollectionPattern> patterns = roles.get(role);
      if (patterns != null && CollectionPattern.anyMatches(patterns, db, collection)) {
        return true;
      }
    }
    // Present only when a collections claim is configured (see TokenService).
    return principal.grants() != null && CollectionPattern.anyMatches(principal.grants(), db, collection);
  }
}
