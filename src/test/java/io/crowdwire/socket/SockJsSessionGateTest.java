package io.crowdwire.socket;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Two requests of one session, on two threads at once, pass the gate one after the other; other sessions pass. */
class SockJsSessionGateTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void aSecondRequestOfTheSessionWaitsForTheFirstWithoutBlockingItsLoop() throws Exception {
    SockJsSessionGate gate = new SockJsSessionGate(vertx);
    List<String> order = new CopyOnWriteArrayList<>();
    CountDownLatch firstInside = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(3);

    // The first holds the session on a thread of its own, as if its loop were descheduled there.
    new Thread(() -> gate.enter("s1", () -> {
      order.add("first in");
      firstInside.countDown();
      await(releaseFirst);
      order.add("first out");
      done.countDown();
    })).start();
    assertThat(firstInside.await(5, TimeUnit.SECONDS)).isTrue();

    CountDownLatch secondLoopFree = new CountDownLatch(1);
    vertx.getOrCreateContext().runOnContext(ignored -> {
      gate.enter("s1", () -> {
        order.add("second");
        done.countDown();
      });
      gate.enter("s2", () -> {
        order.add("other session");
        done.countDown();
      });
      secondLoopFree.countDown();
    });
    assertThat(secondLoopFree.await(5, TimeUnit.SECONDS)).as("the second loop went on").isTrue();
    Thread.sleep(50);
    assertThat(order).containsExactly("first in", "other session");

    releaseFirst.countDown();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(order).containsExactly("first in", "other session", "first out", "second");
  }

  @Test
  void theSessionIdIsThePathsSecondToLastSegment() {
    assertThat(SockJsSessionGate.sessionId("/api/realtime/sockjs/000/quietpoll/xhr")).isEqualTo("quietpoll");
    assertThat(SockJsSessionGate.sessionId("/api/realtime/sockjs/123/a-b_c/jsonp")).isEqualTo("a-b_c");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
