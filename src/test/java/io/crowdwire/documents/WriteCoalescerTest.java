package io.crowdwire.documents;

import io.crowdwire.documents.DocumentStore.Write;
import io.crowdwire.testsupport.Clients;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/** The coalescer on the memory store, driven on one event loop as the documents verticle drives it. */
class WriteCoalescerTest {

  private final Vertx vertx = Vertx.vertx();
  private final Context loop = vertx.getOrCreateContext();
  private final CountingStore store = new CountingStore();

  @AfterEach
  void close() {
    Clients.await(vertx.close());
  }

  @Test
  void writesWithinAWindowAreOneWriteOfTheLastValues() {
    WriteCoalescer writes = new WriteCoalescer(vertx, store, 200);
    List<Future<Write>> answers = on(() -> {
      List<Future<Write>> all = new ArrayList<>();
      for (int i = 1; i <= 50; i++) {
        all.add(writes.write("doc", "v" + i, i == 10 ? "python" : null, null));
      }
      return all;
    });
    Clients.await(Future.all(answers));
    assertThat(answers).allSatisfy(answer -> assertThat(answer.result().written()).isTrue());
    assertThat(store.writes).as("the first at once, the other 49 merged into one at the window's end").isEqualTo(2);
    Document stored = Clients.await(on(() -> store.read("doc")));
    assertThat(stored.text()).isEqualTo("v50");
    assertThat(stored.language()).as("a field given once is kept by later writes without it").isEqualTo("python");
  }

  @Test
  void aLockLearnedFromTheStoreRefusesUnlistedWritersWithoutDisplacingAPendingValue() {
    WriteCoalescer writes = new WriteCoalescer(vertx, store, 200);
    Clients.await(on(() -> store.lock("doc", List.of("alice@example.com"))));
    Write refused = Clients.await(on(() -> writes.write("doc", "bob's", null, "bob@example.org")));
    assertThat(refused.written()).isFalse();
    assertThat(refused.authorizedEmails()).containsExactly("alice@example.com");
    int writesSoFar = store.writes;
    List<Future<Write>> answers = on(() -> List.of(writes.write("doc", "alice's", null, "alice@example.com"),
      writes.write("doc", "bob's again", null, "bob@example.org")));
    assertThat(Clients.await(answers.get(1)).written()).as("refused at once, from the lock it learned").isFalse();
    assertThat(Clients.await(answers.get(0)).written()).isTrue();
    assertThat(store.writes - writesSoFar).isEqualTo(1);
    assertThat(Clients.await(on(() -> store.read("doc"))).text()).isEqualTo("alice's");
  }

  @Test
  void flushAllWritesWhatWaitsForItsWindowAndEveryLaterWriteAtOnce() {
    WriteCoalescer writes = new WriteCoalescer(vertx, store, 60_000);
    Clients.await(on(() -> writes.write("doc", "first", null, null)));
    Future<Write> waiting = on(() -> writes.write("doc", "second", null, null));
    Clients.await(on(writes::flushAll));
    assertThat(waiting.isComplete()).isTrue();
    assertThat(Clients.await(on(() -> store.read("doc"))).text()).isEqualTo("second");
    Clients.await(on(() -> writes.write("doc", "third", null, null)));
    assertThat(Clients.await(on(() -> store.read("doc"))).text()).as("no window after a flush of everything").isEqualTo("third");
  }

  private <T> T on(Callable<T> work) {
    Promise<T> done = Promise.promise();
    loop.runOnContext(ignored -> {
      try {
        done.complete(work.call());
      } catch (Exception e) {
        done.fail(e);
      }
    });
    return Clients.await(done.future());
  }

  /** The memory store, answering a turn of the loop later as a remote one would, counting its writes. */
  private final class CountingStore implements DocumentStore {
    private final MemoryDocumentStore memory = new MemoryDocumentStore();
    private int writes;

    @Override
    public Future<Document> read(String name) {
      return memory.read(name);
    }

    @Override
    public Future<Write> write(String name, String text, String language, String writer) {
      writes++;
      Promise<Write> later = Promise.promise();
      vertx.setTimer(5, id -> memory.write(name, text, language, writer).onComplete(later));
      return later.future();
    }

    @Override
    public Future<Boolean> lock(String name, List<String> emails) {
      return memory.lock(name, emails);
    }
  }
}
