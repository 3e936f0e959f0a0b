package io.cohort.server.transport;

import io.cohort.server.auth.BasicCredentials;
import io.cohort.server.config.AuthConfig;
import io.cohort.server.config.ConfigException;
import io.cohort.server.config.TlsConfig;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;

/**
 * The gRPC credentials of a member's two endpoints, and of the calls it makes to other members,
 * built once from its {@link TlsConfig}. With TLS off everything is plain text.
 *
 * <p>A member calling another member (group streams; join, probes, recovery and clone on the
 * client port) shows its own certificate and checks the other's against the CA and the address
 * it dialed, as a client would.
 */
public final class MemberCredentials {
  private final ServerCredentials clientPort;
  private final ServerCredentials groupPort;
  private final ChannelCredentials toClientPorts;
  private final ChannelCredentials toGroupPorts;
  private final boolean internalCallsNeedCertificate;

  private MemberCredentials(ServerCredentials clientPort, ServerCredentials groupPort,
      ChannelCredentials toClientPorts, ChannelCredentials toGroupPorts, boolean internalCallsNeedCertificate) {
    this.clientPort = clientPort;
    this.groupPort = groupPort;
    this.toClientPorts = toClientPorts;
    this.toGroupPorts = toGroupPorts;
    this.internalCallsNeedCertificate = internalCallsNeedCertificate;
  }

  /** Plain text on both endpoints and in every call. */
  public static MemberCredentials plaintext() {
    return new MemberCredentials(InsecureServerCredentials.create(), InsecureServerCredentials.create(),
        InsecureChannelCredentials.create(), InsecureChannelCredentials.create(), false);
  }

  /**
   * The credentials {@code tls} asks for, and with accounts on, this member's user ({@link
   * AuthConfig#callerUser()}) on every call it makes to another member's client port.
   *
   * @throws ConfigException if a PEM file cannot be read
   */
  public static MemberCredentials of(TlsConfig tls, AuthConfig auth) {
    MemberCredentials c = of(tls);
    if (!auth.enabled()) {
      return c;
    }
    io.grpc.CallCredentials user = new BasicCredentials(auth.callerUser(), auth.callerPassword()).asCallCredentials();
    return new MemberCredentials(c.clientPort, c.groupPort,
        io.grpc.CompositeChannelCredentials.create(c.toClientPorts, user), c.toGroupPorts,
        c.internalCallsNeedCertificate);
  }

  /**
   * The credentials {@code tls} asks for.
   *
   * @throws ConfigException if a PEM file cannot be read
   */
  public static MemberCredentials of(TlsConfig tls) {
    if (!tls.enabled()) {
      return plaintext();
    }
    checkPem(tls);
    ChannelCredentials mutualChannel;
    try {
      mutualChannel = TlsChannelCredentials.newBuilder()
          .keyManager(tls.cert().toFile(), tls.key().toFile())
          .trustManager(tls.ca().toFile())
          .build();
    } catch (IOException | RuntimeException e) {
      throw unreadable(tls, e);
    }
    ServerCredentials clientPort = switch (tls.client()) {
      case OFF -> InsecureServerCredentials.create();
      case ON -> server(tls, TlsServerCredentials.ClientAuth.OPTIONAL);
      case REQUIRE_CLIENT_CERT -> server(tls, TlsServerCredentials.ClientAuth.REQUIRE);
    };
    return new MemberCredentials(clientPort,
        tls.group() ? server(tls, TlsServerCredentials.ClientAuth.REQUIRE) : InsecureServerCredentials.create(),
        tls.client() == TlsConfig.ClientTls.OFF ? InsecureChannelCredentials.create() : mutualChannel,
        tls.group() ? mutualChannel : InsecureChannelCredentials.create(),
        tls.client() != TlsConfig.ClientTls.OFF);
  }

  private static ServerCredentials server(TlsConfig tls, TlsServerCredentials.ClientAuth auth) {
    try {
      return TlsServerCredentials.newBuilder()
          .keyManager(tls.cert().toFile(), tls.key().toFile())
          .trustManager(tls.ca().toFile())
          .clientAuth(auth)
          .build();
    } catch (IOException | RuntimeException e) {
      throw unreadable(tls, e);
    }
  }

  /**
   * Parses the certificates and the key now, so that a wrong file stops the member with a message
   * naming the setting before it opens anything (gRPC would parse them only when a port opens).
   */
  private static void checkPem(TlsConfig tls) {
    for (var e : java.util.List.of(java.util.Map.entry("tls-cert", tls.cert()), java.util.Map.entry("tls-ca", tls.ca()))) {
      try (java.io.InputStream in = java.nio.file.Files.newInputStream(e.getValue())) {
        if (java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
          throw new ConfigException(e.getKey() + " " + e.getValue() + " holds no PEM certificate");
        }
      } catch (IOException | java.security.cert.CertificateException x) {
        throw new ConfigException(e.getKey() + " " + e.getValue() + " is not a PEM certificate: " + x.getMessage());
      }
    }
    try {
      String text = java.nio.file.Files.readString(tls.key(), java.nio.charset.StandardCharsets.US_ASCII);
      if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
        throw new ConfigException("tls-key " + tls.key() + " is not a PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----);"
            + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
      }
    } catch (IOException | RuntimeException x) {
      if (x instanceof ConfigException c) {
        throw c;
      }
      throw new ConfigException("tls-key " + tls.key() + " cannot be read: " + x.getMessage());
    }
  }

  private static ConfigException unreadable(TlsConfig tls, Exception e) {
    return new ConfigException("cannot use tls-cert " + tls.cert() + ", tls-key " + tls.key() + " and tls-ca "
        + tls.ca() + " (PEM certificate, PKCS#8 key, PEM CA): " + e.getMessage());
  }

  /** What the client port serves with. */
  public ServerCredentials clientPort() {
    return clientPort;
  }

  /** What the group port serves with. */
  public ServerCredentials groupPort() {
    return groupPort;
  }

  /** What this member dials other members' client ports with. */
  public ChannelCredentials toClientPorts() {
    return toClientPorts;
  }

  /** What this member dials other members' group ports with. */
  public ChannelCredentials toGroupPorts() {
    return toGroupPorts;
  }

  /**
   * Whether calls to the member-to-member services of the client port (join, probes, clone)
   * must come with a certificate the CA signed: with client TLS on, a client certificate is
   * optional for clients but not for members.
   */
  public boolean internalCallsNeedCertificate() {
    return internalCallsNeedCertificate;
  }
}
