package io.crowdwire.testsupport;

import io.vertx.core.Future;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a free loopback port, as a load balancer in front of several instances: every new connection
 * is forwarded to the current target port, and {@link #switchTo(int)} changes the target and cuts every open
 * proxied connection (both sides), so clients reconnect through it and land on the new target. Runs on
 * {@link Clients#VERTX}.
 *
 * <pre>{@code
 * try (SwitchingProxy proxy = SwitchingProxy.start(a.port())) {
 *   // clients connect to proxy.port()
 *   proxy.switchTo(b.port());
 * }
 * }</pre>
 */
public final class SwitchingProxy implements AutoCloseable {

  private static final String HOST = "127.0.0.1";

  private final NetServer server;
  private final NetClient client;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  /** Bumped by every switch: a connection to the old target that completes after it is cut at once. */
  private final AtomicLong generation = new AtomicLong();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger cut = new AtomicInteger();
  private volatile int target;

  private SwitchingProxy(int target) {
    this.target = target;
    this.client = Clients.VERTX.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5_000));
    this.server = Clients.VERTX.createNetServer(new NetServerOptions().setHost(HOST).setPort(0).setTcpNoDelay(true))
      .connectHandler(this::accept);
  }

  /** Listens on a free loopback port and forwards to {@code targetPort} on the loopback interface. */
  public static SwitchingProxy start(int targetPort) {
    SwitchingProxy proxy = new SwitchingProxy(targetPort);
    Clients.await(proxy.server.listen());
    return proxy;
  }

  public int port() {
    return server.actualPort();
  }

  public int target() {
    return target;
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** Client connections cut by switches so far. */
  public int cut() {
    return cut.get();
  }

  /** New connections go to {@code port} from now on; every open one is closed, and this returns once they are. */
  public void switchTo(int port) {
    target = port;
    generation.incrementAndGet();
    Clients.await(closeAll(true));
  }

  private void accept(NetSocket inbound) {
    accepted.incrementAndGet();
    inbound.pause();
    open.add(inbound);
    inbound.closeHandler(ignored -> open.remove(inbound));
    long connectedIn = generation.get();
    client.connect(target, HOST).onComplete(result -> {
      if (result.failed()) {
        inbound.close();
        return;
      }
      NetSocket outbound = result.result();
      open.add(outbound);
      outbound.closeHandler(ignored -> {
        open.remove(outbound);
        inbound.close();
      });
      inbound.closeHandler(ignored -> {
        open.remove(inbound);
        outbound.close();
      });
      // A switch, or the client leaving, while this connection was being made: it must not survive.
      if (generation.get() != connectedIn || !open.contains(inbound)) {
        outbound.close();
        inbound.close();
        return;
      }
      inbound.pipeTo(outbound);
      outbound.pipeTo(inbound);
    });
  }

  private Future<Void> closeAll(boolean count) {
    List<Future<Void>> closing = new ArrayList<>();
    for (NetSocket socket : new ArrayList<>(open)) {
      open.remove(socket);
      if (count && socket.localAddress() != null && socket.localAddress().port() == port()) {
        cut.incrementAndGet(); // the client side of a pair: the proxy's own port is its local port
      }
      closing.add(socket.close());
    }
    return Future.join(closing).mapEmpty();
  }

  @Override
  public void close() {
    Clients.await(closeAll(false).eventually(() -> server.close()).eventually(() -> client.close()));
  }
}
