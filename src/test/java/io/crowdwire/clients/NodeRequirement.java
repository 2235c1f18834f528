package io.crowdwire.clients;

import io.crowdwire.testsupport.NodeClient;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tests of this package drive real JavaScript clients: without {@code node} they are skipped, unless
 * {@code CROWDWIRE_REQUIRE_NODE} is set (as CI does), which makes a missing node a failure.
 */
final class NodeRequirement {

  static final String VARIABLE = "CROWDWIRE_REQUIRE_NODE";

  private NodeRequirement() {
  }

  static void requireNode() {
    boolean present = NodeClient.nodeAvailable();
    if (!present && System.getenv(VARIABLE) != null) {
      throw new AssertionError("node is required (" + VARIABLE + " is set) but `node --version` does not run");
    }
    assumeTrue(present, "node is not installed: JavaScript client tests skipped");
  }
}
