package io.crowdwire.socket;

import io.crowdwire.model.Channel;
import io.crowdwire.model.Cursor;
import io.crowdwire.model.OriginVector;
import io.crowdwire.model.EventId;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.model.LogEntry;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Locate;
import io.crowdwire.bus.LogRequests.Located;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.filter.Filter;
import io.crowdwire.protocol.Frames;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * One client's subscription to one channel, resumed without gap or duplicate: it listens live first (holding
 * what arrives), then reads the stored events after the client's {@code lastId} page by page, then hands over
 * to live delivery, skipping every id it has already sent. All of it runs on the session's event loop.
 * A filtered subscription sends only the events whose record matches, live and replayed alike; the ids it skips
 * still advance its cursor, so a client resuming from the last id it saw misses no matching event.
 *
 * <p>A replay goes out in frames of at most limits.replayPageBytes, each after the client's write queue is down
 * to half: a replay alone never fills the queue of a client that reads, and one that does not read is not sent
 * what it would only queue.
 */
final class Subscription implements ClientSubscription {

  /** What an entry adds to an EVENT frame beside its data: {@code {"id":"1700000000000-0","data":},}. */
  private static final int ENTRY_FRAMING = 48;

  private final ClientSession session;
  private final SocketServices services;
  private final Channel channel;
  /** Where the client resumes from: null for live only ("$" or absent); a cursor of id 0 for everything. */
  private final Cursor resume;
  /** With a cursor from another region: the events it had seen, skipped wherever they come in this region's order. */
  private OriginVector seen;
  /** The stream id the replay starts after, once known. */
  private EventId resumeAfter;
  /** Null: every event. */
  private final Filter filter;
  private final List<LogEntry> held = new ArrayList<>();
  private EventId delivered;
  private boolean live;
  private boolean heldOverflowed;
  private boolean watching;
  private boolean cancelled;
  /** The write queue's drain a replay waits for, given up on cancel. */
  private Future<Void> waiting;

  Subscription(ClientSession session, SocketServices services, Channel channel, Cursor resume, Filter filter) {
    this.session = session;
    this.services = services;
    this.channel = channel;
    this.resume = resume;
    this.filter = filter;
  }

  Channel channel() {
    return channel;
  }

  ClientSession session() {
    return session;
  }

  void start() {
    services.subscribers().add(this);
    services.state().subscriptionStarted();
    services.channels().joined(channel, session.presence());
    int pageSize = services.config().limits().replayPageSize();
    int pageBytes = services.config().limits().replayPageBytes();
    session.storeRequest(services.log().watch(channel))
      .onSuccess(ignored -> {
        watching = true;
        if (cancelled) {
          services.log().unwatch(channel);
        }
      })
      .compose(ignored -> startingPoint())
      .compose(start -> {
        resumeAfter = start.after();
        return session.storeRequest(services.log().read(new Read(channel, resumeAfter, resumeAfter == null ? 0 : pageSize, pageBytes)))
          .map(first -> start.recovered() ? first : new History(List.of(), first.top(), false, false, first.topCursor()));
      })
      .onSuccess(first -> {
        if (cancelled) {
          return;
        }
        session.send(Frames.subscribed(channel.collection(), first.topClientId(), first.recovered()));
        if (resume == null || !first.recovered()) {
          // Live only, or a cursor older than retention: never a partial replay; continue from the top.
          delivered = first.top();
          goLive();
        } else {
          delivered = resumeAfter;
          replay(first);
        }
      })
      .onFailure(failure -> {
        if (!cancelled) {
          session.subscriptionFailed(channel, failure);
        }
      });
  }

  /**
   * Where the replay starts: after the cursor's own id when it was read in this region (or is a plain id), else
   * where this region's stream holds everything its vector lacks, if it can tell (not recovered otherwise).
   */
  private Future<Located> startingPoint() {
    if (resume == null) {
      return Future.succeededFuture(new Located(null, true));
    }
    if (resume.readIn(services.config().regions().enabled() ? services.config().regions().name() : null)) {
      return Future.succeededFuture(new Located(resume.local(), true));
    }
    seen = resume.seen();
    return session.storeRequest(services.log().locate(new Locate(channel, seen)));
  }

  @Override
  public void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    services.subscribers().remove(this);
    services.state().subscriptionEnded();
    services.channels().left(channel, session.presence());
    if (waiting != null) {
      session.stopWaiting(waiting);
    }
    // Also while the instance shuts down: the bridge stops only after the socket verticles (InstanceState.socketsStopped).
    if (watching) {
      services.log().unwatch(channel);
    }
  }

  void onLive(LiveBatch batch) {
    if (cancelled) {
      return;
    }
    if (!live) {
      if (held.size() + batch.entries().size() > services.config().limits().replayBufferEvents()) {
        // Too much arrived during the replay; the log has it all, so read it again instead of holding it.
        heldOverflowed = true;
        held.clear();
      } else if (!heldOverflowed) {
        held.addAll(batch.entries());
      }
      return;
    }
    // The frame shared by every subscriber of this instance fits when this one wants the whole batch.
    if (batch.entries().get(0).id().isAfter(delivered) && seen == null
      && (filter == null || batch.records().stream().allMatch(filter::matches))) {
      delivered = batch.last();
      if (session.sendShared(batch.frame())) {
        services.metrics().delivered(batch.entries().size());
      }
    } else {
      deliver(batch.entries(), i -> batch.records().get(i), true);
    }
  }

  private void replay(History page) {
    replayFrom(page, 0);
  }

  /** Sends one frame of the page's entries from {@code from} on, then waits for the drain before the next. */
  private void replayFrom(History page, int from) {
    if (cancelled) {
      return;
    }
    List<LogEntry> entries = page.entries();
    int end = frameEnd(entries, from, services.config().limits().replayPageBytes());
    List<LogEntry> frame = entries.subList(from, end);
    deliver(frame, decoding(frame), false);
    if (end == entries.size() && !page.more()) {
      goLive();
      return;
    }
    waiting = session.writable();
    boolean pageLeft = end < entries.size();
    (pageLeft ? waiting.map(page)
      : waiting.compose(ignored -> session.storeRequest(
        services.log().read(nextPage()))))
      .onSuccess(next -> replayFrom(next, pageLeft ? end : 0))
      .onFailure(failure -> {
        if (!cancelled) {
          session.subscriptionFailed(channel, failure);
        }
      });
  }

  /** The replay's next read: what follows the last event delivered, a page by count and by bytes. */
  private Read nextPage() {
    return new Read(channel, delivered, services.config().limits().replayPageSize(),
      services.config().limits().replayPageBytes());
  }

  /** Where a frame of the entries from {@code from} on ends: within {@code maxBytes} as encoded, or after one entry. */
  static int frameEnd(List<LogEntry> entries, int from, int maxBytes) {
    long bytes = 0;
    int end = from;
    while (end < entries.size()) {
      LogEntry entry = entries.get(end);
      bytes += ByteBufUtil.utf8Bytes(entry.data()) + ENTRY_FRAMING;
      if (bytes > maxBytes && end > from) {
        break;
      }
      end++;
    }
    return end;
  }

  private void goLive() {
    if (cancelled) {
      return;
    }
    if (heldOverflowed) {
      heldOverflowed = false;
      session.storeRequest(services.log().read(nextPage()))
        .onSuccess(this::replay)
        .onFailure(failure -> session.subscriptionFailed(channel, failure));
      return;
    }
    live = true;
    deliver(held, decoding(held), true);
    held.clear();
    // Nothing appended from now on is covered: the region had every event the vector covers when it was located.
    seen = null;
  }

  /**
   * Sends the entries after the last delivered id that pass the filter, in one EVENT frame. {@code recordAt}
   * gives the record of the entry at an index, asked only of entries the filter has to judge.
   */
  private void deliver(List<LogEntry> entries, IntFunction<JsonObject> recordAt, boolean isLive) {
    List<LogEntry> fresh = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      LogEntry entry = entries.get(i);
      if (entry.id().isAfter(delivered)) {
        delivered = entry.id();
        if ((seen == null || entry.origin() == null || !seen.covers(entry.origin()))
          && (filter == null || filter.matches(recordAt.apply(i)))) {
          fresh.add(entry);
        }
      }
    }
    if (!fresh.isEmpty()) {
      // A replay page that skips nothing is a run of the stream that others resuming from here are sent too.
      boolean shared = !isLive && seen == null && filter == null;
      if (!(shared ? session.sendShared(services.replayFrames().frame(channel, fresh))
        : session.send(Frames.events(channel.collection(), fresh)))) {
        return;
      }
      if (isLive) {
        services.metrics().delivered(fresh.size());
      } else {
        services.metrics().replayed(fresh.size());
      }
    }
  }

  /** Records decoded from the entries one by one, for entries that come without a batch's decoded records. */
  private static IntFunction<JsonObject> decoding(List<LogEntry> entries) {
    return i -> entries.get(i).record();
  }
}
