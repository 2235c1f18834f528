package io.crowdwire.webhook;

import io.crowdwire.config.ConfigCheck;
import io.crowdwire.config.CrowdwireConfig;

import java.util.List;
import java.util.Set;

/** A scheme that cannot verify anything (unknown, or a signature scheme without a secret) fails the start. */
public final class WebhookConfigCheck implements ConfigCheck {

  @Override
  public void check(CrowdwireConfig config) {
    CrowdwireConfig.Webhooks webhooks = config.webhooks();
    Set<WebhookScheme> enabled = WebhookScheme.parse(webhooks.schemes());
    List<String> standard = webhooks.standardSecretList();
    for (int i = 0; i < standard.size(); i++) {
      if (!StandardWebhookSignature.isSecret(standard.get(i))) {
        // The value itself is never repeated: it would land in logs.
        throw new IllegalArgumentException("webhooks.standardSecrets: secret " + (i + 1) + " is not whsec_<base64 key>");
      }
    }
    if (enabled.contains(WebhookScheme.STANDARD) && standard.isEmpty()) {
      throw new IllegalArgumentException("webhooks.schemes enables 'standard' but webhooks.standardSecrets is empty");
    }
    if (enabled.contains(WebhookScheme.GITHUB) && webhooks.githubSecretList().isEmpty()) {
      throw new IllegalArgumentException("webhooks.schemes enables 'github' but webhooks.githubSecrets is empty");
    }
  }
}
