package io.cohort.client;

import io.cohort.testing.FakeCohortServer;
import io.cohort.testing.FakeCohortServer.FakeGroup;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Fake members m1..mN served in-process at the addresses member-1..member-N, and a client
 * connected to the first {@code given} of them in order (it may learn of the others from the
 * group). The fakes present one group; they do not replicate.
 */
final class InProcessCluster implements AutoCloseable {
  final List<FakeCohortServer> fakes = new ArrayList<>();
  final FakeGroup group = new FakeGroup();
  private final List<Server> servers = new ArrayList<>();
  /** Address (member-i) to in-process server name. */
  private final Map<String, String> names = new HashMap<>();
  private final ClientOptions options;
  final CohortClient client;

  /** N members in a multi-primary group: the client writes to the first that answers. */
  InProcessCluster(int members, ClientOptions options) throws IOException {
    this(members, members, false, options);
  }

  /**
   * @param members how many fakes
   * @param given how many of their addresses the client is given
   * @param singlePrimary m1 is the primary of a single-primary group; else multi-primary
   */
  InProcessCluster(int members, int given, boolean singlePrimary, ClientOptions options)
      throws IOException {
    this.options = options;
    for (int i = 1; i <= members; i++) {
      group.add("m" + i, "member-" + i);
    }
    if (!singlePrimary) {
      group.multiPrimary();
    }
    List<MemberConnection> connections = new ArrayList<>();
    for (int i = 1; i <= members; i++) {
      String name = InProcessServerBuilder.generateName();
      names.put("member-" + i, name);
      FakeCohortServer fake = new FakeCohortServer("m" + i, group);
      fakes.add(fake);
      servers.add(InProcessServerBuilder.forName(name).directExecutor().addService(fake).build()
          .start());
      if (i <= given) {
        connections.add(connect("member-" + i));
      }
    }
    client = new CohortClient(connections, this::connect, options);
  }

  /** What Cohort.connect does for a real address; an unknown one reaches no server. */
  private MemberConnection connect(String address) {
    String name = names.getOrDefault(address, "nowhere-" + address);
    ManagedChannel ch = InProcessChannelBuilder.forName(name).directExecutor().build();
    return new MemberConnection(address, ch, options.deadline());
  }

  /** A separate client pinned to member i (0-based), to look at what that member holds. */
  CohortClient direct(int i) {
    ClientOptions pinned = options.toBuilder().routing(ClientOptions.Routing.PINNED).build();
    return new CohortClient(java.util.List.of(connect("member-" + (i + 1))), this::connect,
        pinned);
  }

  /** A separate client given first {@code first}, then member i (0-based). */
  CohortClient clientWith(MemberConnection first, int i) {
    return new CohortClient(List.of(first, connect("member-" + (i + 1))), this::connect, options);
  }

  FakeCohortServer fake(int i) {
    return fakes.get(i);
  }

  /** Stops member i (0-based) for good: calls to it fail with UNAVAILABLE. */
  void kill(int i) throws InterruptedException {
    servers.get(i).shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    client.close();
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
