package io.cohort.client;

import com.google.common.net.HostAndPort;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;

/** Entry point: connects a {@link CohortClient} to a Cohort group. */
public final class Cohort {
  /**
   * Answers can be large: a row may be as large as a member's largest transaction (150 MB by
   * default, MySQL's transaction size limit), and scans return many rows. The gRPC default of
   * 4 MiB would cut them short.
   */
  private static final int MAX_INBOUND_MESSAGE_BYTES = 256 * 1024 * 1024;

  private Cohort() {}

  /**
   * Connects with default options.
   *
   * @param addresses comma-separated member addresses, e.g. {@code "10.0.0.1:7001,10.0.0.2:7001"}
   * @return the client (channels connect lazily, so this does not fail if members are down)
   */
  public static CohortClient connect(String addresses) {
    return connect(addresses, ClientOptions.defaults());
  }

  /**
   * Connects with the given options.
   *
   * @param addresses comma-separated member addresses ({@code host:port}, IPv6 in brackets)
   * @param options deadline, retry and routing behaviour; with the default routing the client
   *     follows the primary even to a member not in {@code addresses}
   * @return the client
   * @throws IllegalArgumentException if an address is malformed
   */
  public static CohortClient connect(String addresses, ClientOptions options) {
    List<String> parsed = parseAddresses(addresses);
    ChannelCredentials credentials = credentials(options);
    List<MemberConnection> members = new ArrayList<>();
    for (String address : parsed) {
      members.add(open(address, options, credentials));
    }
    // Members learnt later (the primary named by a secondary) get a channel the same way.
    return new CohortClient(members, address -> open(address, options, credentials), options);
  }

  /** The transport's credentials, with the options' user on every call when there is one. */
  private static ChannelCredentials credentials(ClientOptions options) {
    ChannelCredentials transport = transportCredentials(options);
    return options.user() == null ? transport : io.grpc.CompositeChannelCredentials.create(transport,
        new UserCredentials(options.user(), options.password()));
  }

  /** Plain text, or TLS with the options' CA and client certificate; the PEM files are read now. */
  private static ChannelCredentials transportCredentials(ClientOptions options) {
    if (options.tlsCa() == null) {
      return InsecureChannelCredentials.create();
    }
    try {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(options.tlsCa().toFile());
      if (options.tlsCert() != null) {
        b.keyManager(options.tlsCert().toFile(), options.tlsKey().toFile());
      }
      return b.build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot use the TLS files (CA " + options.tlsCa()
          + (options.tlsCert() == null ? "" : ", certificate " + options.tlsCert() + ", key " + options.tlsKey())
          + "): " + e.getMessage(), e);
    }
  }

  private static MemberConnection open(String address, ClientOptions options, ChannelCredentials credentials) {
    HostAndPort hp = HostAndPort.fromString(address);
    if (!hp.hasPort() || hp.getHost().isEmpty()) {
      throw new IllegalArgumentException("member address '" + address + "' needs host:port");
    }
    ManagedChannel channel = NettyChannelBuilder.forAddress(hp.getHost(), hp.getPort(), credentials)
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .build();
    return new MemberConnection(address, channel, options.deadline());
  }

  /**
   * Splits and checks a comma-separated address list.
   *
   * @param addresses e.g. {@code "127.0.0.1:7001, 127.0.0.1:7002"}
   * @return the addresses, trimmed, in order
   * @throws IllegalArgumentException if the list is empty or an entry lacks a valid port
   */
  public static List<String> parseAddresses(String addresses) {
    List<String> result = new ArrayList<>();
    for (String part : addresses == null ? new String[0] : addresses.split(",")) {
      String a = part.trim();
      if (a.isEmpty()) {
        continue;
      }
      HostAndPort hp;
      try {
        hp = HostAndPort.fromString(a);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bad member address '" + a + "': " + e.getMessage(), e);
      }
      if (!hp.hasPort() || hp.getHost().isEmpty()) {
        throw new IllegalArgumentException("member address '" + a + "' needs host:port");
      }
      result.add(a);
    }
    if (result.isEmpty()) {
      throw new IllegalArgumentException("no member address given (expected host:port[,...])");
    }
    return result;
  }
}
