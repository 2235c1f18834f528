package io.crowdwire.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.crowdwire.Crowdwire;
import io.crowdwire.config.ConfigLoader;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No Kubernetes or Docker engine runs here, so the deployment files are checked against what the application
 * really serves and reads: every manifest parses, ports and probe paths are the ones a running instance
 * answers on, every environment variable is one the configuration knows, the ConfigMap's file loads as a
 * configuration, and the selectors and references between the objects meet.
 */
class DeploymentManifestsTest {

  private static final Path BASE = Path.of("k8s/base");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Read by logback and the config loader itself rather than through the environment table. */
  private static final Set<String> OTHER_VARIABLES = Set.of("CROWDWIRE_CONFIG", "LOG_FORMAT", "LOG_LEVEL");
  private static final CrowdwireConfig DEFAULTS = ConfigLoader.load(null, Map.of());

  private static final TestFleet FLEET = new TestFleet();
  private static Crowdwire running;

  @BeforeAll
  static void start() {
    running = FLEET.start(TestConfig.embedded());
  }

  @AfterAll
  static void stop() {
    FLEET.close();
  }

  private static List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> documents = new ArrayList<>();
    YAML.readerFor(JsonNode.class).<JsonNode>readValues(Files.readString(file)).forEachRemaining(node -> {
      if (node != null && !node.isNull()) {
        documents.add(node);
      }
    });
    return documents;
  }

  private static List<JsonNode> manifests() throws IOException {
    List<JsonNode> all = new ArrayList<>();
    for (JsonNode resource : documents(BASE.resolve("kustomization.yaml")).get(0).get("resources")) {
      all.addAll(documents(BASE.resolve(resource.asText())));
    }
    return all;
  }

  private static JsonNode one(String kind, String name) throws IOException {
    return manifests().stream()
      .filter(m -> m.path("kind").asText().equals(kind) && m.path("metadata").path("name").asText().equals(name))
      .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  private static JsonNode container() throws IOException {
    return one("Deployment", "crowdwire").at("/spec/template/spec/containers/0");
  }

  private static int containerPort(String name) throws IOException {
    for (JsonNode port : container().get("ports")) {
      if (port.get("name").asText().equals(name)) {
        return port.get("containerPort").asInt();
      }
    }
    throw new AssertionError("no container port named " + name);
  }

  @Test
  void kustomizationListsEveryManifestAndTheConfigMapFileIsAConfiguration() throws IOException {
    JsonNode kustomization = documents(BASE.resolve("kustomization.yaml")).get(0);
    Set<String> listed = new HashSet<>();
    kustomization.get("resources").forEach(r -> listed.add(r.asText()));
    String configFile = kustomization.at("/configMapGenerator/0/files/0").asText();
    try (Stream<Path> files = Files.list(BASE)) {
      assertThat(files.map(f -> f.getFileName().toString()))
        .filteredOn(name -> !name.equals("kustomization.yaml") && !name.equals(configFile))
        .containsExactlyInAnyOrderElementsOf(listed);
    }
    CrowdwireConfig config = ConfigLoader.load(BASE.resolve(configFile), Map.of());
    assertThat(config.redis().embedded()).as("a deployment of replicas shares a Redis").isFalse();
    assertThat(manifests()).allSatisfy(m -> assertThat(m.path("kind").asText()).isNotEmpty());
  }

  @Test
  void portsAndEnvironmentAreWhatTheApplicationReads() throws IOException {
    assertThat(containerPort("http")).isEqualTo(DEFAULTS.server().port());
    assertThat(containerPort("management")).isEqualTo(DEFAULTS.server().managementPort());
    assertThat(containerPort("cluster")).isEqualTo(DEFAULTS.cluster().port());
    assertThat(containerPort("eventbus")).isEqualTo(DEFAULTS.cluster().eventBusPort());
    Set<String> known = new HashSet<>(ConfigLoader.ENVIRONMENT.keySet());
    known.addAll(OTHER_VARIABLES);
    JsonNode container = container();
    for (JsonNode variable : container.get("env")) {
      String name = variable.get("name").asText();
      assertThat(known).as("environment variable %s", name).contains(name);
      switch (name) {
        case "PORT" -> assertThat(variable.get("value").asInt()).isEqualTo(containerPort("http"));
        case "MANAGEMENT_PORT" -> assertThat(variable.get("value").asInt()).isEqualTo(containerPort("management"));
        case "JWT_SECRET" -> assertThat(variable.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("JWT_SECRET");
        case "CLUSTER" -> assertThat(variable.get("value").asText()).isEqualTo("true");
        case "CLUSTER_DISCOVERY" -> assertThat(variable.get("value").asText()).isEqualTo(CrowdwireConfig.Cluster.DNS);
        case "CLUSTER_SERVICE_DNS" -> {
          JsonNode members = one("Service", variable.get("value").asText());
          assertThat(members.at("/spec/clusterIP").asText()).isEqualTo("None");
          assertThat(members.at("/spec/publishNotReadyAddresses").asBoolean()).as("members find each other before ready").isTrue();
          assertThat(members.at("/spec/ports").findValuesAsText("targetPort")).contains("cluster");
        }
        case "CLUSTER_HOST" -> assertThat(variable.at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("status.podIP");
        case "CLUSTER_TLS_CERT", "CLUSTER_TLS_KEY", "CLUSTER_TLS_CA" -> assertThat(secretVolumeHolding(variable.get("value").asText()))
          .as("%s is a file of a mounted secret", name).isNotNull();
        case "CROWDWIRE_CONFIG" -> {
          Path mounted = Path.of(variable.get("value").asText());
          JsonNode mount = container.get("volumeMounts").get(0);
          assertThat(mounted.getParent().toString()).isEqualTo(mount.get("mountPath").asText());
          String configFile = documents(BASE.resolve("kustomization.yaml")).get(0).at("/configMapGenerator/0/files/0").asText();
          assertThat(mounted.getFileName().toString()).isEqualTo(configFile);
        }
        default -> { }
      }
    }
    assertThat(container.get("env").findValuesAsText("name")).as("clustered, on the pod IP, TLS on the event bus")
      .contains("CLUSTER", "CLUSTER_DISCOVERY", "CLUSTER_SERVICE_DNS", "CLUSTER_HOST", "CLUSTER_TLS_CERT",
        "CLUSTER_TLS_KEY", "CLUSTER_TLS_CA");
  }

  /** The secret volume mounted where {@code file} lies, or null. */
  private static JsonNode secretVolumeHolding(String file) throws IOException {
    for (JsonNode mount : container().get("volumeMounts")) {
      if (Path.of(file).getParent().toString().equals(mount.get("mountPath").asText())) {
        for (JsonNode volume : one("Deployment", "crowdwire").at("/spec/template/spec/volumes")) {
          if (volume.get("name").asText().equals(mount.get("name").asText()) && volume.has("secret")) {
            return volume;
          }
        }
      }
    }
    return null;
  }

  @Test
  void theNetworkPolicyAdmitsOnlyCrowdwirePodsToTheClusterPortsAndAnyoneToThePublicOnes() throws IOException {
    JsonNode podLabels = one("Deployment", "crowdwire").at("/spec/template/metadata/labels");
    JsonNode policy = one("NetworkPolicy", "crowdwire");
    assertThat(policy.at("/spec/podSelector/matchLabels")).isEqualTo(podLabels);
    assertThat(policy.at("/spec/policyTypes").toString()).contains("\"Ingress\"");
    Set<Integer> membersOnly = new HashSet<>();
    Set<Integer> open = new HashSet<>();
    for (JsonNode rule : policy.at("/spec/ingress")) {
      Set<Integer> ports = new HashSet<>();
      for (JsonNode port : rule.get("ports")) {
        ports.add(port.get("port").isInt() ? port.get("port").asInt() : containerPort(port.get("port").asText()));
      }
      if (rule.has("from")) {
        // Only pods of this Deployment, in this namespace: no namespace selector, no address block.
        assertThat(rule.get("from")).hasSize(1);
        assertThat(rule.at("/from/0").fieldNames()).toIterable().containsExactly("podSelector");
        assertThat(rule.at("/from/0/podSelector/matchLabels")).isEqualTo(podLabels);
        membersOnly.addAll(ports);
      } else {
        open.addAll(ports);
      }
    }
    System.out.println("NetworkPolicy: members only " + membersOnly + ", open " + open);
    assertThat(membersOnly).containsExactlyInAnyOrder(DEFAULTS.cluster().port(), DEFAULTS.cluster().eventBusPort());
    assertThat(open).containsExactlyInAnyOrder(DEFAULTS.server().port(), DEFAULTS.server().managementPort());
  }

  @Test
  void probesAskWhatARunningInstanceAnswers() throws IOException {
    JsonNode container = container();
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/ready");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health");
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health");
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      JsonNode get = container.get(probe).get("httpGet");
      assertThat(get.get("port").asText()).as(probe).isEqualTo("management");
      assertThat(Clients.get(running.state().managementPort(), get.get("path").asText()).statusCode())
        .as("%s %s on the management port", probe, get.get("path").asText()).isEqualTo(200);
    }
  }

  @Test
  void servicesIngressBudgetAndAutoscalerReachTheDeployment() throws IOException {
    JsonNode deployment = one("Deployment", "crowdwire");
    JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
    assertThat(deployment.at("/spec/selector/matchLabels")).isEqualTo(podLabels);
    assertThat(deployment.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt()).isZero();
    assertThat(deployment.at("/spec/strategy/rollingUpdate/maxSurge").asInt()).isEqualTo(1);
    assertThat(deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asLong() * 1000)
      .as("termination grace longer than the drain").isGreaterThan(DEFAULTS.server().drainMs() + 5_000);

    Set<String> portNames = new HashSet<>();
    container().get("ports").forEach(p -> portNames.add(p.get("name").asText()));
    for (String name : List.of("crowdwire", "crowdwire-members")) {
      JsonNode service = one("Service", name);
      assertThat(service.at("/spec/selector")).as(name).isEqualTo(podLabels);
      service.at("/spec/ports").forEach(p -> assertThat(portNames).contains(p.get("targetPort").asText()));
    }
    assertThat(one("Service", "crowdwire-members").at("/spec/clusterIP").asText()).isEqualTo("None");

    JsonNode backend = one("Ingress", "crowdwire").at("/spec/rules/0/http/paths/0/backend/service");
    assertThat(backend.get("name").asText()).isEqualTo("crowdwire");
    List<String> servicePorts = new ArrayList<>();
    one("Service", "crowdwire").at("/spec/ports").forEach(p -> servicePorts.add(p.get("name").asText()));
    assertThat(servicePorts).contains(backend.at("/port/name").asText());

    assertThat(one("PodDisruptionBudget", "crowdwire").at("/spec/selector/matchLabels")).isEqualTo(podLabels);
    assertThat(one("HorizontalPodAutoscaler", "crowdwire").at("/spec/scaleTargetRef/name").asText()).isEqualTo("crowdwire");

    JsonNode redis = one("StatefulSet", "crowdwire-redis").at("/spec/template/spec/containers/0/args");
    assertThat(redis.toString()).contains("\"--appendonly\",\"yes\"");
    String redisUrl = ConfigLoader.load(BASE.resolve("crowdwire.yaml"), Map.of()).redis().url();
    assertThat(redisUrl).isEqualTo("redis://crowdwire-redis:" + one("Service", "crowdwire-redis").at("/spec/ports/0/port").asInt());
  }

  @Test
  void dockerfileRunsTheJarAsNonRootWithTheProductionFlagsAndGetsSignals() throws IOException {
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    String runtime = dockerfile.substring(dockerfile.lastIndexOf("FROM "));
    Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(runtime);
    assertThat(user.find()).as("a USER in the runtime stage").isTrue();
    assertThat(user.group(1)).isNotIn("root", "0");
    Matcher entrypoint = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])$").matcher(runtime);
    assertThat(entrypoint.find()).as("ENTRYPOINT in exec form, so SIGTERM reaches the JVM").isTrue();
    assertThat(new ObjectMapper().readTree(entrypoint.group(1)).toString())
      .contains("\"@conf/jvm.options\"", "\"-jar\"");
    assertThat(Path.of("conf/jvm.options")).exists();
    Matcher expose = Pattern.compile("(?m)^EXPOSE (.+)$").matcher(runtime);
    assertThat(expose.find()).isTrue();
    assertThat(expose.group(1).split(" ")).contains(String.valueOf(DEFAULTS.server().port()),
      String.valueOf(DEFAULTS.server().managementPort()), String.valueOf(DEFAULTS.cluster().port()),
      String.valueOf(DEFAULTS.cluster().eventBusPort()));
  }

  @Test
  void composeRunsThreeReplicasBehindNginxOnARedisWithAppendOnlyFile() throws IOException {
    JsonNode services = documents(Path.of("docker-compose.yml")).get(0).get("services");
    assertThat(services.at("/redis/command").toString()).contains("\"--appendonly\",\"yes\"");
    JsonNode crowdwire = services.get("crowdwire");
    assertThat(crowdwire.at("/deploy/replicas").asInt()).isEqualTo(3);
    Set<String> known = new HashSet<>(ConfigLoader.ENVIRONMENT.keySet());
    known.addAll(OTHER_VARIABLES);
    crowdwire.get("environment").fieldNames().forEachRemaining(name -> assertThat(known).contains(name));
    assertThat(crowdwire.at("/environment/CLUSTER").asText()).isEqualTo("true");
    assertThat(crowdwire.at("/environment/CLUSTER_DISCOVERY").asText()).isEqualTo(CrowdwireConfig.Cluster.DNS);
    assertThat(crowdwire.at("/environment/CLUSTER_SERVICE_DNS").asText()).as("the service's own name").isEqualTo("crowdwire");
    String mount = services.at("/nginx/volumes/0").asText();
    Path nginxConf = Path.of(mount.substring(0, mount.indexOf(':')));
    assertThat(nginxConf).exists();
    assertThat(Files.readString(nginxConf))
      .contains("proxy_set_header Upgrade $http_upgrade", "server crowdwire:" + DEFAULTS.server().port());
  }

  @Test
  void eachRegionsOverlayNamesItselfAndEveryOtherRegionOnce() throws IOException {
    Path overlays = Path.of("k8s/overlays");
    List<String> regions;
    try (Stream<Path> listed = Files.list(overlays)) {
      regions = listed.filter(Files::isDirectory).map(dir -> dir.getFileName().toString()).sorted().toList();
    }
    assertThat(regions).hasSizeGreaterThanOrEqualTo(2);
    JsonNode redisService = one("Service", "crowdwire-redis");
    JsonNode redisPods = redisService.at("/spec/selector");
    JsonNode crowdwirePods = one("Deployment", "crowdwire").at("/spec/template/metadata/labels");
    JsonNode redisPort = one("StatefulSet", "crowdwire-redis").at("/spec/template/spec/containers/0/ports/0");
    Set<String> known = new HashSet<>(ConfigLoader.ENVIRONMENT.keySet());
    known.addAll(OTHER_VARIABLES);
    for (String region : regions) {
      Path dir = overlays.resolve(region);
      JsonNode kustomization = documents(dir.resolve("kustomization.yaml")).get(0);
      List<String> resources = new ArrayList<>();
      kustomization.get("resources").forEach(r -> resources.add(r.asText()));
      assertThat(resources).as(region).contains("../../base");
      assertThat(kustomization.path("namespace").asText()).isEqualTo("crowdwire-" + region);
      List<String> regionLabels = new ArrayList<>(kustomization.at("/commonLabels").findValuesAsText("crowdwire.io/region"));
      kustomization.path("labels").forEach(l -> regionLabels.addAll(l.path("pairs").findValuesAsText("crowdwire.io/region")));
      assertThat(regionLabels).as("crowdwire.io/region of %s", region).containsExactly(region);

      List<JsonNode> own = new ArrayList<>();
      for (String resource : resources) {
        if (!resource.startsWith("..")) {
          assertThat(dir.resolve(resource)).exists();
          own.addAll(documents(dir.resolve(resource)));
        }
      }
      List<JsonNode> patches = new ArrayList<>();
      for (JsonNode patch : kustomization.get("patches")) {
        assertThat(dir.resolve(patch.get("path").asText())).exists();
        patches.addAll(documents(dir.resolve(patch.get("path").asText())));
      }
      JsonNode deployment = patches.stream()
        .filter(p -> p.path("kind").asText().equals("Deployment") && p.at("/metadata/name").asText().equals("crowdwire"))
        .findFirst().orElseThrow(() -> new AssertionError("no patch of the Deployment in " + region));

      Map<String, String> environment = new HashMap<>(Map.of("REDIS_URL", "redis://crowdwire-redis:6379"));
      for (JsonNode variable : deployment.at("/spec/template/spec/containers/0/env")) {
        String name = variable.get("name").asText();
        assertThat(known).as("environment variable %s in %s", name, region).contains(name);
        assertThat(variable.has("value")).as("%s in %s is written out, so that this test can read it", name, region).isTrue();
        environment.put(name, variable.get("value").asText());
      }
      assertThat(environment.get("REGION")).as(region).isEqualTo(region);
      // Read as the application reads it, which rejects an entry that is not name=redis-url, a region named twice
      // and this region itself: what is left must be every other overlay's region.
      CrowdwireConfig config = ConfigLoader.load(null, environment);
      List<CrowdwireConfig.Regions.Peer> peers = config.regions().peerList();
      assertThat(peers).extracting(CrowdwireConfig.Regions.Peer::name)
        .containsExactlyInAnyOrderElementsOf(regions.stream().filter(other -> !other.equals(region)).toList());
      assertThat(environment.get("REGION_PEERS").split(";")).as("no empty entry in %s", region)
        .hasSize(peers.size()).allMatch(entry -> entry.matches("[a-z0-9][a-z0-9-]*=\\S+"));

      // Peers reach this region's Redis through a Service of its own on the port their URLs name, and a policy
      // admits them (by address block) besides this region's Crowdwire pods.
      List<JsonNode> forPeers = own.stream()
        .filter(m -> m.path("kind").asText().equals("Service") && m.at("/spec/selector").equals(redisPods)).toList();
      assertThat(forPeers).as("a Service for the peers in %s", region).hasSize(1);
      JsonNode exposed = forPeers.get(0).at("/spec/ports/0");
      assertThat(exposed.get("targetPort").asText()).isEqualTo(redisPort.get("name").asText());
      for (CrowdwireConfig.Regions.Peer peer : peers) {
        if (peer.mode() == CrowdwireConfig.Redis.Mode.STANDALONE) {
          URI url = URI.create(peer.url());
          assertThat(url.getScheme()).as("%s's peer %s", region, peer.name()).isIn("redis", "rediss");
          assertThat(url.getPort()).as("%s's peer %s", region, peer.name()).isEqualTo(exposed.get("port").asInt());
        }
      }
      List<JsonNode> policies = own.stream()
        .filter(m -> m.path("kind").asText().equals("NetworkPolicy") && m.at("/spec/podSelector/matchLabels").equals(redisPods))
        .toList();
      assertThat(policies).as("a NetworkPolicy for Redis in %s", region).hasSize(1);
      boolean pods = false;
      boolean blocks = false;
      for (JsonNode rule : policies.get(0).at("/spec/ingress")) {
        assertThat(rule.get("ports")).allSatisfy(port -> assertThat(port.get("port").asText())
          .isIn(redisPort.get("name").asText(), redisPort.get("containerPort").asText()));
        for (JsonNode from : rule.get("from")) {
          pods |= from.path("podSelector").path("matchLabels").equals(crowdwirePods);
          blocks |= from.has("ipBlock") && !from.at("/ipBlock/cidr").asText().isEmpty();
        }
      }
      assertThat(pods).as("%s's Crowdwire pods reach its Redis", region).isTrue();
      assertThat(blocks).as("the peers' networks reach %s's Redis", region).isTrue();
    }
  }
}
