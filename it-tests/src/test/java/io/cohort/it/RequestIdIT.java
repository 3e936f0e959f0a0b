package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.TableDefinition;
import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.CommitResult;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.Operation;
import io.cohort.proto.Row;
import io.cohort.proto.Value;
import io.cohort.proto.WriteOp;
import io.cohort.server.gtid.GtidSet;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that sends one commit to two members at once, as a client retrying on another member
 * after a broken connection can: in a multi-primary group both members take it, and the group
 * still commits it once. Both answers name the same GTID, and gtid_executed grows by one per
 * request on every member.
 */
@ExtendWith(MemberLogsOnFailure.class)
class RequestIdIT {
  @TempDir Path dir;

  @Test
  void oneRequestSentToTwoMembersAtOnceCommitsOnce() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3, "--mode", "multi-primary").start()) {
      try (CohortClient c = Cohort.connect(g.addresses())) {
        c.createTable(TableDefinition.builder("t").column("k", ColumnType.INT64).column("who", ColumnType.STRING)
            .primaryKey("k").build());
      }
      g.awaitAll(s -> s.getGtidExecuted().equals(g.members.get(0).status().getGtidExecuted()), 30, "the table everywhere");
      long before = count(g.members.get(0).status().getGtidExecuted());
      List<ManagedChannel> channels = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(2);
      int requests = 30;
      try {
        for (MemberProcess m : g.members.subList(0, 2)) {
          channels.add(NettyChannelBuilder.forTarget(m.address()).usePlaintext().build());
        }
        for (int i = 0; i < requests; i++) {
          List<CompletableFuture<CommitResult>> answers = new ArrayList<>();
          for (int j = 0; j < 2; j++) {
            ExecuteRequest req = ExecuteRequest.newBuilder().setRequestId("request-" + i).addOps(Operation.newBuilder()
                .setUpsert(WriteOp.newBuilder().setTable("t").setRow(Row.newBuilder()
                    .putColumns("k", Value.newBuilder().setInt64Value(i).build())
                    .putColumns("who", Value.newBuilder().setStringValue("m" + (j + 1)).build())))).build();
            CohortServiceGrpc.CohortServiceBlockingStub stub = CohortServiceGrpc.newBlockingStub(channels.get(j));
            answers.add(CompletableFuture.supplyAsync(() -> stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                .execute(req).getCommit(), pool));
          }
          CommitResult a = answers.get(0).get(60, TimeUnit.SECONDS);
          CommitResult b = answers.get(1).get(60, TimeUnit.SECONDS);
          assertThat(a.getCommitted() && b.getCommitted()).as("request %d: both answered committed", i).isTrue();
          assertThat(b.getGtid()).as("request %d: one GTID", i).isEqualTo(a.getGtid());
          assertThat(a.getDuplicate() && b.getDuplicate()).as("request %d: not both duplicates", i).isFalse();
          assertThat(a.getDuplicate() || b.getDuplicate()).as("request %d: one a duplicate", i).isTrue();
        }
      } finally {
        pool.shutdownNow();
        channels.forEach(ManagedChannel::shutdownNow);
      }
      String last = g.members.get(0).status().getGtidExecuted();
      g.awaitAll(s -> s.getGtidExecuted().equals(last), 30, "every member applied the requests");
      for (MemberProcess m : g.members) {
        assertThat(count(m.status().getGtidExecuted())).as("%s's transactions since the table", m.memberId())
            .isEqualTo(before + requests);
      }
    }
  }

  private static long count(String gtidExecuted) {
    return GtidSet.parse(gtidExecuted).count();
  }
}
