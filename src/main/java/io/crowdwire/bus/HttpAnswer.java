package io.crowdwire.bus;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * An HTTP answer that a verticle behind the bus gives through a socket verticle's response: the webhook verticle's
 * ({@link WebhookRequests}) and the documents verticle's ({@link DocumentRequests}).
 *
 * @param closeConnection the body was left unread: the connection cannot carry another request
 */
public record HttpAnswer(int status, MultiMap headers, Buffer body, boolean closeConnection) {
}
