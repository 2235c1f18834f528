package io.crowdwire.auth;

import io.vertx.ext.auth.PubSecKeyOptions;

import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The public keys of {@code auth.jwtPublicKeys}: PEM text holding one or more {@code -----BEGIN PUBLIC KEY-----}
 * blocks. Each key verifies exactly one algorithm, chosen by its type (RSA: RS256, EC P-256: ES256), never the
 * one a token names, so a token cannot make a public key serve as an HMAC secret.
 */
public final class PemKeys {

  private static final Pattern BLOCK =
    Pattern.compile("-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----");

  private PemKeys() {
  }

  /** The keys of {@code text} (empty or null: none); a block that is not an RSA or P-256 key fails, by position. */
  public static List<PubSecKeyOptions> parse(String text) {
    List<PubSecKeyOptions> keys = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return keys;
    }
    Matcher block = BLOCK.matcher(text);
    while (block.find()) {
      keys.add(new PubSecKeyOptions().setAlgorithm(algorithm(block.group(1), keys.size() + 1)).setBuffer(block.group()));
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("auth.jwtPublicKeys holds no -----BEGIN PUBLIC KEY----- block");
    }
    return keys;
  }

  private static String algorithm(String base64, int position) {
    byte[] der = Base64.getMimeDecoder().decode(base64);
    for (String type : List.of("RSA", "EC")) {
      PublicKey key;
      try {
        key = KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException notThisType) {
        continue;
      }
      if (key instanceof RSAPublicKey) {
        return "RS256";
      }
      if (key instanceof ECPublicKey ec && ec.getParams().getCurve().equals(p256().getCurve())) {
        return "ES256";
      }
    }
    throw new IllegalArgumentException("auth.jwtPublicKeys: key " + position + " is neither RSA nor EC P-256");
  }

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM lacks the P-256 curve", e);
    }
  }
}
