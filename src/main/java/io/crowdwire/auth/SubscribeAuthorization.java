package io.crowdwire.auth;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.limits.WindowCount;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Whether a connection may subscribe to a (db, collection): the configured rules first, then, where a callback
 * is configured, the VSKI master has the last word on every subscription the rules allow. One per event loop.
 */
public final class SubscribeAuthorization {

  /** Without a callback nothing is counted: a limit of 0 never writes, so one instance serves every connection. */
  private static final WindowCount UNCOUNTED = new WindowCount(0, 1);

  private final PermissionRules rules;
  /** Null when no callback is configured. */
  private final AuthorizationCallback callback;

  public SubscribeAuthorization(Vertx vertx, CrowdwireConfig.Permissions config) {
    this.rules = new PermissionRules(config);
    this.callback = config.callbackConfigured() ? new AuthorizationCallback(vertx, config) : null;
  }

  /** What one connection (or one HTTP request) may ask of the master; pass it to every {@link #check} it makes. */
  public WindowCount callCount() {
    return callback == null ? UNCOUNTED : callback.callCount();
  }

  /**
   * Completes when {@code principal} may subscribe; fails with {@link AccessDenied}: {@link ErrorCode#FORBIDDEN}
   * when refused, {@link ErrorCode#UNAVAILABLE} when the master could not be asked, {@link ErrorCode#RATE_LIMITED}
   * when {@code calls} allows no more questions. Completes at once unless the master is asked. Who may subscribe may
   * also see who is subscribed and publish (where clients may): one decision for all three.
   */
  public Future<Void> check(Principal principal, String db, String collection, Object filter, WindowCount calls) {
    if (!rules.allows(principal, db, collection)) {
      return forbidden(db, collection);
    }
    if (callback == null) {
      return Future.succeededFuture();
    }
    return callback.allows(principal, db, collection, filter, calls).transform(verdict -> {
      if (verdict.failed()) {
        return Future.failedFuture(verdict.cause() instanceof AccessDenied denied ? denied
          : new AccessDenied(ErrorCode.UNAVAILABLE, verdict.cause().getMessage()));
      }
      return verdict.result() ? Future.succeededFuture() : forbidden(db, collection);
    });
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
