package io.crowdwire.testsupport;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Runs one of the JavaScript clients in {@code src/test/js} (see the README there) as a child
 * process and talks to it in JSON lines: commands go to its stdin, what it reports comes back
 * from its stdout. Lets tests prove the server works with clients written by others.
 *
 * <pre>{@code
 * assumeTrue(NodeClient.nodeAvailable());
 * try (NodeClient c = NodeClient.start("vski-client.mjs", "http://127.0.0.1:" + port, token)) {
 *   c.send(new JsonObject().put("subscribe", new JsonObject().put("collection", "posts")));
 *   c.nextMatching(m -> "event".equals(m.getString("kind")), Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class NodeClient implements AutoCloseable {

  private static final int REMEMBERED_LINES = 30;
  private static final Duration NPM_CI_TIMEOUT = Duration.ofMinutes(5);
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static boolean npmReady;
  private static Boolean nodeAvailable;

  private final String name;
  private final Process process;
  private final OutputStream stdin;
  private final Path stderrLog;
  private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  /** The latest stdout lines, read or skipped, so a timeout can say what did come instead. */
  private final Deque<String> lastLines = new ArrayDeque<>();
  /** Set once stdout has ended: then an empty queue will stay empty, no need to wait. */
  private volatile boolean stdoutEnded;
  private boolean closed;

  private NodeClient(String name, Process process, Path stderrLog) {
    this.name = name;
    this.process = process;
    this.stdin = process.getOutputStream();
    this.stderrLog = stderrLog;
    Thread reader = new Thread(this::readStdout, "node-client-" + name);
    reader.setDaemon(true); // a stuck child must never keep the test JVM alive
    reader.start();
  }

  /** Starts {@code node <script> args...} in {@code src/test/js}, installing its packages first if needed. */
  public static NodeClient start(String script, String... args) {
    Path jsDir = jsDir();
    ensureNpmCi(jsDir);
    String name = script.replaceFirst("\\.m?js$", "") + "-" + SEQ.incrementAndGet();
    Path stderrLog = logDir().resolve(name + ".stderr.log");
    List<String> command = new ArrayList<>();
    command.add("node");
    command.add(script);
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(jsDir.toFile())
        // to a file, not a pipe: nobody reads stderr, and a full pipe would block the child
        .redirectError(stderrLog.toFile());
    try {
      return new NodeClient(name, pb.start(), stderrLog);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  /**
   * A file that a package of {@code src/test/js} ships, such as a database ({@code relative} to its node_modules),
   * installing the packages first if needed: nothing is downloaded but by that {@code npm ci}.
   */
  public static Path packageFile(String relative) {
    Path jsDir = jsDir();
    ensureNpmCi(jsDir);
    Path file = jsDir.resolve("node_modules").resolve(relative);
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("no " + file + " after npm ci: is its package in src/test/js/package.json?");
    }
    return file;
  }

  /** True when {@code node --version} runs; tests should skip (assumeTrue) otherwise. */
  public static synchronized boolean nodeAvailable() {
    if (nodeAvailable == null) {
      try {
        Process p = new ProcessBuilder("node", "--version")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        nodeAvailable = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (p.isAlive()) p.destroyForcibly();
      } catch (IOException e) {
        nodeAvailable = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return nodeAvailable;
  }

  /** The next reported line; fails if none comes within the timeout. */
  public JsonObject next(Duration timeout) {
    JsonObject m = poll(timeout.toNanos());
    if (m == null) throw timeout("no message within " + timeout);
    return m;
  }

  /** The next reported line that matches, dropping the ones before it. */
  public JsonObject nextMatching(Predicate<JsonObject> matcher, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonObject m = poll(deadline - System.nanoTime());
      if (m == null) throw timeout("no matching message within " + timeout);
      if (matcher.test(m)) return m;
    }
  }

  /** Everything reported and not yet taken, without waiting. */
  public List<JsonObject> drain() {
    List<JsonObject> all = new ArrayList<>();
    received.drainTo(all);
    return all;
  }

  /** Writes one command line to the script's stdin. */
  public synchronized void send(JsonObject command) {
    try {
      stdin.write((command.encode() + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to " + name + " (" + exitStatus() + ")", e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Asks the script to close (it then exits by itself), and kills it if it has not after 2 s. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
      try {
        send(new JsonObject().put("close", true));
        stdin.close();
      } catch (UncheckedIOException | IOException ignored) {
        // already gone: nothing to ask
      }
    }
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "NodeClient[" + name + ", " + exitStatus() + "]";
  }

  private JsonObject poll(long nanos) {
    long deadline = System.nanoTime() + nanos;
    try {
      while (true) {
        // short slices, so a script that died is reported at once rather than at the timeout
        long slice = Math.min(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(100));
        JsonObject m = slice <= 0 ? received.poll() : received.poll(slice, TimeUnit.NANOSECONDS);
        if (m != null || slice <= 0) return m;
        if (stdoutEnded && received.isEmpty()) return null;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + name, e);
    }
  }

  private void readStdout() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank()) continue;
        synchronized (lastLines) {
          if (lastLines.size() == REMEMBERED_LINES) lastLines.removeFirst();
          lastLines.addLast(line);
        }
        JsonObject m;
        try {
          m = new JsonObject(line);
        } catch (DecodeException | ClassCastException e) {
          // the scripts only print JSON objects; keep anything else visible rather than lost
          m = new JsonObject().put("kind", "unparsed").put("line", line);
        }
        received.add(m);
      }
    } catch (IOException ignored) {
      // the stream closes when the process dies; the exit status tells the rest
    } finally {
      stdoutEnded = true;
    }
  }

  private AssertionError timeout(String what) {
    StringBuilder sb = new StringBuilder(what).append(" from ").append(name)
        .append(" (").append(exitStatus()).append(")\nlast stdout lines:");
    synchronized (lastLines) {
      if (lastLines.isEmpty()) sb.append(" none");
      lastLines.forEach(l -> sb.append("\n  ").append(l));
    }
    sb.append("\nstderr (").append(stderrLog).append("):").append(tail(stderrLog, 2000));
    return new AssertionError(sb.toString());
  }

  private String exitStatus() {
    if (stdoutEnded) {
      try {
        process.waitFor(1, TimeUnit.SECONDS); // stdout ends just before the exit: let it land
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return process.isAlive() ? "running" : "exited with " + process.exitValue();
  }

  private static String tail(Path file, int maxChars) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8);
      return s.isEmpty() ? " empty" : "\n" + s.substring(Math.max(0, s.length() - maxChars));
    } catch (IOException e) {
      return " unreadable: " + e.getMessage();
    }
  }

  /** The Maven project base dir: Surefire sets basedir, and runs the tests with it as user.dir. */
  private static Path baseDir() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().normalize();
  }

  private static Path jsDir() {
    Path dir = baseDir().resolve("src/test/js");
    if (!Files.isRegularFile(dir.resolve("package.json"))) {
      throw new IllegalStateException("no package.json in " + dir + ": run the tests from the project directory");
    }
    return dir;
  }

  /** Logs of the children go under target/, which is not committed. */
  private static Path logDir() {
    Path dir = baseDir().resolve("target/node-clients");
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs {@code npm ci} at most once per JVM, and not at all when node_modules is already newer
   * than package-lock.json. npm writes node_modules/.package-lock.json last, so its presence also
   * tells that a previous install finished rather than died half-way.
   */
  private static synchronized void ensureNpmCi(Path jsDir) {
    if (npmReady) return;
    Path lock = jsDir.resolve("package-lock.json");
    Path installed = jsDir.resolve("node_modules/.package-lock.json");
    try {
      if (Files.exists(installed)
          && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
        npmReady = true;
        return;
      }
      Path log = logDir().resolve("npm-ci.log");
      String npm = System.getProperty("os.name", "").startsWith("Windows") ? "npm.cmd" : "npm";
      Process p = new ProcessBuilder(npm, "ci", "--no-audit", "--no-fund")
          .directory(jsDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      if (!p.waitFor(NPM_CI_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("npm ci in " + jsDir + " took over " + NPM_CI_TIMEOUT + ":" + tail(log, 4000));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("npm ci in " + jsDir + " failed (" + p.exitValue() + "):" + tail(log, 4000));
      }
      npmReady = true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run npm ci in " + jsDir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during npm ci", e);
    }
  }
}
