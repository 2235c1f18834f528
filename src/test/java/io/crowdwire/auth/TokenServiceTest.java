package io.crowdwire.auth;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Remembering verified tokens must never widen what is accepted: a remembered token still expires when its
 * claim says (plus the 30 s leeway), and a token that differs in any character is verified on its own.
 */
class TokenServiceTest {

  private final TokenService tokens = new TokenService(Clients.VERTX,
    new CrowdwireConfig.Auth(TestConfig.SECRET, true, "webhook", false, 1000));

  private static Throwable failureOf(Future<Principal> result) {
    return Clients.await(result.<Throwable>transform(done -> Future.succeededFuture(done.cause())));
  }

  @Test
  void aRememberedTokenStillExpires() throws InterruptedException {
    // Expired 28 s ago: inside the 30 s leeway for about 2 more seconds.
    String token = Tokens.expiringAt(System.currentTimeMillis() / 1000 - 28);
    assertThat(Clients.await(tokens.verify(token)).subject()).isEqualTo("late");
    assertThat(Clients.await(tokens.verify(token)).subject()).as("verified again, or remembered").isEqualTo("late");

    Thread.sleep(Duration.ofSeconds(4).toMillis());
    assertThat(failureOf(tokens.verify(token)))
      .isInstanceOf(TokenService.InvalidTokenException.class)
      .extracting(Throwable::getMessage).asString().containsIgnoringCase("expired");
  }

  @Test
  void aTamperedCopyOfARememberedTokenIsRefused() {
    String token = Tokens.webhook();
    assertThat(Clients.await(tokens.verify(token)).hasRole("webhook")).isTrue();
    String[] parts = token.split("\\.");
    char last = parts[2].charAt(0);
    String tampered = parts[0] + "." + parts[1] + "." + (last == 'A' ? 'B' : 'A') + parts[2].substring(1);
    assertThat(failureOf(tokens.verify(tampered))).isInstanceOf(TokenService.InvalidTokenException.class);
    assertThat(failureOf(tokens.verify(Tokens.withRoles("another-secret", java.util.List.of("webhook")))))
      .isInstanceOf(TokenService.InvalidTokenException.class);
  }
}
