package io.crowdwire.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.util.List;

/**
 * Passes immutable objects between verticles of one instance by reference. It refuses the wire on purpose:
 * these messages must never be sent across the cluster.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {

  private static final List<Class<?>> LOCAL_TYPES = List.of(
    LogRequests.Append.class, LogRequests.Appended.class, LogRequests.Read.class, LogRequests.History.class,
    LogRequests.Locate.class, LogRequests.Located.class,
    LogRequests.Watch.class, LogRequests.Unwatch.class, LogRequests.Claim.class, LogRequests.Claimed.class,
    LogRequests.Ack.class, LogRequests.Compact.class, LogRequests.Signal.class, LiveBatch.class, WebhookRequests.Head.class, WebhookRequests.Proceed.class,
    WebhookRequests.Refuse.class, WebhookRequests.Request.class, HttpAnswer.class,
    DocumentRequests.Call.class, DocumentRequests.Access.class, DocumentRequests.Opening.class,
    AnalyticsRequests.Hit.class, AnalyticsRequests.Query.class);

  private final String name;

  private LocalCodec(Class<T> type) {
    this.name = "local:" + type.getName();
  }

  /** Registers the codec for every bus message type; once per Vert.x instance. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static void registerAll(Vertx vertx) {
    for (Class<?> type : LOCAL_TYPES) {
      vertx.eventBus().registerDefaultCodec((Class) type, new LocalCodec<>(type));
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new UnsupportedOperationException(name + " is local only");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(name + " is local only");
  }

  @Override
  public T transform(T t) {
    return t;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
