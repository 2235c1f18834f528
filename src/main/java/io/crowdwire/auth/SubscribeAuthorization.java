package io.crowdwire.auth;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Whether a connection may subscribe to a (db, collection): the configured rules first, then, where a callback
 * is configured, the VSKI master has the last word on every subscription the rules allow. One per event loop.
 */
public final class SubscribeAuthorization {

  private final PermissionRules rules;
  /** Null when no callback is configured. */
  private final AuthorizationCallback callback;

  public SubscribeAuthorization(Vertx vertx, CrowdwireConfig.Permissions config) {
    this.rules = new PermissionRules(config);
    this.callback = config.callbackConfigured() ? new AuthorizationCallback(vertx, config) : null;
  }

  /**
   * Completes when {@code principal} may subscribe; fails with {@link AccessDenied}: {@link ErrorCode#FORBIDDEN}
   * when refused, {@link ErrorCode#UNAVAILABLE} when the master could not be asked. Completes at once unless the
   * master is asked.
   */
  public Future<Void> check(Principal principal, String db, String collection, Object filter) {
    if (!rules.allows(principal, db, collection)) {
      return forbidden(db, collection);
    }
    if (callback == null) {
      return Future.succeededFuture();
    }
    return callback.allows(principal, db, collection, filter).transform(verdict -> verdict.failed()
      ? Future.failedFuture(new AccessDenied(ErrorCode.UNAVAILABLE, verdict.cause().getMessage()))
      : verdict.result() ? Future.succeededFuture() : forbidden(db, collection));
  }

  /** The rules alone: for subscriptions already confirmed, when the connection's token is replaced. */
  public boolean rulesAllow(Principal principal, String db, String collection) {
    return rules.allows(principal, db, collection);
  }

  private static Future<Void> forbidden(String db, String collection) {
    return Future.failedFuture(new AccessDenied(ErrorCode.FORBIDDEN,
      "not allowed to subscribe to '" + collection + "' in database '" + db + "'"));
  }
}
