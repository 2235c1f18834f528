package io.crowdwire.cluster;

import io.crowdwire.bus.Addresses;
import io.crowdwire.model.Channel;
import io.crowdwire.model.Presence;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The instances of this region: the members of the Vert.x cluster, or this instance alone when unclustered. A
 * region-wide question is asked of every member at its own address and the answers gathered; a member that
 * does not answer in time is named, not waited for.
 */
public final class Fleet {

  /** The node id of an unclustered instance. */
  private static final String ALONE = "local";

  private final Vertx vertx;
  private final ClusterManager cluster;
  private final DeliveryOptions options;

  public Fleet(Vertx vertx, long requestTimeoutMs) {
    this.vertx = vertx;
    this.cluster = vertx.isClustered() ? ((VertxInternal) vertx).clusterManager() : null;
    this.options = new DeliveryOptions().setSendTimeout(requestTimeoutMs);
  }

  public String self() {
    return cluster == null ? ALONE : cluster.getNodeId();
  }

  /** The members this one sees; only itself once its cluster manager has stopped (it was cut off or is closing). */
  public List<String> members() {
    if (cluster == null) {
      return List.of(ALONE);
    }
    try {
      return cluster.getNodes();
    } catch (RuntimeException inactive) {
      return List.of(cluster.getNodeId());
    }
  }

  public boolean clustered() {
    return cluster != null;
  }

  /** What every member answered, and which members did not answer. */
  public record Answers(int members, List<JsonObject> replies, List<String> unreachable) {

    /** The integer {@code field} added up over the replies. */
    public int sum(String field) {
      return replies.stream().mapToInt(reply -> reply.getInteger(field)).sum();
    }

    /** As {@link #sum}, as a long, a reply without the field (a member of an older version) counting 0. */
    public long total(String field) {
      return replies.stream().mapToLong(reply -> reply.getLong(field, 0L)).sum();
    }
  }

  /** Who is subscribed to a channel on each member that answered. */
  public record RegionPresence(Map<String, List<Presence>> byMember, int members, List<String> unreachable) {

    public List<Presence> all() {
      return byMember.values().stream().flatMap(List::stream).toList();
    }
  }

  public Future<RegionPresence> presence(Channel channel) {
    return ask(Addresses.PRESENCE, new JsonObject().put("db", channel.database()).put("collection", channel.collection()))
      .map(answers -> {
        Map<String, List<Presence>> byMember = new LinkedHashMap<>();
        answers.replies().forEach(reply -> byMember.put(reply.getString("member"), reply.getJsonArray("connections")
          .stream().map(entry -> Presence.fromJson((JsonObject) entry)).toList()));
        return new RegionPresence(byMember, answers.members(), answers.unreachable());
      });
  }

  /** Asks every member; never fails: a member that fails or times out is listed as unreachable. */
  public Future<Answers> ask(String operation, JsonObject question) {
    List<String> members = members();
    List<Future<JsonObject>> answers = members.stream()
      .map(node -> vertx.eventBus().<JsonObject>request(Addresses.fleet(node, operation), question, options).map(Message::body))
      .toList();
    return Future.join(answers).transform(ignored -> {
      List<JsonObject> replies = new ArrayList<>();
      List<String> unreachable = new ArrayList<>();
      for (int i = 0; i < members.size(); i++) {
        if (answers.get(i).succeeded()) {
          replies.add(answers.get(i).result());
        } else {
          unreachable.add(members.get(i));
        }
      }
      return Future.succeededFuture(new Answers(members.size(), replies, unreachable));
    });
  }
}
