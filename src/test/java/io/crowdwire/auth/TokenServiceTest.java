package io.crowdwire.auth;

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

  private final TokenService tokens = new TokenService(Clients.VERTX, TestConfig.embedded().auth());

  private static Throwable failureOf(Future<Principal> result) {
    return Clients.await(result.<Throwable>transform(done -> Future.succeededFuture(done.cause())));
  }

  @Test
  void aRememberedTokenStillExpires() throws InterruptedException {
    // Expired 28 s ago: inside the 30 s leeway for about 2 more seconds.
    String token = Tokens.expiringAt(System.currentTimeMillis() / 1000 - 28);
    assertThat(Clients.await(tokens.verify(token)).subject()).isEqualTo("late");
    assertThat(Clients.await(tokens.verify(token)).subject()).as("verified again, or remembered").isEqualTo("late");

    // Time passing, not a poll: past the token's expiry.
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

  @Test
  void aVerifiedTokenIsRemembered() {
    String token = Tokens.user("remembered");
    assertThat(Clients.await(tokens.verify(token))).as("the same principal, not verified again")
      .isSameAs(Clients.await(tokens.verify(token)));
  }

  @Test
  void aRevocationRefusesTheSubjectsTokensIssuedUpToItEvenWhenRemembered() {
    Revocations revocations = new Revocations(60_000);
    TokenService guarded = new TokenService(Clients.VERTX, TestConfig.embedded(), revocations);
    String old = Tokens.user("mallory");
    String other = Tokens.user("bob");
    assertThat(Clients.await(guarded.verify(old)).subject()).isEqualTo("mallory");

    revocations.revoke("mallory", System.currentTimeMillis());
    assertThat(failureOf(guarded.verify(old))).hasMessage("token revoked");
    assertThat(Clients.await(guarded.verify(other)).subject()).isEqualTo("bob");
    // Issued in a later second than the revocation: accepted.
    revocations.revoke("carol", System.currentTimeMillis() - 2_000);
    assertThat(Clients.await(guarded.verify(Tokens.user("carol"))).subject()).isEqualTo("carol");
    // Once the revocation outlived its time to live, it is forgotten.
    Revocations expired = new Revocations(1_000);
    expired.revoke("dave", System.currentTimeMillis() - 5_000);
    assertThat(expired.revoked("dave", 0)).isFalse();
    assertThat(revocations.revoked("erin", 0)).isFalse();
  }
}
