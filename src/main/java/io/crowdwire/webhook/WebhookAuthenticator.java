package io.crowdwire.webhook;

import io.crowdwire.auth.AccessDenied;
import io.crowdwire.auth.TokenService;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides whether a webhook comes from a sender that holds a secret, by the schemes of {@code webhooks.schemes}: a
 * request passes when one enabled scheme whose header it carries verifies. A JWT is checked from the headers alone,
 * before any of the body is read ({@link #screen}); signatures on the raw body, before it is parsed ({@link #verify}).
 * With {@code auth.webhookAuth} off everything passes.
 */
public final class WebhookAuthenticator {

  /**
   * Who sent a webhook: the scheme that verified ({@code none} with authentication off), the JWT's {@code jti}, and
   * the sender as rate limits count it: the JWT's subject, or the scheme for a signature (its secret is the sender).
   */
  public record Sender(String scheme, String tokenId, String subject) {
    static final Sender UNVERIFIED = new Sender("none", null, "none");
  }

  private final boolean required;
  private final Set<WebhookScheme> enabled;
  private final String role;
  private final TokenService tokens;
  private final StandardWebhookSignature standard;
  private final GithubSignature github;

  public WebhookAuthenticator(CrowdwireConfig config, TokenService tokens) {
    CrowdwireConfig.Webhooks webhooks = config.webhooks();
    this.required = config.auth().webhookAuth();
    this.enabled = WebhookScheme.parse(webhooks.schemes());
    this.role = config.auth().webhookRole();
    this.tokens = tokens;
    this.standard = new StandardWebhookSignature(webhooks.standardSecretList(), webhooks.toleranceSeconds());
    this.github = new GithubSignature(webhooks.githubSecretList());
  }

  /**
   * What the headers settle, before any of the body is read: the sender, when authentication is off or its JWT
   * verified; else the signature schemes the body must verify, with why the JWT (if offered) did not.
   */
  public record Screened(Sender sender, List<WebhookScheme> signatures, List<String> reasons, ErrorCode code) {

    /** Whether the body is read before its sender is known. */
    public boolean unverified() {
      return sender == null;
    }
  }

  /**
   * Screens a request by its {@code headers}; fails with a {@link WebhookRejection} (401, or 403 for a token without
   * the webhook role) when no enabled scheme is offered, or only a JWT is and it does not verify.
   */
  public Future<Screened> screen(MultiMap headers) {
    if (!required) {
      return Future.succeededFuture(new Screened(Sender.UNVERIFIED, List.of(), List.of(), null));
    }
    List<WebhookScheme> offered = Arrays.stream(WebhookScheme.values())
      .filter(scheme -> headers.get(scheme.header()) != null).toList();
    List<WebhookScheme> usable = offered.stream().filter(enabled::contains).toList();
    if (usable.isEmpty()) {
      return Future.failedFuture(WebhookRejection.unauthorized(offered.isEmpty() ? "missing credentials: " + send()
        : offered.stream().map(WebhookScheme::header).collect(Collectors.joining(", ")) + " not enabled here (webhooks.schemes: "
        + WebhookScheme.names(enabled) + "): " + send()));
    }
    List<WebhookScheme> signatures = usable.stream().filter(scheme -> scheme != WebhookScheme.JWT).toList();
    if (!usable.contains(WebhookScheme.JWT)) {
      return Future.succeededFuture(new Screened(null, signatures, List.of(), ErrorCode.UNAUTHORIZED));
    }
    return tokens.authorizeToken(headers, role)
      .map(verified -> new Screened(new Sender(WebhookScheme.JWT.configName(), verified.tokenId(),
        verified.principal().subject()), List.of(), List.of(), null))
      .recover(failure -> {
        if (!(failure instanceof AccessDenied denied)) {
          return Future.failedFuture(failure);
        }
        return signatures.isEmpty() ? Future.failedFuture(new WebhookRejection(denied.code(), denied.getMessage(), null))
          : Future.succeededFuture(new Screened(null, signatures, List.of(denied.getMessage()), denied.code()));
      });
  }

  /**
   * The sender of a screened request with these headers and this raw body: the one its headers settled, or the first signature that
   * verifies; else a {@link WebhookRejection} naming every scheme's reason.
   */
  public Sender verify(Screened screened, MultiMap headers, byte[] body) {
    if (!screened.unverified()) {
      return screened.sender();
    }
    List<String> reasons = new ArrayList<>(screened.reasons());
    for (WebhookScheme scheme : screened.signatures()) {
      try {
        verifySignature(scheme, headers, body);
        return new Sender(scheme.configName(), null, scheme.configName());
      } catch (WebhookRejection rejection) {
        reasons.add(rejection.getMessage());
      }
    }
    throw new WebhookRejection(screened.code(), String.join("; ", reasons), null);
  }

  private void verifySignature(WebhookScheme scheme, MultiMap headers, byte[] body) {
    String signature = headers.get(scheme.header());
    if (scheme == WebhookScheme.STANDARD) {
      standard.verify(headers.get(StandardWebhookSignature.ID), headers.get(StandardWebhookSignature.TIMESTAMP),
        signature, body);
    } else {
      github.verify(signature, body);
    }
  }

  /** What to send instead, by the enabled schemes. */
  private String send() {
    List<String> hints = enabled.stream().map(WebhookScheme::hint).toList();
    String last = hints.get(hints.size() - 1);
    return "send " + (hints.size() == 1 ? last : String.join(", ", hints.subList(0, hints.size() - 1)) + " or " + last);
  }
}
