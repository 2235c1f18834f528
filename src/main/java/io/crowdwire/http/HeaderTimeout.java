package io.crowdwire.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP/1 connection that has no request in progress (none whose headers arrived and whose answer is not
 * yet out) for longer than the header timeout: a client that opens connections and sends headers byte by byte, or
 * not at all, holds each for that long at most. Netty's decoder bounds what the headers may hold, this how long they
 * may take. After an upgrade the handler leaves, with Vert.x's idle timeout: WebSockets have keep-alives of their own
 * (socket.KeepAlive, SockJS heartbeats).
 *
 * <p>Sits in the pipeline between Netty's HTTP codec and Vert.x's handler, so it sees decoded requests and the
 * responses before they are encoded; all on the channel's event loop.
 */
public final class HeaderTimeout extends ChannelDuplexHandler {

  /** The handler Vert.x serves the connection with, and the idle timeout it adds (Vert.x 5.0.10's names). */
  private static final String VERTX_HANDLER = "handler";
  private static final String VERTX_IDLE = "idle";

  private final long timeoutMs;
  /** Requests whose headers arrived and whose answer is not complete. */
  private int inProgress;
  private ScheduledFuture<?> timer;

  private HeaderTimeout(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /** Guards a new connection of the public port (HTTP/1 only: an HTTP/2 connection has no such pipeline). */
  public static void install(HttpConnection connection, long timeoutMs) {
    Channel channel = ((ConnectionBase) connection).channel();
    if (channel.pipeline().get(VERTX_HANDLER) != null && channel.pipeline().get(HeaderTimeout.class) == null) {
      channel.pipeline().addBefore(VERTX_HANDLER, "crowdwireHeaderTimeout", new HeaderTimeout(timeoutMs));
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    arm(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    disarm();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    disarm();
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof HttpRequest) {
      inProgress++;
      disarm();
    }
    super.channelRead(ctx, msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    boolean upgraded = msg instanceof HttpResponse response
      && response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code();
    // A 100 Continue is a full response to Netty but not the answer: the request's body is still to come.
    boolean informational = msg instanceof HttpResponse response && response.status().code() / 100 == 1;
    boolean answered = msg instanceof LastHttpContent && !informational;
    super.write(ctx, msg, promise);
    if (upgraded) {
      if (ctx.pipeline().get(VERTX_IDLE) != null) {
        ctx.pipeline().remove(VERTX_IDLE);
      }
      ctx.pipeline().remove(this);
    } else if (answered && --inProgress <= 0) {
      inProgress = 0;
      arm(ctx);
    }
  }

  private void arm(ChannelHandlerContext ctx) {
    disarm();
    timer = ctx.executor().schedule(() -> {
      if (inProgress == 0) {
        ctx.close();
      }
    }, timeoutMs, TimeUnit.MILLISECONDS);
  }

  private void disarm() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
