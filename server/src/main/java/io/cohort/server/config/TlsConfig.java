package io.cohort.server.config;

import io.cohort.server.model.Shown;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * TLS on a member's two endpoints (MySQL's ssl_* and group_replication_ssl_mode, etcd's
 * --cert-file and --peer-cert-file). One certificate, key and CA serve both: the member shows
 * its certificate to clients and to peers, and trusts what the CA signed.
 *
 * <p>With TLS on an endpoint, that endpoint speaks nothing else: a plain-text client or peer
 * never gets past the handshake, and neither does one whose certificate another CA signed.
 * Every member of a group must use the same settings, since members call each other's client
 * port (join, recovery, clone) as they find it configured on themselves.
 *
 * @param cert   this member's certificate chain (PEM)
 * @param key    its private key (PEM, PKCS#8)
 * @param ca     the CA certificates peers and client certificates must chain to (PEM)
 * @param client TLS on the client port
 * @param group  mutual TLS on the group port: each member shows its certificate and checks the
 *               other's
 * @param http   HTTPS on the HTTP endpoint ({@code http-listen}: /metrics, /ui, probes), with
 *               the same certificate; no client certificate is asked for there, since scrapers,
 *               browsers and probes seldom have one
 */
public record TlsConfig(Path cert, Path key, Path ca, ClientTls client, boolean group, boolean http) {

  /** TLS as set, with the HTTP endpoint following the client port (https when client-tls is on). */
  public TlsConfig(Path cert, Path key, Path ca, ClientTls client, boolean group) {
    this(cert, key, ca, client, group, client != ClientTls.OFF);
  }

  /**
   * TLS on the client port. With {@code ON} a client certificate is optional for clients, and
   * the internal services (join, donor probes, clone) need one that the CA signed; with
   * {@code REQUIRE_CLIENT_CERT} every caller needs one.
   */
  public enum ClientTls {
    OFF, ON, REQUIRE_CLIENT_CERT;

    /** The setting's spelling in a config file: off, on, require-client-cert. */
    public String key() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** No TLS anywhere (the default, as in MySQL before 8.0 and etcd without cert flags). */
  public static TlsConfig off() {
    return new TlsConfig(null, null, null, ClientTls.OFF, false);
  }

  public TlsConfig {
    if (client == null) {
      throw new ConfigException("client-tls is required (off, on or require-client-cert)");
    }
    if (client != ClientTls.OFF || group || http) { // the fields are not set yet: enabled() would read nulls
      requireFile("tls-cert", cert);
      requireFile("tls-key", key);
      requireFile("tls-ca", ca);
    }
  }

  /** Whether any endpoint uses TLS. */
  public boolean enabled() {
    return client != ClientTls.OFF || group || http;
  }

  /** Parses client-tls: off, on or require-client-cert. */
  public static ClientTls clientTls(String text) {
    for (ClientTls c : ClientTls.values()) {
      if (c.key().equalsIgnoreCase(text.trim())) {
        return c;
      }
    }
    throw new ConfigException("client-tls '" + Shown.of(text) + "' is not off, on or require-client-cert");
  }

  /** Parses group-tls: off or on. */
  public static boolean groupTls(String text) {
    return onOff("group-tls", text);
  }

  /** Parses http-tls: off or on. */
  public static boolean httpTls(String text) {
    return onOff("http-tls", text);
  }

  private static boolean onOff(String key, String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "off" -> false;
      case "on" -> true;
      default -> throw new ConfigException(key + " '" + Shown.of(text) + "' is not off or on");
    };
  }

  /** Key → effective value, for the start-up log. */
  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("client-tls", client.key());
    m.put("group-tls", group ? "on" : "off");
    m.put("http-tls", http ? "on" : "off");
    if (enabled()) {
      m.put("tls-cert", cert.toString());
      m.put("tls-key", key.toString());
      m.put("tls-ca", ca.toString());
    }
    return m;
  }

  private static void requireFile(String key, Path p) {
    if (p == null) {
      throw new ConfigException(key + " is required when client-tls, group-tls or http-tls is on (a PEM file)");
    }
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new ConfigException(key + " " + p + " is not a readable file");
    }
  }
}
