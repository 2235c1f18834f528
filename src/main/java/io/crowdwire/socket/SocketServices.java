package io.crowdwire.socket;

import io.crowdwire.auth.SubscribeAuthorization;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.LogClient;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.metrics.Metrics;

/** What every session of one socket verticle shares. */
record SocketServices(CrowdwireConfig config, LogClient log, LocalSubscribers subscribers, TokenService tokens,
                      InstanceState state, Metrics metrics, ClientChannels channels, LocalGroups groups,
                      SubscribeAuthorization authorization, AccessLimits limits, ReplayFrames replayFrames) {
}
