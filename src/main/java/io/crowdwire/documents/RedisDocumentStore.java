package io.crowdwire.documents;

import io.crowdwire.redis.RedisDocuments;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.List;

/** Documents in Redis, in Bytecrowds' hash layout, so an existing Bytecrowds database can be served. */
final class RedisDocumentStore implements DocumentStore {

  private final RedisDocuments redis;

  RedisDocumentStore(RedisDocuments redis) {
    this.redis = redis;
  }

  @Override
  public Future<Document> read(String name) {
    return redis.read(name).map(fields -> fields.exist()
      ? new Document(name, fields.text() == null ? "" : fields.text(),
        fields.language() == null ? Document.DEFAULT_LANGUAGE : fields.language(), emails(fields.authorizedEmails()))
      : null);
  }

  @Override
  public Future<Write> write(String name, String text, String language, String writer) {
    return redis.write(name, text, language, writer)
      .map(refusedBy -> refusedBy == null ? Write.WRITTEN : new Write(false, emails(refusedBy)));
  }

  @Override
  public Future<Boolean> lock(String name, List<String> emails) {
    return redis.lock(name, new JsonArray(emails).encode());
  }

  /**
   * The stored list, null when none is set. One that is not a JSON array of strings (written by something else)
   * locks the document to nobody: an unreadable lock must not open it.
   */
  static List<String> emails(String stored) {
    if (stored == null) {
      return null;
    }
    try {
      List<String> emails = new ArrayList<>();
      for (Object email : new JsonArray(stored)) {
        if (email instanceof String address) {
          emails.add(address);
        }
      }
      return List.copyOf(emails);
    } catch (DecodeException | ClassCastException unreadable) {
      return List.of();
    }
  }
}
