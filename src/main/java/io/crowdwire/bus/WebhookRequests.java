package io.crowdwire.bus;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;

/**
 * The messages by which a socket verticle hands a webhook request to a webhook verticle on the local event bus (see
 * {@link Addresses#WEBHOOK_SCREEN} and {@link Addresses#WEBHOOK}), in two steps, answered with an {@link HttpAnswer}: its head before any of the body is
 * read, then the whole request. The sender never changes what it sent, so they travel by reference, the body too.
 */
public final class WebhookRequests {

  private WebhookRequests() {
  }

  /** A request as it arrived, up to its headers; {@code headers} is the sender's own copy. */
  public record Head(String method, String path, MultiMap headers, SocketAddress peer) {
  }

  /**
   * What the webhook verticle says to a {@link Head}: go on, or the answer to give without reading the body.
   * {@code headers} go on the answer, whatever it is.
   */
  public sealed interface Verdict permits Proceed, Refuse {
    MultiMap headers();
  }

  /**
   * Read the body and send the {@link Request}, with {@code ticket} (the webhook verticle's own findings, opaque to
   * the socket: any webhook verticle instance may get the request).
   *
   * @param senderUnknown the body is read before its sender is known, so it counts against the instance's budget
   *                      for such bodies (server.unauthenticatedBodyBytes)
   */
  public record Proceed(MultiMap headers, boolean senderUnknown, Object ticket) implements Verdict {
  }

  /** Answer with {@code response} (which closes the connection: the body is left unread). */
  public record Refuse(MultiMap headers, HttpAnswer response) implements Verdict {
  }

  /** The request, its body read (null when it had none). */
  public record Request(Head head, Object ticket, Buffer body) {
  }
}
