package io.cohort.server.transport;

import javax.net.ssl.SSLException;

/** Tells a call that failed in its TLS handshake from one whose member was merely down. */
public final class TlsFailure {
  private TlsFailure() {}

  /**
   * The most specific message of the TLS failure behind {@code e}, or null when no TLS error is
   * among its causes.
   */
  public static String of(Throwable e) {
    String found = null;
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof SSLException || found != null) {
        if (t.getMessage() != null) {
          found = t.getMessage();
        }
      }
    }
    return found;
  }
}
