package io.crowdwire.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Blocking one-shot Redis commands for tests that set up or inspect Redis (RESP2, on a fresh connection). */
public final class Resp {

  private Resp() {
  }

  /** Runs a command and returns its reply: a String, a Long, a List of replies, or null; an error fails the test. */
  public static Object command(int port, String... args) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      for (String arg : args) {
        byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
        request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        request.writeBytes(bytes);
        request.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      socket.getOutputStream().write(request.toByteArray());
      return reply(new BufferedInputStream(socket.getInputStream()), String.join(" ", args));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object reply(InputStream in, String command) throws IOException {
    String line = line(in);
    return switch (line.charAt(0)) {
      case '+' -> line.substring(1);
      case '-' -> throw new AssertionError(command + ": " + line.substring(1));
      case ':' -> Long.parseLong(line.substring(1));
      case '$' -> {
        int length = Integer.parseInt(line.substring(1));
        if (length < 0) {
          yield null;
        }
        byte[] bytes = in.readNBytes(length + 2);
        yield new String(bytes, 0, length, StandardCharsets.UTF_8);
      }
      case '*' -> {
        int count = Integer.parseInt(line.substring(1));
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          items.add(reply(in, command));
        }
        yield count < 0 ? null : items;
      }
      default -> throw new AssertionError(command + ": unexpected reply " + line);
    };
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\r') {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      line.write(b);
    }
    in.read();
    return line.toString(StandardCharsets.UTF_8);
  }
}
