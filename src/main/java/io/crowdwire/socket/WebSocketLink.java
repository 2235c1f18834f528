package io.crowdwire.socket;

import io.crowdwire.protocol.EncodedFrame;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.protocol.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.VertxHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket served straight on its Netty channel. Vert.x routes, authenticates and upgrades the connection;
 * then this handler takes the place of Vert.x's in the pipeline, behind Netty's frame decoder and encoder, and
 * none of Vert.x's objects for the connection stay reachable: its outbound queue, the upgrade request it keeps
 * with its headers, its WebSocket. That was about 8 KB of heap per idle connection, and a third of the CPU
 * spent on each write of a fan-out besides the kernel's.
 *
 * <p>Threading: Netty calls this handler on the channel's event loop, which is the socket verticle's (Vert.x
 * gives each verticle's server the channels of its own event loop), and the session writes only from that
 * verticle's context, so every write goes straight to the channel without a queue. The session's code uses
 * futures and the event bus, so inbound events reach it with the verticle's context made current in place
 * ({@link ContextInternal#emit}), not through a task.
 */
final class WebSocketLink extends ChannelInboundHandlerAdapter implements ClientLink {

  /**
   * What one endpoint's WebSockets share. {@code closed} is told once per connection, when its channel is gone.
   * The channel's outbound buffer counts every frame written to it, pongs and pings included: past
   * {@code writeQueueBytes} the client is a slow consumer. Netty's writability marks half of it, where a replay
   * sends its next page; the channel turns writable again at a quarter.
   */
  record Settings(ContextInternal context, int maxFrameBytes, int writeQueueBytes, WriteBufferWaterMark drainMarks,
                  Handler<ClientSession> closed) {

    Settings(ContextInternal context, int maxFrameBytes, int writeQueueBytes, Handler<ClientSession> closed) {
      this(context, maxFrameBytes, writeQueueBytes, new WriteBufferWaterMark(writeQueueBytes / 4, writeQueueBytes / 2), closed);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(WebSocketLink.class);
  /** How long a sent close frame may wait for the client's answer before the connection is dropped. */
  private static final long CLOSE_TIMEOUT_SECONDS = 10;
  /**
   * How long a close frame may wait behind data the client has not read (a slow consumer's full queue) before the
   * connection is dropped without it, releasing what was queued.
   */
  private static final long UNREAD_CLOSE_TIMEOUT_MILLIS = 2_000;

  private final Settings settings;
  private ChannelHandlerContext ctx;
  private ClientSession session;
  private Handler<Void> drainHandler;
  private boolean closing;
  /** The decoder met a frame it could not take and drops all that follows. */
  private boolean inputBroken;

  WebSocketLink(Settings settings) {
    this.settings = settings;
  }

  /**
   * Replaces Vert.x's handler of the request's upgraded channel with this one, which from now on feeds the
   * session. Must run on the channel's event loop, right after the upgrade: nothing is read in between. vertx-web
   * wraps the WebSocket in a class that does not expose its channel; the HTTP connection's is the same.
   */
  void takeOver(HttpServerRequest upgraded, ClientSession session) {
    ConnectionBase http = (ConnectionBase) upgraded.connection();
    Channel channel = http.channel();
    assert channel.eventLoop().inEventLoop() && settings.context().nettyEventLoop() == channel.eventLoop()
      : "a WebSocket must be taken over on its socket verticle's event loop";
    this.session = session;
    channel.config().setWriteBufferWaterMark(settings.drainMarks());
    VertxHandler<?> vertx = channel.pipeline().replace(VertxHandler.class, "crowdwire", this);
    // Vert.x's own end of the connection: its HTTP server meters count the WebSocket as closed (it left them
    // for crowdwire_connections) and its WebSocket object marks itself closed. The channel stays open.
    vertx.channelInactive(ctx);
    // Vert.x's HTTP and WebSocket connection objects each wait for the channel to close with a promise (on the
    // request's context for the latter), which would stay, context and all, for the life of the connection.
    stopListening(channel, http);
    stopListening(channel, vertx.getConnection());
  }

  private static void stopListening(Channel channel, ConnectionBase connection) {
    channel.closeFuture().removeListener((PromiseInternal<Void>) connection.closeFuture());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void send(String frame) {
    if (!closing) {
      write(ByteBufUtil.writeUtf8(ctx.alloc(), frame));
    }
  }

  /**
   * Writes the shared message as it is on the wire: Netty's frame encoder lets a buffer that is no frame pass, so a
   * fan-out makes no frame, header or copy per subscriber. One past the frame size goes out split, as any message.
   */
  @Override
  public void sendShared(EncodedFrame frame) {
    if (closing) {
      return;
    }
    ByteBuffer wire = frame.webSocketFrame();
    if (frame.payloadLength() <= settings.maxFrameBytes()) {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(wire), ctx.voidPromise());
    } else {
      write(Unpooled.wrappedBuffer(wire.position(wire.limit() - frame.payloadLength())));
    }
  }

  /** Writes a text message, split into continuation frames past the frame size a client is held to as well. */
  private void write(ByteBuf utf8) {
    int max = settings.maxFrameBytes();
    if (utf8.readableBytes() <= max) {
      ctx.writeAndFlush(new TextWebSocketFrame(utf8), ctx.voidPromise());
      return;
    }
    boolean first = true;
    while (utf8.isReadable()) {
      ByteBuf part = utf8.readRetainedSlice(Math.min(max, utf8.readableBytes()));
      boolean last = !utf8.isReadable();
      ctx.write(first ? new TextWebSocketFrame(last, 0, part) : new ContinuationWebSocketFrame(last, 0, part),
        ctx.voidPromise());
      first = false;
    }
    utf8.release();
    ctx.flush();
  }

  /**
   * Sends the close frame and closes the connection once it is out, as Netty's own handshakers do; a client
   * that reads nothing more is dropped after a timeout instead.
   */
  @Override
  public void close(short code, String reason) {
    if (closing) {
      return;
    }
    closing = true;
    ChannelFuture sent = ctx.writeAndFlush(new CloseWebSocketFrame(code, reason));
    if (inputBroken) {
      // The decoder reads nothing more, so the client's close would never arrive.
      sent.addListener(ChannelFutureListener.CLOSE);
    }
    // Else wait for the client's close (closeAnswered ends the connection) or the timeout. Ending it at once, with
    // frames of the client's unread, would reset it, and a reset may destroy our close frame before the client
    // reads it: the client would see 1006, not why it was closed.
    ScheduledFuture<?> timeout = ctx.executor().schedule(() -> ctx.close(), CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    ScheduledFuture<?> unread = ctx.executor().schedule(() -> {
      if (!sent.isDone()) {
        ctx.close();
      }
    }, UNREAD_CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    ctx.channel().closeFuture().addListener(closed -> {
      timeout.cancel(false);
      unread.cancel(false);
    });
  }

  @Override
  public void ping() {
    if (!closing) {
      ctx.writeAndFlush(new PingWebSocketFrame(), ctx.voidPromise());
    }
  }

  @Override
  public String remoteAddress() {
    return String.valueOf(ctx.channel().remoteAddress());
  }

  @Override
  public boolean writeQueueFull() {
    ChannelOutboundBuffer queued = ctx.channel().unsafe().outboundBuffer();
    return queued != null && queued.totalPendingWriteBytes() > settings.writeQueueBytes();
  }

  @Override
  public boolean writable() {
    return ctx.channel().isWritable();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    drainHandler = handler;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (closing && !(msg instanceof CloseWebSocketFrame)) {
      // What the client sent before it read our close is read, so the connection ends cleanly, and dropped.
      ReferenceCountUtil.release(msg);
      return;
    }
    session.touch();
    if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
      // The port's frame decoder takes frames as large as a Yjs update (YjsEndpoint); this protocol's are smaller.
      if (((WebSocketFrame) msg).content().readableBytes() > settings.maxFrameBytes()) {
        ReferenceCountUtil.release(msg);
        settings.context().emit(session, s -> s.close(CloseCodes.TOO_BIG,
          "message larger than " + settings.maxFrameBytes() + " bytes"));
        return;
      }
      if (!((WebSocketFrame) msg).isFinalFragment()) {
        aggregate(msg);
        return;
      }
    }
    try {
      if (msg instanceof TextWebSocketFrame text) {
        settings.context().emit(text.text(), session::onText);
      } else if (msg instanceof BinaryWebSocketFrame) {
        settings.context().emit(session, s -> s.sendError(ErrorCode.INVALID_MESSAGE,
          "binary frames are not supported: send JSON text", null));
      } else if (msg instanceof PingWebSocketFrame ping) {
        settings.context().emit(ping.content().retain(), this::answerPing);
      } else if (msg instanceof CloseWebSocketFrame peerClose) {
        closeAnswered(peerClose);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /** A ping frame is a message like any other (a flood of them is rate limited) and its pong counts as output. */
  private void answerPing(ByteBuf payload) {
    if (session.pingAdmitted()) {
      ctx.writeAndFlush(new PongWebSocketFrame(payload), ctx.voidPromise());
    } else {
      payload.release();
    }
  }

  /**
   * The first fragment of a message: Netty's aggregator joins this one's and every later message's fragments
   * ahead of this handler, up to the frame limit. Few clients fragment, so only their pipelines carry one.
   */
  private void aggregate(Object firstFragment) throws Exception {
    WebSocketFrameAggregator aggregator = new WebSocketFrameAggregator(settings.maxFrameBytes());
    ctx.pipeline().addBefore(ctx.name(), "aggregator", aggregator);
    aggregator.channelRead(ctx.pipeline().context(aggregator), firstFragment);
  }

  /** The client closes, or answers our close: echo its code if it spoke first, and end the connection. */
  private void closeAnswered(CloseWebSocketFrame peerClose) {
    if (closing) {
      ctx.close();
      return;
    }
    closing = true;
    ctx.writeAndFlush(new CloseWebSocketFrame(true, 0, peerClose.content().retain())).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && drainHandler != null) {
      settings.context().emit(null, drainHandler);
    }
  }

  /**
   * Netty's decoder reports a frame over the limit, its aggregator a fragmented message over it, and the decoder
   * drops whatever follows a broken frame: the client must hear why (1009 for size), not silence.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable failure) {
    WebSocketCloseStatus status = failure instanceof TooLongFrameException ? WebSocketCloseStatus.MESSAGE_TOO_BIG
      : failure instanceof CorruptedWebSocketFrameException corrupted ? corrupted.closeStatus() : null;
    inputBroken = status != null;
    if (status == null) {
      LOG.atDebug().addKeyValue("connectionId", session.connectionId()).log("WebSocket error: {}", failure.getMessage());
      ctx.close();
    } else if (status.equals(WebSocketCloseStatus.MESSAGE_TOO_BIG)) {
      settings.context().emit(session, s -> s.close(CloseCodes.TOO_BIG,
        "message larger than " + settings.maxFrameBytes() + " bytes"));
    } else {
      settings.context().emit(session, s -> s.close((short) status.code(), status.reasonText()));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    settings.context().emit(session, settings.closed());
  }
}
