package io.crowdwire.documents;

import io.vertx.core.Future;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Documents in this process, for the embedded default (a single instance). Used from the documents verticle's
 * event loop only.
 */
final class MemoryDocumentStore implements DocumentStore {

  private final Map<String, Document> documents = new HashMap<>();

  @Override
  public Future<Document> read(String name) {
    return Future.succeededFuture(documents.get(name));
  }

  @Override
  public Future<Write> write(String name, String text, String language, String writer) {
    Document document = documents.get(name);
    if (document != null && !document.allows(writer)) {
      return Future.succeededFuture(new Write(false, document.authorizedEmails()));
    }
    Document before = document != null ? document : new Document(name, "", Document.DEFAULT_LANGUAGE, null);
    documents.put(name, new Document(name, text != null ? text : before.text(),
      language != null ? language : before.language(), before.authorizedEmails()));
    return Future.succeededFuture(Write.WRITTEN);
  }

  @Override
  public Future<Boolean> lock(String name, List<String> emails) {
    Document document = documents.get(name);
    if (document != null && document.locked()) {
      return Future.succeededFuture(false);
    }
    Document before = document != null ? document : new Document(name, "", Document.DEFAULT_LANGUAGE, null);
    documents.put(name, new Document(name, before.text(), before.language(), List.copyOf(emails)));
    return Future.succeededFuture(true);
  }
}
