package io.crowdwire.webhook;

import io.crowdwire.config.CrowdwireConfig;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A way for a webhook sender to prove who it is, as named in {@code webhooks.schemes}, with the header whose presence
 * says the sender uses it.
 */
public enum WebhookScheme {
  JWT("jwt", "Authorization", "Authorization: Bearer <jwt>"),
  STANDARD("standard", StandardWebhookSignature.SIGNATURE, StandardWebhookSignature.SIGNATURE),
  GITHUB("github", GithubSignature.SIGNATURE, GithubSignature.SIGNATURE);

  private final String configName;
  private final String header;
  private final String hint;

  WebhookScheme(String configName, String header, String hint) {
    this.configName = configName;
    this.header = header;
    this.hint = hint;
  }

  /** The schemes of a comma-separated list of names; an unknown name or an empty list fails. */
  public static Set<WebhookScheme> parse(String list) {
    Set<WebhookScheme> schemes = EnumSet.noneOf(WebhookScheme.class);
    for (String name : CrowdwireConfig.commaList(list)) {
      String wanted = name.toLowerCase(Locale.ROOT);
      schemes.add(Arrays.stream(values()).filter(scheme -> scheme.configName.equals(wanted)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("webhooks.schemes: unknown scheme '" + wanted + "', expected "
          + names(EnumSet.allOf(WebhookScheme.class)))));
    }
    if (schemes.isEmpty()) {
      throw new IllegalArgumentException("webhooks.schemes must name at least one of "
        + names(EnumSet.allOf(WebhookScheme.class)) + " (WEBHOOK_AUTH=false is the way to accept unauthenticated webhooks)");
    }
    return schemes;
  }

  /** The names of {@code schemes}, as a list in the configuration. */
  public static String names(Collection<WebhookScheme> schemes) {
    return schemes.stream().map(WebhookScheme::configName).collect(Collectors.joining(","));
  }

  public String configName() {
    return configName;
  }

  /** The header that carries this scheme's credentials. */
  public String header() {
    return header;
  }

  /** What a sender should send, for error messages. */
  public String hint() {
    return hint;
  }
}
