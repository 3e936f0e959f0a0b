package io.cohort.client;

import io.cohort.testing.FakeCohortServer;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Fake members served in-process, and a client connected to them in order. */
final class InProcessCluster implements AutoCloseable {
  final List<FakeCohortServer> fakes = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  final CohortClient client;

  InProcessCluster(int members, ClientOptions options) throws IOException {
    List<MemberConnection> connections = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      String name = InProcessServerBuilder.generateName();
      FakeCohortServer fake = new FakeCohortServer();
      fakes.add(fake);
      servers.add(InProcessServerBuilder.forName(name).directExecutor().addService(fake).build()
          .start());
      ManagedChannel ch = InProcessChannelBuilder.forName(name).directExecutor().build();
      connections.add(new MemberConnection("member-" + (i + 1), ch, options.deadline()));
    }
    client = new CohortClient(connections, options);
  }

  FakeCohortServer fake(int i) {
    return fakes.get(i);
  }

  @Override
  public void close() throws InterruptedException {
    client.close();
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
