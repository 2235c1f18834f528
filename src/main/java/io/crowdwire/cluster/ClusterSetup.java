package io.crowdwire.cluster;

import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.InterfacesConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * What a clustered instance needs: a Hazelcast cluster manager that finds the other members by a static list or
 * by the addresses of a DNS name, such as a Kubernetes headless service (never by multicast), and an event bus bound to the member's own
 * address. Only called when clustering is on, so a single instance never loads Hazelcast.
 */
public final class ClusterSetup {

  private ClusterSetup() {
  }

  public static ClusterManager clusterManager(CrowdwireConfig.Cluster cluster) {
    return new HazelcastClusterManager(hazelcastConfig(cluster));
  }

  static Config hazelcastConfig(CrowdwireConfig.Cluster cluster) {
    // Vert.x's default file configures the maps Vert.x itself relies on (event bus subscriptions, node info).
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName(cluster.name());
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    // Vert.x leaves the cluster when it closes, after the drain; Hazelcast's own hook would leave at SIGTERM.
    hazelcast.setProperty("hazelcast.shutdownhook.enabled", "false");
    hazelcast.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hazelcast.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(Math.max(2, cluster.memberTimeoutMs() / 1000)));
    // Separate endpoints, of which only the members' one: the default single port also takes Hazelcast clients,
    // which need nothing but the cluster name to read and write the cluster's maps (revocations, event bus routes).
    AdvancedNetworkConfig network = hazelcast.getAdvancedNetworkConfig().setEnabled(true);
    ServerSocketEndpointConfig members = new ServerSocketEndpointConfig();
    members.setPort(cluster.port()).setPortAutoIncrement(false);
    if (!cluster.host().isBlank()) {
      // On Kubernetes the pod IP (downward API): members must reach each other there, never on localhost.
      members.setPublicAddress(cluster.host() + ":" + cluster.port());
      members.setInterfaces(new InterfacesConfig().setEnabled(true).addInterface(cluster.host()));
      hazelcast.setProperty("hazelcast.socket.bind.any", "false");
    }
    network.setMemberEndpointConfig(members);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (CrowdwireConfig.Cluster.DNS.equals(cluster.discovery())) {
      // Hazelcast's Kubernetes discovery in its DNS mode: a plain lookup, no Kubernetes API access needed.
      join.getKubernetesConfig().setEnabled(true)
        .setProperty("service-dns", cluster.serviceDns())
        .setProperty("service-port", Integer.toString(cluster.port()));
    } else {
      join.getTcpIpConfig().setEnabled(true).setMembers(cluster.memberList());
    }
    return hazelcast;
  }

  /**
   * Runs {@code action} (on a Hazelcast thread) whenever a member leaves a clustered Vert.x. Hazelcast's own
   * listener, as Vert.x holds the cluster manager's single node listener itself.
   */
  static void onMemberLeft(Vertx vertx, Runnable action) {
    HazelcastClusterManager manager = (HazelcastClusterManager) ((VertxInternal) vertx).clusterManager();
    manager.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        // Nothing to do: a new member's connections announce themselves as they subscribe.
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        action.run();
      }
    });
  }

  /**
   * The event bus between members listens on the member's address and announces it. With the cluster's TLS files it
   * speaks TLS both ways: it presents this member's certificate and, serving and connecting alike, accepts only a
   * peer whose certificate the cluster's CA signed, so that whoever reaches the port (or joins Hazelcast, which has
   * no authentication of its own) can neither send a region-wide request nor receive one. Vert.x checks the chain,
   * not the host name: members' certificates need not name their pod IPs.
   */
  public static VertxOptions eventBus(CrowdwireConfig.Cluster cluster, VertxOptions options) {
    EventBusOptions bus = options.getEventBusOptions().setPort(cluster.eventBusPort());
    if (!cluster.host().isBlank()) {
      bus.setHost(cluster.host()).setClusterPublicHost(cluster.host());
    }
    if (cluster.tls()) {
      bus.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cluster.tlsCert()).setKeyPath(cluster.tlsKey()))
        .setTrustOptions(new PemTrustOptions().addCertPath(cluster.tlsCa()))
        .setClientAuth(ClientAuth.REQUIRED);
    }
    return options;
  }
}
