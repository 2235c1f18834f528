package io.crowdwire.http;

import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.transport.Transport;

/**
 * Which Netty transport the event loops use: epoll where Linux offers it, else the JDK's selector. io_uring is there
 * to be chosen by name and is not the default: it queues a loop's socket writes and submits them in one system call,
 * which took 16-55% off the CPU per delivery and 28-42% per webhook here, but with Vert.x 5.0.10 on it 11 tests
 * of the suite fail, each a connection closed under requests in flight or an answer lost to a reset
 * (docs/benchmarks.md, "Transports").
 */
public final class NetworkTransport {

  private NetworkTransport() {
  }

  /** The transport {@code wanted} names; a named one that this host does not offer fails with its reason. */
  public static Transport choose(CrowdwireConfig.Server.Transport wanted) {
    switch (wanted) {
      case AUTO:
        return Transport.EPOLL != null && Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
      case IO_URING:
        return required(Transport.IO_URING, "io_uring");
      case EPOLL:
        return required(Transport.EPOLL, "epoll");
      default:
        return Transport.NIO;
    }
  }

  private static Transport required(Transport transport, String name) {
    if (transport == null) {
      throw new IllegalStateException("server.transport (TRANSPORT) is " + name + ", which is not in this build");
    }
    if (!transport.available()) {
      Throwable cause = transport.unavailabilityCause();
      throw new IllegalStateException("server.transport (TRANSPORT) is " + name + ", which this host does not offer: "
        + (cause == null ? "unavailable" : cause.getMessage()) + "; auto takes epoll, else the JDK's selector", cause);
    }
    return transport;
  }
}
