package io.crowdwire.testsupport;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where the tests' Redis comes from: the installed {@code redis-server} and {@code redis-cli} where there are
 * some (these machines), else Redis's official image in Docker through Testcontainers, on the host's network
 * with the working directory mounted at the same path, so that ports, data and config files are the same either
 * way and a test can kill and restart a server as it would a process. With neither, the Redis tests are
 * skipped, or fail where {@code CROWDWIRE_REQUIRE_REDIS} is set (as CI does).
 */
final class RedisBinaries {

  /** The major version the suite runs against where redis-server is installed (Debian 12's). */
  private static final DockerImageName IMAGE = DockerImageName.parse("redis:7.0");

  private enum Source { INSTALLED, DOCKER, NONE }

  private static Source source;

  /** A running redis-server, or sentinel. */
  interface Running {
    /** SIGKILL: clients see their connections drop mid-flight. */
    void kill();
  }

  private RedisBinaries() {
  }

  static synchronized boolean available() {
    if (source == null) {
      source = installed() ? Source.INSTALLED : docker() ? Source.DOCKER : Source.NONE;
    }
    return source != Source.NONE;
  }

  /** Skips the calling test where there is no Redis to run, or fails it where CROWDWIRE_REQUIRE_REDIS is set. */
  static void require() {
    boolean present = available();
    if (!present && System.getenv("CROWDWIRE_REQUIRE_REDIS") != null) {
      throw new AssertionError("redis-server is required (CROWDWIRE_REQUIRE_REDIS is set) but neither on the PATH"
        + " nor runnable in Docker");
    }
    assumeTrue(present, "neither redis-server nor a Docker engine: Redis tests skipped");
  }

  /** Starts {@code redis-server args...} in {@code dir}, its output in {@code log}; returns without waiting. */
  static Running server(List<String> args, Path dir, Path log) {
    require();
    List<String> command = new ArrayList<>(List.of("redis-server"));
    command.addAll(args);
    if (source == Source.DOCKER) {
      GenericContainer<?> container = container(dir, command);
      container.start();
      return container::stop;
    }
    try {
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
      return () -> {
        process.destroyForcibly();
        try {
          process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code redis-cli args...} to its end; fails the test with its output unless it succeeded. */
  static void cli(List<String> args, Path dir) {
    require();
    List<String> command = new ArrayList<>(List.of("redis-cli"));
    command.addAll(args);
    if (source == Source.DOCKER) {
      try (GenericContainer<?> container = container(dir, command)
        .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(60)))) {
        container.start();
      } catch (RuntimeException failed) {
        throw new AssertionError(String.join(" ", command) + " failed", failed);
      }
      return;
    }
    try {
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed:\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @SuppressWarnings("resource")
  private static GenericContainer<?> container(Path dir, List<String> command) {
    return new GenericContainer<>(IMAGE)
      .withNetworkMode("host")
      .withFileSystemBind(dir.toString(), dir.toString(), BindMode.READ_WRITE)
      .withWorkingDirectory(dir.toString())
      .withCommand(command.toArray(String[]::new));
  }

  private static boolean installed() {
    try {
      Process probe = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
      probe.getInputStream().readAllBytes();
      return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean docker() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError noDocker) {
      return false;
    }
  }
}
