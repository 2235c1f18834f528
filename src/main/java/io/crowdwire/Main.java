package io.crowdwire;

import io.crowdwire.auth.TokenService;
import io.crowdwire.config.ConfigLoader;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.metrics.Metrics;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code java -jar crowdwire.jar [vert.x options]} runs the service through Vert.x's {@link VertxApplication}
 * (which handles -cluster and friends); {@code java -jar crowdwire.jar token ...} mints a token for the
 * configured secret.
 */
public final class Main {

  private static final Set<String> CLUSTER_FLAGS = Set.of("-cluster", "--cluster");

  private Main() {
  }

  public static void main(String[] args) {
    CrowdwireConfig loaded = ConfigLoader.load(System.getenv());
    if (args.length > 0 && args[0].equals("token")) {
      String[] rest = Arrays.copyOfRange(args, 1, args.length);
      System.exit(new CommandLine(new TokenCommand(loaded)).execute(rest));
    }
    // Clustered by configuration (CLUSTER=true) or by Vert.x's own -cluster flag; each implies the other.
    boolean flagged = Arrays.stream(args).anyMatch(CLUSTER_FLAGS::contains);
    CrowdwireConfig config = loaded.withCluster(loaded.cluster().enabled(loaded.cluster().enabled() || flagged));
    String[] launchArgs = config.cluster().enabled() && !flagged ? prepend("-cluster", args) : args;
    InstanceState state = new InstanceState();
    Metrics metrics = new Metrics(state);
    new VertxApplication(launchArgs, new VertxApplicationHooks() {
      @Override
      public VertxBuilder createVertxBuilder(VertxOptions options) {
        return CrowdwireVerticle.vertxBuilder(config, metrics, options);
      }

      @Override
      public Supplier<? extends Deployable> verticleSupplier() {
        return () -> new CrowdwireVerticle(config, state, metrics);
      }
    }).launch();
  }

  private static String[] prepend(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  @Command(name = "token", mixinStandardHelpOptions = true,
    description = "Prints a JWT signed with the configured JWT_SECRET (or the development secret).")
  static final class TokenCommand implements Callable<Integer> {

    private final CrowdwireConfig config;

    @Option(names = "--sub", required = true, description = "subject (user id)")
    String subject;

    @Option(names = "--role", description = "a role to put in the roles claim; repeatable (webhook senders need 'webhook')")
    List<String> roles = List.of();

    @Option(names = "--email", description = "email claim (Bytecrowds document authorization)")
    String email;

    @Option(names = "--ttl", defaultValue = "3600", description = "seconds until it expires (default: ${DEFAULT-VALUE})")
    int ttlSeconds;

    TokenCommand(CrowdwireConfig config) {
      this.config = config;
    }

    @Override
    public Integer call() {
      Vertx vertx = Vertx.vertx();
      try {
        System.out.println(new TokenService(vertx, config.auth()).mint(subject, roles, email, ttlSeconds));
      } finally {
        vertx.close();
      }
      if (config.auth().developmentMode()) {
        System.err.println("warning: signed with the public development secret (no JWT_SECRET set)");
      }
      return 0;
    }
  }
}
