package io.crowdwire.testsupport;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance of the packaged jar in its own JVM (integration tests, after {@code package}), so that a kill is a
 * real SIGKILL and a pause a real SIGSTOP. Its output goes to {@code target/<name>.log}.
 */
public final class JarInstance {

  public static final Path JAR = Path.of("target", "crowdwire.jar");

  public final String name;
  public final int port;
  public final int managementPort;
  public final Process process;

  private JarInstance(String name, int port, int managementPort, Process process) {
    this.name = name;
    this.port = port;
    this.managementPort = managementPort;
    this.process = process;
  }

  /** Starts the jar on free loopback ports with the test secret, two event loops and {@code environment} on top. */
  public static JarInstance start(String name, Map<String, String> environment, List<String> arguments) {
    int port = RedisProcess.freePort();
    int managementPort = RedisProcess.freePort();
    // Production's serial collector; a small heap and the quick compiler only, as several JVMs share two cores.
    List<String> command = new ArrayList<>(List.of("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
      "-jar", JAR.toString()));
    command.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(command)
      .redirectErrorStream(true).redirectOutput(Path.of("target", name + ".log").toFile());
    builder.environment().keySet().removeIf(key -> key.equals("JWT_SECRET") || key.equals("REDIS_URL"));
    builder.environment().putAll(Map.of("PORT", Integer.toString(port), "MANAGEMENT_PORT",
      Integer.toString(managementPort), "HOST", "127.0.0.1", "JWT_SECRET", TestConfig.SECRET, "EVENT_LOOPS", "2"));
    builder.environment().putAll(environment);
    try {
      return new JarInstance(name, port, managementPort, builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void awaitReady() {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).alias(name + " ready")
      .failFast(name + " exited (see its log under target)", () -> !process.isAlive())
      .ignoreExceptionsMatching(notListeningYet -> true)
      .until(() -> Clients.get(port, "/ready").statusCode() == 200);
  }

  public JsonObject health() {
    return Clients.get(port, "/health").bodyAsJsonObject();
  }

  /** Waits until this instance's /health satisfies {@code wanted}. */
  public void awaitHealth(Predicate<JsonObject> wanted, String what) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).alias(name + ": " + what)
      .untilAsserted(() -> {
        JsonObject health = health();
        assertThat(wanted.test(health)).as("/health says %s", health).isTrue();
      });
  }

  /** SIGKILL: no drain, no goodbye; its sockets are dropped by the kernel. */
  public void kill() {
    process.toHandle().destroyForcibly();
    try {
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("%s killed", name).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGSTOP: the process holds its sockets and does nothing, as one stalled by its host would. */
  public void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() {
    signal("CONT");
  }

  private void signal(String signal) {
    try {
      assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor()).isZero();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public void terminate() {
    process.destroy();
  }

  public void awaitExit() {
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
