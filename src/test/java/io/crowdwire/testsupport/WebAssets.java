package io.crowdwire.testsupport;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The script and style a page of the jar's webroot names (src/main/web/build.mjs), as the browser fetches them. */
public final class WebAssets {

  private WebAssets() {
  }

  /**
   * Asserts that {@code html} names {@code script} and {@code style} with a hash of their content, and that each is
   * served with its media type, cached for a year; returns their paths.
   */
  public static List<String> assertServed(int port, String html, String script, String style) {
    Matcher assets = Pattern.compile("\"(/assets/(?:" + Pattern.quote(script) + "|" + Pattern.quote(style)
      + ")\\?v=[0-9a-f]+)\"").matcher(html);
    List<String> found = new ArrayList<>();
    while (assets.find()) {
      found.add(assets.group(1));
    }
    assertThat(found).as("the bundle, named with its hash").hasSize(2);
    for (String asset : found) {
      HttpResponse<Buffer> served = Clients.get(port, asset);
      assertThat(served.statusCode()).as(asset).isEqualTo(200);
      assertThat(served.getHeader("Content-Type")).as(asset).startsWith(asset.contains(".js") ? "text/javascript" : "text/css");
      assertThat(served.getHeader("Cache-Control")).as(asset).contains("max-age=31536000");
      assertThat(served.body().length()).as(asset).isPositive();
    }
    return found;
  }
}
