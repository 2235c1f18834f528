package io.crowdwire.config;

/**
 * A check of the values one package interprets (key formats, patterns, secrets), run by {@link ConfigLoader} on every
 * configuration it builds. The packages that understand a value check it, so that config depends on none of them;
 * ConfigLoader finds them with {@link java.util.ServiceLoader} ({@code META-INF/services/io.crowdwire.config.ConfigCheck}).
 */
public interface ConfigCheck {

  /** Throws {@link IllegalArgumentException} naming the key and what is wrong with its value. */
  void check(CrowdwireConfig config);
}
