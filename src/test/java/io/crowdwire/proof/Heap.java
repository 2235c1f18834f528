package io.crowdwire.proof;

import java.lang.management.ManagementFactory;

/** The heap of this JVM, where the instances under test run. */
final class Heap {

  private Heap() {
  }

  /** Bytes in use once the collector ran a few times. */
  static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
