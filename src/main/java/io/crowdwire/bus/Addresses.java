package io.crowdwire.bus;

/**
 * Every event bus address, in one place. Request and reply bodies are the records of {@link LogRequests},
 * {@link WebhookRequests}, {@link DocumentRequests}, {@link HttpAnswer} and {@link LiveBatch}, registered with {@link LocalCodec}.
 */
public final class Addresses {

  /** {@link LogRequests.Append} -> {@link LogRequests.Appended}; fails with {@link FailureCodes#UNAVAILABLE}. */
  public static final String APPEND = "crowdwire.log.append";
  /** {@link LogRequests.Read} -> {@link LogRequests.History}. */
  public static final String READ = "crowdwire.log.read";
  /** {@link LogRequests.Locate} -> {@link LogRequests.Located}: where a reader from another region resumes. */
  public static final String LOCATE = "crowdwire.log.locate";
  /** {@link LogRequests.Compact} -> Boolean: whether the entries were replaced. */
  public static final String COMPACT = "crowdwire.log.compact";
  /** {@link LogRequests.Claim} -> {@link LogRequests.Claimed}. */
  public static final String CLAIM = "crowdwire.log.claim";
  /** {@link LogRequests.Ack} -> Integer: how many of the deliveries were pending and are now settled. */
  public static final String ACK = "crowdwire.log.ack";
  /** {@link LogRequests.Watch} -> null once the channel is relayed live. Reference-counted. */
  public static final String WATCH = "crowdwire.log.watch";
  /** {@link LogRequests.Unwatch}, no reply: one watch less. */
  public static final String UNWATCH = "crowdwire.log.unwatch";
  /**
   * {@link WebhookRequests.Head} -> {@link WebhookRequests.Verdict}: {@link WebhookRequests.Proceed}, or a
   * {@link WebhookRequests.Refuse} given before the body is read. This and {@link #WEBHOOK} are served per event
   * loop too ({@link LoopAddresses}).
   */
  public static final String WEBHOOK_SCREEN = "crowdwire.webhook.screen";
  /** {@link WebhookRequests.Request} -> {@link HttpAnswer}. */
  public static final String WEBHOOK = "crowdwire.webhook";
  /** {@link DocumentRequests.Call} -> {@link HttpAnswer}: the document API, answered by the documents verticle. */
  public static final String DOCUMENTS = "crowdwire.documents";
  /** {@link DocumentRequests.Access} -> {@link DocumentRequests.Opening}: whether a Yjs editor may open the document. */
  public static final String DOCUMENT_ACCESS = "crowdwire.documents.access";
  /** {@link LogRequests.Signal}, no reply: for the channel's watchers on every instance, through the store. */
  public static final String SIGNAL = "crowdwire.log.signal";
  /** {@link LogRequests.Signal}, published locally by the bridge to every socket verticle: a watched channel's. */
  public static final String SIGNALS = "crowdwire.signals";
  /** {@link LiveBatch}, published locally by the bridge to every socket verticle. */
  public static final String LIVE = "crowdwire.live";
  /**
   * JSON {@code {type: JOIN|LEAVE, db, collection, subject, connectionId}}, published to every socket verticle of
   * the cluster: the one message that crosses it, as it is about connections, not events.
   */
  public static final String PRESENCE_CHANGES = "crowdwire.presence.changes";
  /** No body, published locally when a member left the cluster: subscribers of presence channels get the list again. */
  public static final String PRESENCE_RESYNC = "crowdwire.presence.resync";

  /** {@link AnalyticsRequests.Hit}, no reply: sent locally to the analytics verticle, which adds it up. */
  public static final String ANALYTICS_HIT = "crowdwire.analytics.hit";
  /** {@link AnalyticsRequests.Query} -> {@link HttpAnswer}: the analytics query API, answered by the analytics verticle. */
  public static final String ANALYTICS_QUERY = "crowdwire.analytics.query";
  /**
   * JSON {@code {type: HUB, members, connections, subscriptions, channels, documents, eventsPerSecond, at}}: the whole
   * hub's counts, published locally by the analytics verticle every second for the dashboard's live panel.
   */
  public static final String ANALYTICS_HUB = "crowdwire.analytics.hub";
  /**
   * No body, sent locally by a socket verticle while dashboards are connected to it (when the first one is, and with
   * each snapshot it relays): the analytics verticle asks the members for {@link #ANALYTICS_HUB} only while wanted.
   */
  public static final String ANALYTICS_HUB_WANTED = "crowdwire.analytics.hub.wanted";

  /** {@link #fleet} operation: the counts of a member (socket verticles are not asked: the counts are the instance's). */
  public static final String STATS = "stats";
  /** {@link #fleet} and {@link #socket} operation: close every connection of a subject. */
  public static final String DISCONNECT = "disconnect";
  /** {@link #fleet} and {@link #socket} operation: who is subscribed to a channel. */
  public static final String PRESENCE = "presence";

  private Addresses() {
  }

  /**
   * Where cluster member {@code node} answers, across the cluster (JSON both ways): {@link #STATS} {@code {}} ->
   * {@code {member, connections, subscriptions, channels, documents, appended, ready}} (appended: the events it
   * stored since it started); {@link #DISCONNECT} {@code {subject, revokeUpTo?}} ->
   * {@code {disconnected}}; {@link #PRESENCE} {@code {db, collection}} -> {@code {member, connections: [...]}}.
   */
  public static String fleet(String node, String operation) {
    return "crowdwire.fleet." + node + "." + operation;
  }

  /**
   * Where socket verticle {@code index} (0 to the number of event loops - 1) of this instance answers, locally:
   * {@link #DISCONNECT} {@code {subject, code, reason}} -> Integer, how many connections it closed;
   * {@link #PRESENCE} {@code {db, collection}} -> JsonArray, one presence entry per subscribed connection.
   */
  public static String socket(int index, String operation) {
    return "crowdwire.socket." + index + "." + operation;
  }

  /** Failure codes of bus replies; HTTP-like so that they map straight onto responses. */
  public static final class FailureCodes {
    public static final int UNAVAILABLE = 503;
    public static final int INTERNAL = 500;

    private FailureCodes() {
    }
  }
}
