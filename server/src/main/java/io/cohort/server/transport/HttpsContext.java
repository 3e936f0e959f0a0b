package io.cohort.server.transport;

import io.cohort.server.config.ConfigException;
import io.cohort.server.config.TlsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The TLS context of a member's HTTP endpoint ({@code http-tls}): the member's PEM certificate
 * chain and PKCS#8 key, as the JDK's HTTPS server wants them. gRPC reads the same files itself;
 * the JDK needs them in a key store, which this builds in memory.
 */
public final class HttpsContext {
  private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String END = "-----END PRIVATE KEY-----";

  private HttpsContext() {}

  /**
   * A server context for {@code tls}'s certificate and key.
   *
   * @throws ConfigException naming the setting whose file cannot be used
   */
  public static SSLContext server(TlsConfig tls) {
    Certificate[] chain;
    try (InputStream in = Files.newInputStream(tls.cert())) {
      chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException("tls-cert " + tls.cert() + " is not a PEM certificate: " + e.getMessage());
    }
    if (chain.length == 0) {
      throw new ConfigException("tls-cert " + tls.cert() + " holds no PEM certificate");
    }
    PrivateKey key;
    try {
      String pem = Files.readString(tls.key(), StandardCharsets.US_ASCII);
      int from = pem.indexOf(BEGIN);
      int to = pem.indexOf(END);
      if (from < 0 || to < from) {
        throw new ConfigException("tls-key " + tls.key() + " is not a PKCS#8 PEM key (" + BEGIN + ")");
      }
      byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + BEGIN.length(), to));
      key = KeyFactory.getInstance(chain[0].getPublicKey().getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new ConfigException("tls-key " + tls.key() + " cannot be used with tls-cert " + tls.cert() + ": "
          + e.getMessage());
    }
    try {
      char[] none = new char[0];
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("member", key, none, chain);
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, none);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException("tls-cert " + tls.cert() + " and tls-key " + tls.key() + " do not make a key pair: "
          + e.getMessage());
    }
  }
}
