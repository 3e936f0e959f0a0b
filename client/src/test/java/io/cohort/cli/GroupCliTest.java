package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.testing.FakeCohortServer;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code cohort status}, {@code cohort cluster ...} and {@code bench --spread} on a group. */
class GroupCliTest {
  private final FakeMembers m = new FakeMembers();

  @AfterEach
  void stop() throws Exception {
    m.close();
  }

  /** Three fakes m1..m3 on their own ports, m1 the primary; returns the --connect list. */
  private String threeMembers() throws Exception {
    return m.start(3);
  }

  @Test
  void statusShowsTheMembersTheModeAndEveryMembersCounters() throws Exception {
    String connect = threeMembers();
    String m2 = connect.split(",")[1];
    assertThat(m.cohort(connect, "create-table", "t", "--column", "id:int64", "--primary-key",
        "id")).isZero();
    assertThat(m.cohort(connect, "insert", "t", "id=1")).isZero();
    assertThat(m.cohort(connect, "status")).isZero();
    assertThat(m.out).contains("member         m1 at ", "mode           SINGLE_PRIMARY  primary m1",
        "transactions   committed 2  aborted 0");
    List<String> lines = m.out.lines().toList();
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("MEMBER").contains("ADDRESS",
        "STATE", "ROLE", "VERSION", "VIEW_ID"));
    assertThat(lines).anySatisfy(l -> assertThat(l.split(" +"))
        .containsExactly("m2", m2, "ONLINE", "SECONDARY", "fake", "17000000:1"));
    assertThat(lines).anySatisfy(l -> assertThat(l.split(" +")).containsExactly("MEMBER",
        "IN_CERTIFICATION_QUEUE", "CHECKED", "CONFLICTS_DETECTED", "IN_APPLIER_QUEUE",
        "APPLIED", "LOCAL_PROPOSED", "LOCAL_ROLLED_BACK", "LAST_CONFLICT_FREE",
        "GTID_EXECUTED"));
    String g = FakeCohortServer.GROUP;
    assertThat(lines).anySatisfy(l -> assertThat(l.split(" +")).containsExactly("m1", "0", "2",
        "0", "0", "2", "2", "0", g + ":2", g + ":1-2"));
    assertThat(lines).anySatisfy(l -> assertThat(l.split(" +")).containsExactly("m3", "0", "0",
        "0", "0", "0", "0", "0", "-", "-"));

    assertThat(m.cohort(connect, "status", "--json")).isZero();
    assertThat(m.out.lines()).hasSize(1);
    assertThat(m.out).contains("\"mode\":\"SINGLE_PRIMARY\"", "\"primary\":\"m1\"",
        "\"members\":[{\"memberId\":\"m1\"", "\"memberStats\":[{\"memberId\":\"m1\"",
        "\"inCertificationQueue\":\"0\"", "\"lastConflictFree\":\"" + g + ":2\"");
  }

  @Test
  void clusterCommandsChangeThePrimaryAndTheMode() throws Exception {
    String connect = threeMembers();
    assertThat(m.cohort(connect, "cluster", "set-primary", "m2")).isZero();
    assertThat(m.out.trim()).startsWith("mode SINGLE_PRIMARY  primary m2  view 17000000:");
    assertThat(m.group.primary()).isEqualTo("m2");

    assertThat(m.cohort(connect, "cluster", "switch-to-multi-primary")).isZero();
    assertThat(m.out).startsWith("mode MULTI_PRIMARY  view ");
    assertThat(m.cohort(connect, "status")).isZero();
    assertThat(m.out).contains("mode           MULTI_PRIMARY  primary -");

    assertThat(m.cohort(connect, "cluster", "switch-to-single-primary")).isZero();
    assertThat(m.out).contains("primary m1");
    assertThat(m.cohort(connect, "cluster", "switch-to-single-primary", "m3")).isZero();
    assertThat(m.out).contains("primary m3");

    assertThat(m.cohort(connect, "cluster", "set-primary", "m7")).isEqualTo(1);
    assertThat(m.err.trim()).startsWith("error: SetPrimary m7 failed on member ")
        .contains("FAILED_PRECONDITION", "m7 is not ONLINE");
    assertThat(m.cohort(connect, "cluster")).isEqualTo(2);
    assertThat(m.err).contains("missing subcommand");
  }

  @Test
  void writesFromTheCliGoToThePrimary() throws Exception {
    String connect = threeMembers();
    m.group.setPrimary("m3");
    assertThat(m.cohort(connect, "create-table", "t", "--column", "id:int64", "--primary-key",
        "id")).isZero();
    assertThat(m.fakes.get(2).hasTable("t")).isTrue();
    assertThat(m.fakes.get(0).hasTable("t")).isFalse();
  }

  @Test
  void spreadBenchRunsEveryMemberAndReportsTheAbortRate() throws Exception {
    // One fake behind three ports: a group that replicates at once. Count calls per port.
    FakeCohortServer shared = new FakeCohortServer();
    shared.group().multiPrimary();
    List<AtomicInteger> executes = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      AtomicInteger n = new AtomicInteger();
      executes.add(n);
      Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(ServerInterceptors.intercept(shared, counting("Execute", n))).build()
          .start();
      m.servers.add(s);
      addresses.add(FakeCohortServer.address(s));
    }
    assertThat(m.cohort(String.join(",", addresses), "bench", "--workload", "update",
        "--clients", "3", "--duration", "1", "--rows", "20", "--spread", "--json")).isZero();
    assertThat(m.out).contains("\"clients\":3", "\"aborted\":", "\"abortRate\":", "\"errors\":0");
    assertThat(executes).allSatisfy(n -> assertThat(n.get()).isPositive());

    assertThat(m.cohort(String.join(",", addresses), "bench", "--workload", "txn4",
        "--clients", "2", "--duration", "1", "--rows", "20", "--spread")).isZero();
    assertThat(m.out).containsPattern("aborted \\d+ \\(\\d+\\.\\d% of attempts\\)");
  }

  private static ServerInterceptor counting(String method, AtomicInteger counter) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call,
          Metadata headers, ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getBareMethodName().equals(method)) {
          counter.incrementAndGet();
        }
        return next.startCall(call, headers);
      }
    };
  }
}
