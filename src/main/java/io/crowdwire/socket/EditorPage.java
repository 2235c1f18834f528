package io.crowdwire.socket;

import io.crowdwire.http.HttpErrors;
import io.crowdwire.model.Channel;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The Bytecrowds editor page (PROTOCOL.md §4): {@code GET /} opens a new document, {@code GET /d/{name}} edits one.
 * The page is built by {@code src/main/web} into the jar's {@code webroot} ({@link WebPage}); it talks to
 * {@code /yjs/{name}} and the document API like any other editor.
 */
final class EditorPage {

  /** 16 random bytes: a name nobody guesses, since an open document is edited by whoever has its link. */
  private static final int NAME_BYTES = 16;

  private final SecureRandom random = new SecureRandom();
  /** CodeMirror and y-codemirror.next colour carets and selections with style attributes. */
  private final WebPage page;

  EditorPage(Vertx vertx) {
    this.page = new WebPage(vertx, "index.html", true);
  }

  void mount(Router router) {
    router.get("/").handler(this::newDocument);
    router.get("/d/:name").handler(this::document);
  }

  private void newDocument(RoutingContext ctx) {
    byte[] bytes = new byte[NAME_BYTES];
    random.nextBytes(bytes);
    ctx.response().setStatusCode(302)
      .putHeader(HttpHeaders.LOCATION, "/d/" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes))
      .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
      .end();
  }

  private void document(RoutingContext ctx) {
    String problem = Channel.documentNameProblem(ctx.pathParam("name"));
    if (problem != null) {
      HttpErrors.send(ctx.response(), ErrorCode.NOT_FOUND, "document name " + problem, "name");
      return;
    }
    page.serve(ctx);
  }
}
