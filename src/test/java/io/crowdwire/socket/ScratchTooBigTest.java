package io.crowdwire.socket;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import org.junit.jupiter.api.Test;

import java.io.*;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.*;

class ScratchTooBigTest {
  @Test
  void probe() throws Exception {
    Crowdwire c = Clients.await(Crowdwire.start(TestConfig.embedded()));
    int port = c.port();
    // raw single frame
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(3000);
    OutputStream out = s.getOutputStream();
    out.write(("GET /api/realtime?db=postgres&auth=" + Tokens.user("x") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes());
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) head.append((char) in.read());
    System.out.println("HEAD " + head);
    int len = 65537;
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write(0x81); f.write(0x80 | 127);
    for (int i = 7; i >= 0; i--) f.write((int) ((long) len >> (8 * i)) & 0xff);
    f.write(new byte[4]);
    f.write(new byte[len]);
    out.write(f.toByteArray()); out.flush();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try { int b; while ((b = in.read()) >= 0) got.write(b); } catch (Exception e) { System.out.println("EXC " + e); }
    byte[] g = got.toByteArray();
    System.out.println("RAW GOT " + g.length + " bytes: " + java.util.HexFormat.of().formatHex(g, 0, Math.min(g.length, 40)));

    // fragmented via vertx
    BlockingQueue<String> q = new LinkedBlockingQueue<>();
    WebSocket ws = Clients.await(Clients.WS.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/api/realtime?db=postgres&auth=" + Tokens.user("y"))));
    ws.textMessageHandler(t -> q.add("TEXT " + t));
    ws.closeHandler(v -> q.add("CLOSE " + ws.closeStatusCode()));
    String part = "x".repeat(40000);
    Clients.await(ws.writeFrame(WebSocketFrame.textFrame("{\"type\":\"PING\",\"p\":\"" + part, false)));
    Clients.await(ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(part + "\"}"), true)));
    System.out.println("FRAG 1: " + q.poll(2, TimeUnit.SECONDS));
    Clients.await(ws.writeTextMessage("{\"type\":\"PING\"}"));
    System.out.println("FRAG 2: " + q.poll(2, TimeUnit.SECONDS));
    Clients.await(c.stop());
  }
}
