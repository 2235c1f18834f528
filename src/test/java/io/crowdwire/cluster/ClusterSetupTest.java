package io.crowdwire.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.instance.EndpointQualifier;
import io.crowdwire.config.ConfigLoader;
import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * No Kubernetes runs here, so what the Deployment's environment makes of Hazelcast is checked on the configuration
 * itself: DNS discovery of the headless service, the pod IP bound and announced, never multicast. ClusterTest and
 * FailoverIT run real clusters with the static list.
 */
class ClusterSetupTest {

  private static CrowdwireConfig.Cluster fromEnvironment(Map<String, String> environment) {
    return ConfigLoader.load(null, environment).cluster();
  }

  @Test
  void onKubernetesMembersAreFoundThroughTheHeadlessServiceAndBindThePodIp() {
    CrowdwireConfig.Cluster cluster = fromEnvironment(Map.of("CLUSTER", "true", "CLUSTER_DISCOVERY", "dns",
      "CLUSTER_SERVICE_DNS", "crowdwire-members", "CLUSTER_HOST", "10.1.2.3"));
    Config hazelcast = ClusterSetup.hazelcastConfig(cluster);
    JoinConfig join = hazelcast.getAdvancedNetworkConfig().getJoin();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getKubernetesConfig().getProperty("service-dns")).isEqualTo("crowdwire-members");
    assertThat(join.getKubernetesConfig().getProperty("service-port")).isEqualTo("5701");
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    ServerSocketEndpointConfig members = (ServerSocketEndpointConfig) hazelcast.getAdvancedNetworkConfig()
      .getEndpointConfigs().get(EndpointQualifier.MEMBER);
    assertThat(members.getPublicAddress()).isEqualTo("10.1.2.3:5701");
    assertThat(members.getPort()).isEqualTo(5701);
    assertThat(members.getInterfaces().getInterfaces()).containsExactly("10.1.2.3");
    assertThat(hazelcast.getAdvancedNetworkConfig().getEndpointConfigs()).as("no client, REST or memcache endpoint")
      .containsOnlyKeys(EndpointQualifier.MEMBER);
    assertThat(hazelcast.getProperty("hazelcast.shutdownhook.enabled")).as("leaves after the drain").isEqualTo("false");
    // Vert.x's own maps stay configured.
    assertThat(hazelcast.getMultiMapConfigs()).containsKey("__vertx.subs");

    VertxOptions options = ClusterSetup.eventBus(cluster, new VertxOptions());
    assertThat(options.getEventBusOptions().getHost()).isEqualTo("10.1.2.3");
    assertThat(options.getEventBusOptions().getClusterPublicHost()).isEqualTo("10.1.2.3");
    assertThat(options.getEventBusOptions().getPort()).isEqualTo(5702);
  }

  @Test
  void withTheTlsFilesTheEventBusRequiresMembersCertificatesAndHalfASetupStopsTheStart() throws Exception {
    Path pem = Files.createTempFile("crowdwire-member", ".pem");
    try {
      CrowdwireConfig.Cluster cluster = fromEnvironment(Map.of("CLUSTER", "true", "CLUSTER_TLS_CERT", pem.toString(),
        "CLUSTER_TLS_KEY", pem.toString(), "CLUSTER_TLS_CA", pem.toString()));
      EventBusOptions bus = ClusterSetup.eventBus(cluster, new VertxOptions()).getEventBusOptions();
      System.out.println("event bus with CLUSTER_TLS_*: ssl=" + bus.isSsl() + ", clientAuth=" + bus.getClientAuth());
      assertThat(bus.isSsl()).isTrue();
      assertThat(bus.getClientAuth()).isEqualTo(ClientAuth.REQUIRED);
      assertThat(((PemKeyCertOptions) bus.getKeyCertOptions()).getCertPaths()).containsExactly(pem.toString());
      assertThat(((PemTrustOptions) bus.getTrustOptions()).getCertPaths()).containsExactly(pem.toString());
      assertThat(ClusterSetup.eventBus(fromEnvironment(Map.of("CLUSTER", "true")), new VertxOptions())
        .getEventBusOptions().isSsl()).as("off without the files").isFalse();

      assertThatThrownBy(() -> fromEnvironment(Map.of("CLUSTER", "true", "CLUSTER_TLS_CERT", pem.toString())))
        .hasMessageContaining("cluster.tlsCert, cluster.tlsKey and cluster.tlsCa must be set together");
      assertThatThrownBy(() -> fromEnvironment(Map.of("CLUSTER", "true", "CLUSTER_TLS_CERT", pem.toString(),
        "CLUSTER_TLS_KEY", pem + ".missing", "CLUSTER_TLS_CA", pem.toString())))
        .hasMessageContaining("cluster.tlsKey: cannot read");
    } finally {
      Files.delete(pem);
    }
  }

  @Test
  void elsewhereMembersComeFromTheStaticList() {
    CrowdwireConfig.Cluster cluster = fromEnvironment(Map.of("CLUSTER", "true",
      "CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2:5701", "CLUSTER_MEMBER_TIMEOUT_MS", "6000"));
    Config hazelcast = ClusterSetup.hazelcastConfig(cluster);
    JoinConfig join = hazelcast.getAdvancedNetworkConfig().getJoin();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(hazelcast.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("6");
    assertThat(hazelcast.getClusterName()).isEqualTo("crowdwire");
  }
}
