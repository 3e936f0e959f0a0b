package io.cohort.client;

import com.google.common.net.HostAndPort;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;

/** Entry point: connects a {@link CohortClient} to a Cohort group. */
public final class Cohort {
  /** Scan results can be large; the gRPC default of 4 MiB would cut them short. */
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

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
   * @param options deadline and retry behaviour
   * @return the client
   * @throws IllegalArgumentException if an address is malformed
   */
  public static CohortClient connect(String addresses, ClientOptions options) {
    List<MemberConnection> members = new ArrayList<>();
    for (String address : parseAddresses(addresses)) {
      HostAndPort hp = HostAndPort.fromString(address);
      ManagedChannel channel = NettyChannelBuilder.forAddress(hp.getHost(), hp.getPort())
          .usePlaintext()
          .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
          .build();
      members.add(new MemberConnection(address, channel, options.deadline()));
    }
    return new CohortClient(members, options);
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
