package io.crowdwire.socket;

import io.crowdwire.http.HttpErrors;
import io.crowdwire.model.Channel;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * The Bytecrowds editor page (PROTOCOL.md §4): {@code GET /} opens a new document, {@code GET /d/{name}} edits one,
 * and its scripts and styles come from {@code /assets/}. The page is built by {@code src/main/web} into the jar's
 * {@code webroot}; it talks to {@code /yjs/{name}} and the document API like any other editor.
 */
final class EditorPage {

  private static final Logger LOG = LoggerFactory.getLogger(EditorPage.class);
  private static final String WEBROOT = "webroot";
  /** 16 random bytes: a name nobody guesses, since an open document is edited by whoever has its link. */
  private static final int NAME_BYTES = 16;
  private static final String SECURITY_POLICY = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    // CodeMirror and y-codemirror.next colour carets and selections with style attributes.
    + "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  /** The assets are named by their content (build.mjs), so a cached copy never goes stale. */
  private static final long ASSET_MAX_AGE_SECONDS = TimeUnit.DAYS.toSeconds(365);

  private final SecureRandom random = new SecureRandom();
  private final Future<Buffer> page;

  EditorPage(Vertx vertx) {
    // Read once, when the verticle starts; requests that come before it is read wait for it.
    this.page = vertx.fileSystem().readFile(WEBROOT + "/index.html")
      .onFailure(failure -> LOG.error("The editor page is not in this build ({}/index.html): {}", WEBROOT, failure.getMessage()));
  }

  void mount(Router router) {
    router.get("/").handler(this::newDocument);
    router.get("/d/:name").handler(this::document);
    router.get("/assets/*").handler(ctx -> {
      securityHeaders(ctx.response());
      ctx.next();
    }).handler(StaticHandler.create(WEBROOT).setMaxAgeSeconds(ASSET_MAX_AGE_SECONDS));
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
    page.onComplete(read -> {
      HttpServerResponse response = ctx.response();
      if (read.failed()) {
        HttpErrors.send(response, ErrorCode.INTERNAL, "the editor page is not in this build");
        return;
      }
      securityHeaders(response);
      response.putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        // Always asked again, so a new build's asset names reach the browser.
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .end(read.result());
    });
  }

  private static void securityHeaders(HttpServerResponse response) {
    response.putHeader("Content-Security-Policy", SECURITY_POLICY)
      .putHeader("X-Content-Type-Options", "nosniff")
      // The link is the key to an open document: it must not leak to other sites.
      .putHeader("Referrer-Policy", "no-referrer");
  }
}
