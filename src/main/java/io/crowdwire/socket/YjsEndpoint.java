package io.crowdwire.socket;

import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.DocumentRequests.Access;
import io.crowdwire.bus.DocumentRequests.Opening;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.bus.LogClient;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.LogRequests.Compact;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.bus.LogRequests.Signal;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.limits.ConnectionCaps;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.yjs.DocumentEntry;
import io.crowdwire.yjs.Lib0Decoder.MalformedYjs;
import io.crowdwire.yjs.YjsProtocol;
import io.crowdwire.yjs.YjsProtocol.AwarenessEntry;
import io.crowdwire.yjs.YjsUpdate;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.zip.CRC32;

/**
 * {@code WebSocket /yjs/{name}?auth=<jwt>}: y-websocket's protocol, so that an unmodified {@code WebsocketProvider}
 * edits a document here. Updates are kept in the document's channel and come back through it to the editors on
 * every instance, in one order; awareness crosses the cluster's bus and is never stored. One per socket verticle.
 */
final class YjsEndpoint implements YjsSession.Hub {

  static final String PATH = "/yjs/:name";
  /** What an editor's connection counts as in analytics: the route, never the document's name. */
  private static final String ROUTE = "/yjs";
  private static final Logger LOG = LoggerFactory.getLogger(YjsEndpoint.class);

  private final Vertx vertx;
  private final InstanceState state;
  private final CrowdwireConfig config;
  private final LogClient log;
  private final Metrics metrics;
  private final AccessLimits limits;
  private final Admission admission;
  /** The shared type the Bytecrowds editor binds CodeMirror to (y-codemirror.next's usual name). */
  private static final String TEXT_TYPE = "codemirror";
  private static final String SEED_SESSION = "seed";
  /** A document whose first read fails is read again this many times (while the instance is ready), then given up. */
  private static final int LOAD_ATTEMPTS = 5;
  private static final long FIRST_RETRY_MS = 500;

  /** An admitted editor and the document's stored text, between the admission and the upgrade. */
  private record Opened(Admission.Admitted admitted, String storedText) implements Admission.Holding {
    @Override
    public ConnectionCaps.Slot slot() {
      return admitted.slot();
    }
  }

  private final Map<String, YjsDocument> documents = new HashMap<>();
  /** Every editor of this verticle, pinged and expired a slice at a time as realtime clients are. */
  private final KeepAlive<YjsSession> sessions;
  private final DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
  private final long keepAliveTimer;
  private final long compactionTimer;
  private Promise<Void> allClosed;

  YjsEndpoint(Vertx vertx, CrowdwireConfig config, LogClient log, TokenService tokens, InstanceState state,
              Metrics metrics, AccessLimits limits, Hits hits) {
    this.vertx = vertx;
    this.state = state;
    this.metrics = metrics;
    this.config = config;
    this.log = log;
    this.limits = limits;
    this.admission = new Admission(state, limits, tokens, hits);
    this.sessions = new KeepAlive<>(config.socket().pingIntervalMs(), config.socket().idleTimeoutMs(),
      System::currentTimeMillis, YjsSession::lastHeardMs, YjsSession::ping,
      session -> session.close(CloseCodes.IDLE_TIMEOUT, "nothing heard"));
    this.keepAliveTimer = vertx.setPeriodic(sessions.tickMs(), id -> sessions.tick());
    this.compactionTimer = vertx.setPeriodic(1_000, id -> {
      long now = System.currentTimeMillis();
      documents.values().forEach(document -> document.tick(now));
    });
  }

  void mount(Router router) {
    router.get(PATH).handler(this::upgrade);
  }

  /** A document channel's signal: awareness states (base64) from an editor on any instance, this one's too. */
  void onSignal(Signal signal) {
    YjsDocument document = documents.get(signal.channel().documentName());
    if (document == null) {
      return;
    }
    byte[] states;
    try {
      states = Base64.getDecoder().decode(signal.data());
      document.awareness(YjsProtocol.awarenessStates(states), System.currentTimeMillis());
    } catch (IllegalArgumentException | MalformedYjs malformed) {
      return;
    }
    byte[] frame = YjsProtocol.awareness(states);
    List.copyOf(document.editors()).forEach(editor -> editor.send(frame));
  }

  private void upgrade(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String name = ctx.pathParam("name");
    admission.upgrade(ctx, "this endpoint speaks WebSocket only (y-websocket)", () -> {
      String problem = Channel.documentNameProblem(name);
      if (problem != null) {
        return Future.failedFuture(Admission.Refused.invalid("document name " + problem, "name"));
      }
      String token = request.getParam("auth");
      return admission.admitEditor(ROUTE, token != null ? token : TokenService.bearer(request),
          config.documents().anonymous(), request.remoteAddress(), request.headers())
        .compose(admitted -> vertx.eventBus().<Opening>request(Addresses.DOCUMENT_ACCESS,
            new Access(name, admitted.principal().email()), local)
          .transform(asked -> {
            if (asked.succeeded() && asked.result().body().allowed()) {
              return Future.succeededFuture(new Opened(admitted, asked.result().body().text()));
            }
            limits.closeConnection(admitted.slot());
            return Future.failedFuture(asked.succeeded()
              ? Admission.Refused.forbidden("this document is locked to other e-mails")
              : Admission.Refused.unavailable("the document store did not answer: " + asked.cause().getMessage()));
          }));
    }, (socket, opened) -> open(socket, name, opened.admitted(), opened.storedText()));
  }

  private void open(ServerWebSocket socket, String name, Admission.Admitted admitted, String storedText) {
    socket.setWriteQueueMaxSize(config.limits().writeQueueBytes());
    boolean first = !documents.containsKey(name);
    YjsDocument document = documents.computeIfAbsent(name, created -> new YjsDocument(created, config.documents()));
    if (first) {
      state.documentOpened();
    }
    YjsSession session = new YjsSession(UUID.randomUUID().toString(), socket, document, admitted.principal(),
      config.documents(), this, System.currentTimeMillis());
    sessions.add(session);
    document.join(session);
    socket.binaryMessageHandler(frame -> session.onMessage(frame, System.currentTimeMillis()));
    socket.textMessageHandler(text -> session.close(CloseCodes.UNSUPPORTED_DATA, "y-websocket messages are binary"));
    socket.pongHandler(pong -> session.heard(System.currentTimeMillis()));
    socket.exceptionHandler(failure -> LOG.debug("Yjs connection failed: {}", failure.getMessage()));
    socket.closeHandler(closed -> closed(session, document, admitted));
    if (first) {
      load(document, storedText, 1);
    } else if (document.loaded()) {
      session.documentLoaded(System.currentTimeMillis(), List.of());
    }
  }

  /**
   * Watches the document's channel, then reads its history: nothing that comes meanwhile is missed. A document with
   * none but a stored text (written through the API, or by Bytecrowds before it used Crowdwire) starts from that
   * text, as one update every instance writes alike, so editors opening it at once on two instances get it once.
   * A store that is there but slow (a burst of opens) is tried again, the editors waiting; only an instance that is
   * not ready, or a store that keeps failing, closes them (1013).
   */
  private void load(YjsDocument document, String storedText, int attempt) {
    Future<Void> watched = document.watching() ? Future.succeededFuture() : log.watch(document.channel())
      .onSuccess(watching -> {
        if (stillOpen(document)) {
          document.watched();
        } else {
          log.unwatch(document.channel()); // its editors left while the watch was on its way
        }
      });
    watched
      .compose(watching -> readAll(document))
      .compose(read -> document.last().equals(EventId.ZERO) && storedText != null && !storedText.isEmpty()
        ? seed(document, storedText).compose(seeded -> readAll(document))
        : Future.succeededFuture())
      .onSuccess(done -> {
        long now = System.currentTimeMillis();
        List<byte[]> history = document.loadedAll(now);
        List.copyOf(document.editors()).forEach(editor -> editor.documentLoaded(now, history));
      })
      .onFailure(failure -> {
        if (!stillOpen(document)) {
          return;
        }
        if (retried(attempt, () -> stillOpen(document), next -> load(document, storedText, next))) {
          LOG.debug("Document {} could not be read ({}), trying again", document.name(), failure.getMessage());
          return;
        }
        LOG.warn("Document {} could not be read: {}", document.name(), failure.getMessage());
        List.copyOf(document.editors()).forEach(editor -> editor.close(CloseCodes.TRY_AGAIN_LATER, "store unavailable"));
      });
  }

  /**
   * A read that failed, tried again: attempt {@code attempt + 1} after 0.5 to 4 s, if still {@code wanted} then.
   * False, nothing scheduled, once {@link #LOAD_ATTEMPTS} are used up or the instance is not ready.
   */
  private boolean retried(int attempt, BooleanSupplier wanted, IntConsumer again) {
    if (attempt >= LOAD_ATTEMPTS || !state.ready()) {
      return false;
    }
    vertx.setTimer(FIRST_RETRY_MS << (attempt - 1), id -> {
      if (wanted.getAsBoolean()) {
        again.accept(attempt + 1);
      }
    });
    return true;
  }

  /** Whether the document is still this verticle's open one: its editors have not all left since it was opened. */
  private boolean stillOpen(YjsDocument document) {
    return documents.get(document.name()) == document;
  }

  private Future<Void> seed(YjsDocument document, String text) {
    byte[] update = YjsUpdate.textInsert(seedClient(document.name()), TEXT_TYPE, text);
    // One delivery id per document: a second instance seeding within the window is answered with the first entry.
    return log.append(new Append(document.channel(), DocumentEntry.update(update, null, SEED_SESSION), SEED_SESSION))
      .mapEmpty();
  }

  /** A Yjs client id of the document's own, in the range Yjs draws its random ids from (uint32). */
  private static long seedClient(String name) {
    CRC32 crc = new CRC32();
    crc.update(name.getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }

  /** Reads on from the last entry applied until no live entry was dropped meanwhile. */
  private Future<Void> readAll(YjsDocument document) {
    return readFrom(document, document.last())
      .compose(done -> document.takeEarlyDropped() ? readAll(document) : Future.succeededFuture());
  }

  private Future<Void> readFrom(YjsDocument document, EventId after) {
    return log.read(new Read(document.channel(), after, config.limits().replayPageSize(), config.limits().replayPageBytes()))
      .compose((History page) -> {
        if (!page.recovered()) {
          // Compacted since the last entry read: the snapshot and what follows it hold the rest; seen entries are skipped.
          return readFrom(document, EventId.ZERO);
        }
        page.entries().forEach(document::loadedEntry);
        return page.more() && !page.entries().isEmpty()
          ? readFrom(document, page.entries().get(page.entries().size() - 1).id())
          : Future.succeededFuture();
      });
  }

  /** How far an editor's catch-up has read: a read tried again goes on from there. */
  private static final class CatchUp {
    EventId read = EventId.ZERO;
    DocumentLock lock = new DocumentLock();
  }

  @Override
  public void catchUp(YjsSession editor) {
    catchUp(editor, new CatchUp(), 1);
  }

  /** As the document's first read: a store that is there but slow is tried again, the editor waiting (see load). */
  private void catchUp(YjsSession editor, CatchUp progress, int attempt) {
    replay(editor, progress)
      .onSuccess(editor::caughtUp)
      .onFailure(failure -> {
        if (editor.closed()) {
          return;
        }
        if (retried(attempt, () -> !editor.closed(), next -> catchUp(editor, progress, next))) {
          LOG.debug("The history of document {} could not be read for an editor ({}), trying again",
            editor.document().name(), failure.getMessage());
          return;
        }
        LOG.debug("The history of document {} could not be read for an editor: {}", editor.document().name(), failure.getMessage());
        editor.close(CloseCodes.TRY_AGAIN_LATER, "store unavailable");
      });
  }

  /**
   * Sends {@code editor} the history after what {@code progress} read, page by page, until it has read past the last
   * entry its document has applied: every live entry it was not sent meanwhile is in what it read. Returns the last
   * entry read.
   */
  private Future<EventId> replay(YjsSession editor, CatchUp progress) {
    YjsDocument document = editor.document();
    return log.read(new Read(document.channel(), progress.read, config.limits().replayPageSize(),
        config.limits().replayPageBytes()))
      .compose((History page) -> {
        if (!page.recovered()) {
          // Compacted since what was read: the snapshot and what follows it hold the rest (Yjs skips what it has).
          progress.read = EventId.ZERO;
          progress.lock = new DocumentLock();
          return replay(editor, progress);
        }
        for (LogEntry entry : page.entries()) {
          progress.read = entry.id();
          byte[] update = progress.lock.admit(DocumentEntry.parse(entry.data()));
          if (update != null) {
            editor.historyUpdate(update);
          }
        }
        boolean behind = page.more() || progress.read.compareTo(document.last()) < 0;
        return behind && !page.entries().isEmpty() && !editor.closed()
          ? replay(editor, progress)
          : Future.succeededFuture(progress.read);
      });
  }

  private void closed(YjsSession session, YjsDocument document, Admission.Admitted admitted) {
    sessions.remove(session);
    limits.closeConnection(admitted.slot());
    List<AwarenessEntry> gone = session.clients();
    if (!gone.isEmpty()) {
      // Cursors vanish at once, not after the others' 30 s timeout.
      relayAwareness(document, YjsProtocol.goneStates(gone));
    }
    if (document.leave(session)) {
      documents.remove(document.name());
      state.documentClosed();
      // Only a watch this verticle holds: releasing one it never got would release another verticle's.
      if (document.watching()) {
        log.unwatch(document.channel());
      }
    }
    if (allClosed != null && sessions.isEmpty()) {
      allClosed.tryComplete();
    }
  }

  /** Live entries of a document's channel. */
  void onLive(LiveBatch batch) {
    YjsDocument document = documents.get(batch.channel().documentName());
    if (document != null) {
      document.onLive(batch, System.currentTimeMillis());
    }
  }

  @Override
  public void store(YjsSession from, byte[] update) {
    log.append(new Append(from.document().channel(), DocumentEntry.update(update, from.email(), from.id()), null))
      .onFailure(failure -> {
        from.document().release(from.id(), update.length);
        if (state.ready()) {
          // The store is there but slow (a burst): the editor is asked again for what the store lacks, not dropped,
          // so a busy moment does not turn into every editor reconnecting at once.
          from.storeFailed();
        } else {
          from.close(CloseCodes.TRY_AGAIN_LATER, "store unavailable");
        }
      });
  }

  @Override
  public void compact(YjsSession from, EventId covers, byte[] snapshot) {
    YjsDocument document = from.document();
    log.compact(new Compact(document.channel(), covers, DocumentEntry.snapshot(snapshot, covers.toString(), document.lock(), from.id())))
      .onComplete(done -> {
        if (done.failed()) {
          LOG.debug("Document {} was not compacted: {}", document.name(), done.cause().getMessage());
        }
        metrics.yjsCompaction(done.failed() ? "failed" : done.result() ? "stored" : "stale");
      });
  }

  @Override
  public void snapshotRefused(YjsSession from, String why) {
    LOG.debug("A snapshot of document {} was not used: {}", from.document().name(), why);
    metrics.yjsCompaction("refused");
  }

  @Override
  public void closedEditor(short code) {
    metrics.yjsClosed(code);
  }

  @Override
  public void relayAwareness(YjsDocument document, byte[] encodedStates) {
    // Through the store's pub/sub, as the updates go: every instance watching the document gets it, clustered or not.
    log.signal(document.channel(), Base64.getEncoder().encodeToString(encodedStates));
  }

  Future<Void> closeAll(short code, String reason) {
    vertx.cancelTimer(keepAliveTimer);
    vertx.cancelTimer(compactionTimer);
    allClosed = Promise.promise();
    sessions.all().forEach(session -> session.close(code, reason));
    if (sessions.isEmpty()) {
      allClosed.tryComplete();
    }
    return allClosed.future();
  }
}
