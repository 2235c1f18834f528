package io.crowdwire.testsupport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * For tests that drive real JavaScript clients: without {@code node} they are skipped, unless
 * {@code CROWDWIRE_REQUIRE_NODE} is set (as CI does), which makes a missing node a failure.
 */
public final class NodeRequirement {

  static final String VARIABLE = "CROWDWIRE_REQUIRE_NODE";

  private NodeRequirement() {
  }

  public static void requireNode() {
    boolean present = NodeClient.nodeAvailable();
    if (!present && System.getenv(VARIABLE) != null) {
      throw new AssertionError("node is required (" + VARIABLE + " is set) but `node --version` does not run");
    }
    assumeTrue(present, "node is not installed: JavaScript client tests skipped");
  }
}
