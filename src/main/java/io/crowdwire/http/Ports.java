package io.crowdwire.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;

/**
 * Binding a port. A second instance on a host gets the same default ports, and Netty's "bind(..) failed: Address
 * already in use" names neither the port nor the setting to change.
 */
public final class Ports {

  private Ports() {
  }

  /** {@code listening}, failed with a message naming {@code host:port} and the {@code setting} that chose it. */
  public static Future<HttpServer> named(Future<HttpServer> listening, String host, int port, String setting) {
    return listening.recover(failure -> Future.failedFuture(new IllegalStateException("cannot listen on " + host + ":"
      + port + " (" + setting + "): " + failure.getMessage() + "; set " + setting + " to a port this host has free",
      failure)));
  }
}
