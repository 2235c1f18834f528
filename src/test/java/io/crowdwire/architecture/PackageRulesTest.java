package io.crowdwire.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.vertx.core.VerticleBase;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape of the code, held by its imports: packages by capability without cycles, the verticles of the design
 * card reaching each other only over the bus, and one package that knows Redis.
 */
@AnalyzeClasses(packages = "io.crowdwire", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageRulesTest {

  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("io.crowdwire.(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule onlyTheRedisPackageTalksToRedis = noClasses()
    .that().resideOutsideOfPackage("io.crowdwire.redis..")
    .should().dependOnClassesThat().resideInAPackage("io.vertx.redis..")
    .because("exactly one package knows how to talk to Redis: its connections, topologies and scripts");

  @ArchTest
  static final ArchRule onlyTheBridgeTheRateLimiterAndDocumentsUseRedis = noClasses()
    .that().resideOutsideOfPackages("io.crowdwire.redis..", "io.crowdwire.bridge..", "io.crowdwire.limits..",
      "io.crowdwire.documents..", "io.crowdwire.analytics..")
    .should().dependOnClassesThat().resideInAPackage("io.crowdwire.redis..")
    .because("the bridge is the only verticle that stores and reads events; the rate limiter counts in Redis; "
      + "documents keep their Bytecrowds hashes there, analytics its counts");

  @ArchTest
  static final ArchRule configAndModelStandAlone = noClasses()
    .that().resideInAnyPackage("io.crowdwire.config..", "io.crowdwire.model..")
    .should().dependOnClassesThat().resideInAnyPackage(ours("auth", "bridge", "bus", "cluster", "eventlog",
      "documents", "filter", "health", "http", "limits", "management", "metrics", "protocol", "redis", "socket", "webhook",
      "yjs", "analytics"))
    .because("everything configures itself from config and speaks of model; neither may know its users");

  @ArchTest
  static final ArchRule theBusCarriesOnlyTheModel = noClasses()
    .that().resideInAPackage("io.crowdwire.bus..")
    .should().dependOnClassesThat().resideInAnyPackage(ours("auth", "bridge", "cluster", "config", "documents", "eventlog",
      "filter", "health", "http", "limits", "management", "metrics", "redis", "socket", "webhook", "analytics"))
    .because("the bus is the contract between verticles: addresses, messages and codecs of model values");

  @ArchTest
  static final ArchRule socketKnowsNothingOfWebhooksOrStorage = noClasses()
    .that().resideInAPackage("io.crowdwire.socket..")
    .should().dependOnClassesThat().resideInAnyPackage(ours("webhook", "documents", "analytics", "bridge", "eventlog", "redis"))
    .because("the socket verticle hands webhooks, document requests and hits over the bus and reads the log through the bridge");

  @ArchTest
  static final ArchRule analyticsKnowsNothingOfSockets = noClasses()
    .that().resideInAPackage("io.crowdwire.analytics..")
    .should().dependOnClassesThat().resideInAnyPackage(ours("socket", "webhook", "documents", "bridge", "eventlog"))
    .because("the analytics verticle takes hits and queries off the bus");

  @ArchTest
  static final ArchRule documentsKnowNothingOfSockets = noClasses()
    .that().resideInAPackage("io.crowdwire.documents..")
    .should().dependOnClassesThat().resideInAnyPackage(ours("socket", "webhook", "bridge", "eventlog"))
    .because("the documents verticle answers over the bus");

  @ArchTest
  static final ArchRule theYjsCodecStandsAlone = noClasses()
    .that().resideInAPackage("io.crowdwire.yjs..")
    .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("io.crowdwire..")
      .and(DescribedPredicate.not(JavaClass.Predicates.resideInAPackage("io.crowdwire.yjs.."))))
    .orShould().dependOnClassesThat().resideInAnyPackage("io.vertx.core.http..", "io.vertx.core.eventbus..")
    .because("y-protocols' messages and Yjs updates are read and written without a connection or a bus, so "
      + "tests drive them alone and any transport can use them");

  @ArchTest
  static final ArchRule webhookKnowsNothingOfSocketsOrStorage = noClasses()
    .that().resideInAPackage("io.crowdwire.webhook..")
    .should().dependOnClassesThat().resideInAnyPackage(ours("socket", "bridge", "eventlog", "redis"))
    .because("the webhook verticle answers over the bus and appends through the bridge");

  @ArchTest
  static final ArchRule verticlesAreVerticleBases = classes()
    .that().haveSimpleNameEndingWith("Verticle")
    .should().beAssignableTo(VerticleBase.class);

  // Where a reader of the design card looks for its verticles. A rule that matches no class fails, so each exists.
  @ArchTest
  static final ArchRule socketVerticle = designCardVerticle("io.crowdwire.socket.SocketVerticle");
  @ArchTest
  static final ArchRule webhookVerticle = designCardVerticle("io.crowdwire.webhook.WebhookVerticle");
  @ArchTest
  static final ArchRule analyticsVerticle = designCardVerticle("io.crowdwire.analytics.AnalyticsVerticle");
  @ArchTest
  static final ArchRule redisBridgeVerticle = designCardVerticle("io.crowdwire.bridge.RedisBridgeVerticle");

  private static ArchRule designCardVerticle(String name) {
    return classes().that().haveFullyQualifiedName(name).should().bePublic().andShould().beAssignableTo(VerticleBase.class);
  }

  private static String[] ours(String... packages) {
    String[] patterns = new String[packages.length];
    for (int i = 0; i < packages.length; i++) {
      patterns[i] = "io.crowdwire." + packages[i] + "..";
    }
    return patterns;
  }
}
