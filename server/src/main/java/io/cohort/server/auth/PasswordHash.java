package io.cohort.server.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A password as a member keeps it: PBKDF2 with HMAC-SHA-256 over a random salt, written as
 * {@code pbkdf2-sha256$<iterations>$<salt>$<hash>} (base64). The password itself is never stored.
 */
public final class PasswordHash {
  /** Iterations for new hashes: about 50 ms of one core here, paid once per user and password per member (see Accounts). */
  public static final int ITERATIONS = 100_000;
  private static final String SCHEME = "pbkdf2-sha256";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final int iterations;
  private final byte[] salt;
  private final byte[] hash;

  private PasswordHash(int iterations, byte[] salt, byte[] hash) {
    this.iterations = iterations;
    this.salt = salt;
    this.hash = hash;
  }

  /** A new hash of {@code password} with a fresh salt. */
  public static PasswordHash of(String password) {
    return of(password, ITERATIONS);
  }

  static PasswordHash of(String password, int iterations) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return new PasswordHash(iterations, salt, derive(password, salt, iterations));
  }

  /**
   * Reads an encoded hash.
   *
   * @throws IllegalArgumentException if {@code encoded} is not one
   */
  public static PasswordHash parse(String encoded) {
    String[] parts = encoded.split("\\$");
    if (parts.length != 4 || !parts[0].equals(SCHEME)) {
      throw new IllegalArgumentException("not a " + SCHEME + " password hash");
    }
    int iterations = Integer.parseInt(parts[1]);
    if (iterations < 1 || iterations > 10_000_000) {
      throw new IllegalArgumentException("iterations " + iterations + " out of range");
    }
    return new PasswordHash(iterations, Base64.getDecoder().decode(parts[2]), Base64.getDecoder().decode(parts[3]));
  }

  /** Whether {@code password} is the one hashed (constant time in the comparison). */
  public boolean matches(String password) {
    return MessageDigest.isEqual(hash, derive(password, salt, iterations));
  }

  public String encoded() {
    Base64.Encoder b = Base64.getEncoder();
    return SCHEME + "$" + iterations + "$" + b.encodeToString(salt) + "$" + b.encodeToString(hash);
  }

  private static byte[] derive(String password, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JDK", e);
    } finally {
      spec.clearPassword();
    }
  }
}
