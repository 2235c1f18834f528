package io.crowdwire.bus;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * How a socket verticle hands a request of the document API to the documents verticle ({@link Addresses#DOCUMENTS}),
 * answered with an {@link HttpAnswer}. Like {@link WebhookRequests}, it travels by reference: the sender never changes
 * what it sent.
 */
public final class DocumentRequests {

  private DocumentRequests() {
  }

  /** The routes of the document API (PROTOCOL.md §4). */
  public enum Operation {
    /** {@code GET /api/bytecrowds/{name}}: the document, without its e-mails. */
    READ,
    /** {@code POST /api/update}: its text and language. */
    UPDATE,
    /** {@code POST /api/authorize}: the e-mails that may edit it, once. */
    AUTHORIZE
  }

  /**
   * @param name    the document's name from the path ({@link Operation#READ}), else null: it is in the body
   * @param headers the sender's own copy of the request's headers
   * @param body    the request's body (null for {@link Operation#READ})
   */
  public record Call(Operation operation, String name, MultiMap headers, Buffer body) {
  }

  /** May {@code email} (null: anonymous) edit document {@code name}? Answered with an {@link Opening}. */
  public record Access(String name, String email) {
  }

  /**
   * @param allowed whether the editor may open the document
   * @param text    the document's stored text (null if it has none): what a document without Yjs history starts from
   */
  public record Opening(boolean allowed, String text) {
  }
}
