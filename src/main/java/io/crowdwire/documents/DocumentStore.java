package io.crowdwire.documents;

import io.vertx.core.Future;

import java.util.List;

/**
 * Where documents are kept: Redis hashes in Bytecrowds' layout ({@link RedisDocumentStore}), or this process's
 * memory on the embedded default ({@link MemoryDocumentStore}). Both check a document's lock in the same step as
 * the write it guards, so a lock set on another instance is never written past.
 */
interface DocumentStore {

  /** The document, or null when there is none by that name. */
  Future<Document> read(String name);

  /**
   * Writes the fields given (null: left as they are), creating the document (language {@code javascript} unless
   * given) when missing, unless it is locked and {@code writer} (an e-mail, or null) is not listed.
   */
  Future<Write> write(String name, String text, String language, String writer);

  /** Locks the document to {@code emails} unless it already is; true if this call locked it. */
  Future<Boolean> lock(String name, List<String> emails);

  /**
   * What a write did.
   *
   * @param authorizedEmails when refused, the e-mails the document is locked to
   */
  record Write(boolean written, List<String> authorizedEmails) {
    static final Write WRITTEN = new Write(true, null);
  }
}
