package io.cohort.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.CommitRequest;
import io.cohort.proto.CommitResult;
import io.cohort.proto.CreateTableRequest;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.ExecuteResponse;
import io.cohort.proto.Operation;
import io.cohort.proto.Row;
import io.cohort.proto.ScanOp;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Value;
import io.cohort.proto.WriteOp;
import io.cohort.server.LoneMember;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client request ids: a commit sent again with the same id, after its first attempt committed,
 * commits nothing and answers with the first attempt's GTID; whether the first attempt was
 * applied before the retry ran, or was ordered while the retry was under way.
 */
class RequestIdTest {
  @TempDir Path dir;
  LoneMember lone;
  CohortServiceGrpc.CohortServiceBlockingStub api;

  @BeforeEach
  void start() throws Exception {
    lone = LoneMember.start(dir);
    api = lone.api;
    api.createTable(CreateTableRequest.newBuilder().setTable(TableSchema.newBuilder().setName("counter")
        .addColumns(Column.newBuilder().setName("k").setType(ColumnType.INT64))
        .addColumns(Column.newBuilder().setName("n").setType(ColumnType.INT64).setNullable(true))
        .addPrimaryKey("k")).build());
  }

  @AfterEach
  void stop() {
    lone.close();
  }

  private static Operation upsert(long k, long n) {
    return Operation.newBuilder().setUpsert(WriteOp.newBuilder().setTable("counter").setRow(Row.newBuilder()
        .putColumns("k", Value.newBuilder().setInt64Value(k).build())
        .putColumns("n", Value.newBuilder().setInt64Value(n).build()))).build();
  }

  private String gtidExecuted() {
    return api.status(StatusRequest.getDefaultInstance()).getGtidExecuted();
  }

  private long rows() {
    return api.execute(ExecuteRequest.newBuilder().addOps(Operation.newBuilder().setScan(ScanOp.newBuilder()
        .setTable("counter"))).build()).getResults(0).getRowsCount();
  }

  /**
   * Run again, an INSERT would fail on the row its first attempt inserted: a retry is recognised
   * before anything runs, and answered as the first attempt was (its GTID, one row affected).
   */
  @Test
  void anInsertSentAgainAfterItCommittedGetsTheFirstAnswerNotADuplicateKey() {
    Operation insert = Operation.newBuilder().setInsert(WriteOp.newBuilder().setTable("counter").setRow(
        Row.newBuilder().putColumns("k", Value.newBuilder().setInt64Value(7).build()))).build();
    ExecuteRequest first = ExecuteRequest.newBuilder().addOps(insert).addOps(upsert(8, 1)).setRequestId("ins-1").build();
    ExecuteResponse one = api.execute(first);
    assertThat(one.getResults(0).getAffected()).isEqualTo(1);
    String after = gtidExecuted();

    ExecuteResponse again = api.execute(first);
    assertThat(again.getCommit().getDuplicate()).isTrue();
    assertThat(again.getCommit().getGtid()).isEqualTo(one.getCommit().getGtid());
    assertThat(again.getResultsList()).extracting(io.cohort.proto.OpResult::getAffected).containsExactly(1, 1);
    assertThat(gtidExecuted()).isEqualTo(after);
    // The same statement under another id is a new request, and fails as it should.
    assertThatThrownBy(() -> api.execute(first.toBuilder().setRequestId("ins-2").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
  }

  @Test
  void anAutocommitSentAgainCommitsOnce() {
    ExecuteRequest first = ExecuteRequest.newBuilder().addOps(upsert(1, 1)).setRequestId("req-1").build();
    CommitResult one = api.execute(first).getCommit();
    assertThat(one.getCommitted()).isTrue();
    assertThat(one.getDuplicate()).isFalse();
    String after = gtidExecuted();

    ExecuteResponse again = api.execute(first.toBuilder().setOps(0, upsert(1, 2)).build());
    assertThat(again.getCommit().getDuplicate()).as("the retry").isTrue();
    assertThat(again.getCommit().getGtid()).isEqualTo(one.getGtid());
    assertThat(again.getResultsCount()).as("a result per statement").isEqualTo(1);
    assertThat(gtidExecuted()).as("gtid_executed after the retry").isEqualTo(after);
    assertThat(api.execute(ExecuteRequest.newBuilder().addOps(Operation.newBuilder().setScan(ScanOp.newBuilder()
        .setTable("counter"))).build()).getResults(0).getRows(0).getColumnsOrThrow("n").getInt64Value())
        .as("the row as the first attempt wrote it").isEqualTo(1);

    CommitResult other = api.execute(first.toBuilder().setRequestId("req-2").build()).getCommit();
    assertThat(other.getDuplicate()).isFalse();
    assertThat(other.getGtid()).as("another request id: another commit").isNotEqualTo(one.getGtid());
  }

  @Test
  void aCommitOrderedWhileItsRetryRanIsFoundAfterTheConflict() {
    // Both attempts read the same snapshot; the first commits; the retry conflicts on the request
    // id's row, and is answered with the first attempt's commit instead of ABORTED.
    String a = api.execute(ExecuteRequest.newBuilder().setBegin(true).addOps(upsert(7, 1)).build()).getTxnId();
    String b = api.execute(ExecuteRequest.newBuilder().setBegin(true).addOps(upsert(8, 1)).build()).getTxnId();
    CommitResult first = api.commit(CommitRequest.newBuilder().setTxnId(a).setRequestId("req-x").build()).getResult();
    String after = gtidExecuted();
    CommitResult retry = api.commit(CommitRequest.newBuilder().setTxnId(b).setRequestId("req-x").build()).getResult();
    assertThat(retry.getDuplicate()).isTrue();
    assertThat(retry.getGtid()).isEqualTo(first.getGtid());
    assertThat(gtidExecuted()).isEqualTo(after);
    assertThat(rows()).as("only the first attempt's row").isEqualTo(1);

    // Begun after the first committed, the retry finds its row before it commits.
    String c = api.execute(ExecuteRequest.newBuilder().setBegin(true).addOps(upsert(9, 1)).build()).getTxnId();
    CommitResult late = api.execute(ExecuteRequest.newBuilder().setTxnId(c).setCommit(true).addOps(upsert(10, 1))
        .setRequestId("req-x").build()).getCommit();
    assertThat(late.getDuplicate()).isTrue();
    assertThat(late.getGtid()).isEqualTo(first.getGtid());
    assertThat(rows()).isEqualTo(1);
  }

  @Test
  void badRequestIdsAndTheRequestTableAreRefused() {
    assertThatThrownBy(() -> api.execute(ExecuteRequest.newBuilder().addOps(upsert(1, 1))
        .setRequestId("x".repeat(10_000)).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("request_id").hasSizeLessThan(200);
        });
    assertThatThrownBy(() -> api.execute(ExecuteRequest.newBuilder().addOps(Operation.newBuilder()
        .setScan(ScanOp.newBuilder().setTable("cohort$requests"))).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThat(rows()).isZero();
  }
}
