package io.crowdwire.socket;

import io.crowdwire.http.HttpErrors;
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

import java.util.concurrent.TimeUnit;

/**
 * A page of the jar's {@code webroot}, which {@code src/main/web} builds (the editor's {@code index.html}, the analytics
 * dashboard's {@code analytics.html}): read once, served with its security headers and never cached, so that a new
 * build's asset names reach the browser. The pages' scripts and styles are {@link #mountAssets}'s.
 */
final class WebPage {

  private static final Logger LOG = LoggerFactory.getLogger(WebPage.class);
  private static final String WEBROOT = "webroot";
  /** The assets are named by their content (build.mjs), so a cached copy never goes stale. */
  private static final long ASSET_MAX_AGE_SECONDS = TimeUnit.DAYS.toSeconds(365);
  /** The pages' own scripts and styles, and their WebSockets, fetches and data images; nothing of other sites. */
  private static final String POLICY = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    + "style-src 'self'%s; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  private static final String STRICT_POLICY = POLICY.formatted("");
  private static final String INLINE_STYLES_POLICY = POLICY.formatted(" 'unsafe-inline'");

  private final String file;
  private final String policy;
  private final Future<Buffer> html;

  /**
   * @param inlineStyles whether the page's scripts write {@code <style>} elements or style attributes (CodeMirror does);
   *                     styles set through the CSSOM need no such leave
   */
  WebPage(Vertx vertx, String file, boolean inlineStyles) {
    this.file = file;
    this.policy = inlineStyles ? INLINE_STYLES_POLICY : STRICT_POLICY;
    // Read once, when the verticle starts; requests that come before it is read wait for it.
    this.html = vertx.fileSystem().readFile(WEBROOT + "/" + file)
      .onFailure(failure -> LOG.error("The page {} is not in this build ({}): {}", file, WEBROOT, failure.getMessage()));
  }

  /** The scripts and styles of every page, under {@code /assets/}. */
  static void mountAssets(Router router) {
    router.get("/assets/*").handler(ctx -> {
      securityHeaders(ctx.response(), STRICT_POLICY);
      ctx.next();
    }).handler(StaticHandler.create(WEBROOT).setMaxAgeSeconds(ASSET_MAX_AGE_SECONDS));
  }

  /** Answers with the page, or 500 when the build lacks it. */
  void serve(RoutingContext ctx) {
    html.onComplete(read -> {
      HttpServerResponse response = ctx.response();
      if (read.failed()) {
        HttpErrors.send(response, ErrorCode.INTERNAL, "the page " + file + " is not in this build");
        return;
      }
      securityHeaders(response, policy);
      response.putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        // Always asked again, so a new build's asset names reach the browser.
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .end(read.result());
    });
  }

  private static void securityHeaders(HttpServerResponse response, String policy) {
    response.putHeader("Content-Security-Policy", policy)
      .putHeader("X-Content-Type-Options", "nosniff")
      // An editor's link is the key to its open document, a dashboard's may carry a token: neither leaks to other sites.
      .putHeader("Referrer-Policy", "no-referrer");
  }
}
