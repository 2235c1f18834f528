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

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code java -jar crowdwire.jar [vert.x options]} runs the service through Vert.x's {@link VertxApplication}
 * (which handles -cluster and friends); {@code java -jar crowdwire.jar token ...} mints a token for the
 * configured secret.
 */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) {
    CrowdwireConfig config = ConfigLoader.load(System.getenv());
    if (args.length > 0 && args[0].equals("token")) {
      String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
      System.exit(new CommandLine(new TokenCommand(config)).execute(rest));
    }
    InstanceState state = new InstanceState();
    Metrics metrics = new Metrics(state);
    new VertxApplication(args, new VertxApplicationHooks() {
      @Override
      public VertxBuilder createVertxBuilder(VertxOptions options) {
        return metrics.vertxBuilder(CrowdwireVerticle.vertxOptions(config, options));
      }

      @Override
      public Supplier<? extends Deployable> verticleSupplier() {
        return () -> new CrowdwireVerticle(config, state, metrics);
      }
    }).launch();
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
