package io.cohort.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.CreateTableRequest;
import io.cohort.proto.ColumnType;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.LogEntry;
import io.cohort.proto.ReadLogRequest;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.StatusResponse;
import io.cohort.proto.TableSchema;
import io.cohort.server.Member;
import io.cohort.server.config.MemberConfig;
import io.cohort.server.config.RecoveryConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member that keeps its log one second: gtid_purged, and what a reader of purged entries hears. */
class LogPurgeApiTest {
  @TempDir Path dir;

  @Test
  void purgedTransactionsAreShownAndReadingThemSaysWhereTheLogStarts() throws Exception {
    MemberConfig config = new MemberConfig("m1", "127.0.0.1", 0, dir, "", false, 64 * 1024, 100, 60_000)
        .withRecovery(new RecoveryConfig(1, 0));
    Member member = Member.start(config);
    ManagedChannel channel = null;
    try {
      assertThat(member.awaitOnline(30_000)).isTrue();
      channel = NettyChannelBuilder.forAddress("127.0.0.1", member.port()).usePlaintext().build();
      CohortServiceGrpc.CohortServiceBlockingStub api = CohortServiceGrpc.newBlockingStub(channel);
      api.createTable(CreateTableRequest.newBuilder().setTable(TableSchema.newBuilder().setName("users")
          .addColumns(MemberApiTest.col("id", ColumnType.INT64, false))
          .addColumns(MemberApiTest.col("email", ColumnType.STRING, true))
          .addColumns(MemberApiTest.col("n", ColumnType.INT64, true)).addPrimaryKey("id")).build());
      for (int i = 1; i <= 5; i++) {
        api.execute(ExecuteRequest.newBuilder().addOps(MemberApiTest.insert(MemberApiTest.row(i, "u" + i, i))).build());
      }
      StatusResponse st = api.status(StatusRequest.getDefaultInstance());
      assertThat(st.getGtidPurged()).as("nothing is a second old yet").isEmpty();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (st.getGtidPurged().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(100);
        st = api.status(StatusRequest.getDefaultInstance());
      }
      String uuid = st.getGroupName();
      long purged = st.getLog().getFirstSeqno() - 1;
      assertThat(st.getGtidPurged()).as("the log is kept 1 s").isEqualTo(uuid + ":1" + (purged > 1 ? "-" + purged : ""));
      assertThat(st.getGtidExecuted()).as("purging forgets nothing applied").isEqualTo(uuid + ":1-6");
      assertThat(st.getLog().getFirstSeqno()).as("the last transaction stays in the log").isBetween(2L, 6L);
      assertThat(st.getLog().getRetentionSeconds()).isEqualTo(1);

      long first = st.getLog().getFirstSeqno();
      assertThatThrownBy(() -> api.readLog(ReadLogRequest.newBuilder().setFromSeqno(1).build()).forEachRemaining(e -> { }))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
            assertThat(e.getStatus().getDescription()).contains(uuid + ":1 was purged", "gtid_purged " + uuid + ":1",
                "its log starts at " + first);
          });
      List<LogEntry> kept = new ArrayList<>();
      api.readLog(ReadLogRequest.newBuilder().setFromSeqno(0).build()).forEachRemaining(kept::add);
      assertThat(kept).as("0 reads from the oldest kept").extracting(LogEntry::getSeqno).first().isEqualTo(first);
      assertThat(kept).extracting(LogEntry::getSeqno).last().isEqualTo(6L);
      assertThat(api.execute(ExecuteRequest.newBuilder().addOps(MemberApiTest.get(3)).build()).getResults(0).getRow())
          .as("purging the log leaves the rows").isEqualTo(MemberApiTest.row(3, "u3", 3));
    } finally {
      if (channel != null) {
        channel.shutdownNow();
      }
      member.close();
    }
  }
}
