package io.cohort.server.auth;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.Executor;

/**
 * A user and password as a call carries them: the {@code authorization} header, {@code Basic}
 * and base64 of {@code user:password} (HTTP's scheme, which gRPC tools already speak). Send it
 * over TLS: in plain text anyone on the path reads it.
 */
public record BasicCredentials(String user, String password) {
  public static final Metadata.Key<String> HEADER = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String SCHEME = "Basic ";
  /** Longer headers are refused unread. */
  static final int MAX_HEADER = 1024;

  /** Never the password. */
  @Override
  public String toString() {
    return "BasicCredentials[user=" + user + "]";
  }

  /** The header's value. */
  public String header() {
    return SCHEME + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a call's header.
   *
   * @return null when there is none
   * @throws IllegalArgumentException saying what is wrong with one that is there
   */
  public static BasicCredentials from(Metadata headers) {
    String h = headers.get(HEADER);
    if (h == null) {
      return null;
    }
    if (h.length() > MAX_HEADER) {
      throw new IllegalArgumentException("the authorization header is longer than " + MAX_HEADER + " characters");
    }
    if (!h.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      throw new IllegalArgumentException("the authorization header is not 'Basic' followed by base64 of user:password");
    }
    String text;
    try {
      text = new String(Base64.getDecoder().decode(h.substring(SCHEME.length()).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the authorization header's credentials are not base64 of user:password");
    }
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("the authorization header's credentials have no ':' between user and password");
    }
    return new BasicCredentials(text.substring(0, colon), text.substring(colon + 1));
  }

  /** Call credentials that send this user and password with every call. */
  public CallCredentials asCallCredentials() {
    String value = header();
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata m = new Metadata();
        m.put(HEADER, value);
        applier.apply(m);
      }
    };
  }
}
