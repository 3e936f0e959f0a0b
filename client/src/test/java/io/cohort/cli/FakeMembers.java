package io.cohort.cli;

import io.cohort.testing.FakeCohortServer;
import io.cohort.testing.FakeCohortServer.FakeGroup;
import io.grpc.Server;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** Fake members m1..mN of one group on their own ports, and the CLI run against them. */
final class FakeMembers implements AutoCloseable {
  final List<Server> servers = new ArrayList<>();
  final List<FakeCohortServer> fakes = new ArrayList<>();
  final List<String> addresses = new ArrayList<>();
  final FakeGroup group = new FakeGroup();
  /** What the last {@link #cohort} printed. */
  String out;
  String err;

  /** Starts {@code n} more fakes (the first one added is the primary); returns their --connect list. */
  String start(int n) throws Exception {
    for (int i = 1; i <= n; i++) {
      String id = "m" + (fakes.size() + 1);
      FakeCohortServer fake = new FakeCohortServer(id, group);
      Server s = fake.serve();
      fakes.add(fake);
      servers.add(s);
      group.add(id, FakeCohortServer.address(s));
      addresses.add(FakeCohortServer.address(s));
    }
    return String.join(",", addresses);
  }

  /** Runs {@code cohort --connect CONNECT ARGS...}; returns its exit code. */
  int cohort(String connect, String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--connect", connect));
    all.addAll(List.of(args));
    int code = CohortCli.commandLine(new PrintWriter(o, true), new PrintWriter(e, true))
        .execute(all.toArray(String[]::new));
    out = o.toString();
    err = e.toString();
    return code;
  }

  @Override
  public void close() throws Exception {
    for (Server s : servers) {
      FakeCohortServer.stop(s);
    }
  }
}
