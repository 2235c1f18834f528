package io.crowdwire.filter;

/**
 * The work of evaluations, counted where it grows with the text: one step per character a {@code ~} reads, per
 * 64-character word of the pattern it matches. It is what a filter's budget bounds ({@link Filter#budget()}).
 * Evaluations on the event loops count nothing; tests pass a counting one to prove the bound.
 */
final class Steps {

  /** Shared by every evaluation that is not counted: it never writes, so no thread contends for it. */
  static final Steps UNCOUNTED = new Steps(false);

  private final boolean counting;
  private long taken;

  private Steps(boolean counting) {
    this.counting = counting;
  }

  static Steps counted() {
    return new Steps(true);
  }

  void add(long steps) {
    if (counting) {
      taken += steps;
    }
  }

  long taken() {
    return taken;
  }
}
