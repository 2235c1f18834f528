package io.crowdwire.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * For tests that drive real JavaScript clients: without {@code node} they are skipped, unless
 * {@code CROWDWIRE_REQUIRE_NODE} is set (as CI does), which makes a missing node a failure. Browser tests need
 * Debian's Chromium as well, under {@code CROWDWIRE_REQUIRE_CHROMIUM} the same way.
 */
public final class NodeRequirement {

  static final String VARIABLE = "CROWDWIRE_REQUIRE_NODE";
  /** Debian's Chromium: the browser tests never download one. */
  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  /** Set (as CI does), a missing Chromium fails the browser tests instead of skipping them. */
  static final String REQUIRE_CHROMIUM = "CROWDWIRE_REQUIRE_CHROMIUM";

  private NodeRequirement() {
  }

  public static void requireNode() {
    boolean present = NodeClient.nodeAvailable();
    if (!present && System.getenv(VARIABLE) != null) {
      throw new AssertionError("node is required (" + VARIABLE + " is set) but `node --version` does not run");
    }
    assumeTrue(present, "node is not installed: JavaScript client tests skipped");
  }

  /** Node, and Chromium for playwright-core to drive; {@code what} names the test that skips without it. */
  public static void requireChromium(String what) {
    requireNode();
    boolean present = Files.isExecutable(CHROMIUM);
    if (!present && System.getenv(REQUIRE_CHROMIUM) != null) {
      throw new AssertionError("Chromium is required (" + REQUIRE_CHROMIUM + " is set) but " + CHROMIUM + " is missing");
    }
    assumeTrue(present, CHROMIUM + " is not installed: " + what + " skipped");
  }
}
