package io.crowdwire.testsupport;

import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;

/** Waits that end at a deadline without failing, for tests that count what is missing then rather than stop at it. */
public final class Deadline {

  private Deadline() {
  }

  /** Polls {@code condition} every {@code every} until it holds or {@code timeout} passes; says whether it held. */
  public static boolean reached(Duration timeout, Duration every, BooleanSupplier condition) {
    try {
      await().atMost(timeout).pollInterval(every).until(condition::getAsBoolean);
      return true;
    } catch (ConditionTimeoutException timedOut) {
      return false;
    }
  }
}
