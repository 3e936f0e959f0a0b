package io.cohort.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.BeginRequest;
import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.CommitRequest;
import io.cohort.proto.CreateTableRequest;
import io.cohort.proto.CreateUniqueKeyRequest;
import io.cohort.proto.DropTableRequest;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.ExecuteResponse;
import io.cohort.proto.GetOp;
import io.cohort.proto.Key;
import io.cohort.proto.LogEntry;
import io.cohort.proto.Operation;
import io.cohort.proto.ReadLogRequest;
import io.cohort.proto.Row;
import io.cohort.proto.ScanOp;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.TableSchema;
import io.cohort.proto.UniqueKey;
import io.cohort.proto.Value;
import io.cohort.proto.WriteOp;
import io.cohort.server.LoneMember;
import io.cohort.server.Member;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API against a real member (RocksDB, gRPC on loopback) in this JVM. */
class MemberApiTest {
  @TempDir Path dir;
  LoneMember lone;
  Member member;
  ManagedChannel channel;
  CohortServiceGrpc.CohortServiceBlockingStub api;

  @BeforeEach
  void start() throws Exception {
    lone = LoneMember.start(dir);
    member = lone.member;
    channel = lone.channel;
    api = lone.api;
    api.createTable(CreateTableRequest.newBuilder().setTable(TableSchema.newBuilder().setName("users")
        .addColumns(col("id", ColumnType.INT64, false)).addColumns(col("email", ColumnType.STRING, true))
        .addColumns(col("n", ColumnType.INT64, true))
        .addPrimaryKey("id").addUniqueKeys(UniqueKey.newBuilder().setName("email_uk").addColumns("email"))).build());
  }

  @AfterEach
  void stop() {
    lone.close();
  }

  static Column col(String name, ColumnType t, boolean nullable) {
    return Column.newBuilder().setName(name).setType(t).setNullable(nullable).build();
  }

  static Value i(long v) {
    return Value.newBuilder().setInt64Value(v).build();
  }

  static Value s(String v) {
    return Value.newBuilder().setStringValue(v).build();
  }

  static Row row(long id, String email, long n) {
    return Row.newBuilder().putColumns("id", i(id)).putColumns("email", s(email)).putColumns("n", i(n)).build();
  }

  static Operation insert(Row r) {
    return Operation.newBuilder().setInsert(WriteOp.newBuilder().setTable("users").setRow(r)).build();
  }

  static Operation update(Row r) {
    return Operation.newBuilder().setUpdate(WriteOp.newBuilder().setTable("users").setRow(r)).build();
  }

  static Operation get(long id) {
    return Operation.newBuilder().setGet(GetOp.newBuilder().setTable("users").setKey(Key.newBuilder().addValues(i(id)))).build();
  }

  ExecuteResponse auto(Operation... ops) {
    return api.execute(ExecuteRequest.newBuilder().addAllOps(List.of(ops)).build());
  }

  ExecuteResponse in(String txn, boolean commit, Operation... ops) {
    return api.execute(ExecuteRequest.newBuilder().setTxnId(txn).setCommit(commit).addAllOps(List.of(ops)).build());
  }

  static Status.Code code(Runnable r) {
    try {
      r.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    return Status.Code.OK;
  }

  @Test
  void autocommitInsertGetsGtidAndIsVisible() {
    ExecuteResponse r = auto(insert(row(1, "a@x", 1)));
    assertThat(r.getCommit().getGtid()).endsWith(":2"); // 1 was CREATE TABLE
    assertThat(auto(get(1)).getResults(0).getRow()).isEqualTo(row(1, "a@x", 1));
    assertThat(api.status(StatusRequest.getDefaultInstance()).getGtidExecuted()).endsWith(":1-2");
  }

  /** A consistency level this member does not know is refused, and the write is not made. */
  @Test
  void anUnknownConsistencyLevelIsRefusedAndWritesNothing() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> api.execute(io.cohort.proto.ExecuteRequest.newBuilder()
            .setConsistencyValue(99).addOps(insert(row(7, "z@x", 1))).build()))
        .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("consistency is not one of");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> api.begin(BeginRequest.newBuilder()
            .setConsistencyValue(99).build()))
        .hasMessageContaining("INVALID_ARGUMENT");
    assertThat(auto(get(7)).getResults(0).getFound()).isFalse();
  }

  @Test
  void snapshotReadsIgnoreLaterCommitsAndSeeOwnWrites() {
    auto(insert(row(1, "a@x", 1)));
    String t = api.begin(BeginRequest.getDefaultInstance()).getTxnId();
    assertThat(in(t, false, get(1)).getResults(0).getRow().getColumnsOrThrow("n")).isEqualTo(i(1));
    auto(update(Row.newBuilder().putColumns("id", i(1)).putColumns("n", i(2)).build()));
    assertThat(in(t, false, get(1)).getResults(0).getRow().getColumnsOrThrow("n")).isEqualTo(i(1));
    in(t, false, insert(row(2, "b@x", 5)));
    ExecuteResponse scan = in(t, false, Operation.newBuilder().setScan(ScanOp.newBuilder().setTable("users")).build());
    assertThat(scan.getResults(0).getRowsList()).containsExactly(row(1, "a@x", 1), row(2, "b@x", 5));
    assertThat(auto(get(2)).getResults(0).getFound()).isFalse();
  }

  @Test
  void conflictingTransactionsFirstCommitterWins() {
    auto(insert(row(1, "a@x", 1)));
    String a = api.begin(BeginRequest.getDefaultInstance()).getTxnId();
    String b = api.begin(BeginRequest.getDefaultInstance()).getTxnId();
    in(a, false, update(Row.newBuilder().putColumns("id", i(1)).putColumns("n", i(10)).build()));
    in(b, false, update(Row.newBuilder().putColumns("id", i(1)).putColumns("n", i(20)).build()));
    api.commit(CommitRequest.newBuilder().setTxnId(a).build());
    assertThat(code(() -> api.commit(CommitRequest.newBuilder().setTxnId(b).build()))).isEqualTo(Status.Code.ABORTED);
    assertThat(auto(get(1)).getResults(0).getRow().getColumnsOrThrow("n")).isEqualTo(i(10));
  }

  @Test
  void concurrentUniqueValueCannotCommitTwice() {
    String a = api.begin(BeginRequest.getDefaultInstance()).getTxnId();
    String b = api.begin(BeginRequest.getDefaultInstance()).getTxnId();
    in(a, false, insert(row(1, "same@x", 1)));
    in(b, false, insert(row(2, "same@x", 1)));
    api.commit(CommitRequest.newBuilder().setTxnId(a).build());
    assertThat(code(() -> api.commit(CommitRequest.newBuilder().setTxnId(b).build()))).isEqualTo(Status.Code.ABORTED);
    assertThat(code(() -> auto(insert(row(3, "same@x", 1))))).isEqualTo(Status.Code.ALREADY_EXISTS);
  }

  static ExecuteRequest beginning(Operation... ops) {
    return ExecuteRequest.newBuilder().setBegin(true).addAllOps(List.of(ops)).build();
  }

  @Test
  void anExecuteBeginsATransactionAndAFailedOneLeavesNothingOpen() {
    auto(insert(row(1, "a@x", 1)));
    ExecuteResponse r = api.execute(beginning(get(1)));
    String t = r.getTxnId();
    assertThat(t).isNotEmpty();
    assertThat(r.getResults(0).getRow()).isEqualTo(row(1, "a@x", 1));
    assertThat(r.hasCommit()).isFalse();
    // its snapshot is the one it began with
    auto(update(Row.newBuilder().putColumns("id", i(1)).putColumns("n", i(2)).build()));
    assertThat(in(t, false, get(1)).getResults(0).getRow().getColumnsOrThrow("n")).isEqualTo(i(1));
    in(t, false, insert(row(2, "b@x", 1)));
    assertThat(api.commit(CommitRequest.newBuilder().setTxnId(t).build()).getResult().getGtid()).isNotEmpty();
    assertThat(auto(get(2)).getResults(0).getFound()).isTrue();
    // More failed begins than this member lets be open at once (100): none stayed open.
    for (int k = 0; k < 120; k++) {
      assertThat(code(() -> api.execute(beginning(insert(row(1, "dup@x", 1)))))).isEqualTo(Status.Code.ALREADY_EXISTS);
    }
    assertThat(api.execute(beginning(get(2))).getTxnId()).isNotEmpty();
    // It starts a new transaction: not with an id, and not with a commit (that is an autocommit).
    assertThat(code(() -> api.execute(beginning(get(1)).toBuilder().setTxnId(t).build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(() -> api.execute(beginning(get(1)).toBuilder().setCommit(true).build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void serverReflectionAnswersInBothVersionsWithTheServicesAndTheirSchemas() throws Exception {
    // v1, as grpcurl 1.9+ asks
    java.util.concurrent.LinkedBlockingQueue<io.grpc.reflection.v1.ServerReflectionResponse> v1 =
        new java.util.concurrent.LinkedBlockingQueue<>();
    io.grpc.stub.StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> in1 =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(collect(v1));
    in1.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
    in1.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol("cohort.v1.CohortService").build());
    in1.onCompleted();
    assertThat(take(v1).getListServicesResponse().getServiceList()).extracting(s -> s.getName())
        .contains("cohort.v1.CohortService", "cohort.v1.CloneService", "grpc.reflection.v1.ServerReflection");
    assertThat(take(v1).getFileDescriptorResponse().getFileDescriptorProtoCount()).as("the service's schema").isPositive();
    // v1alpha, as older tools ask
    java.util.concurrent.LinkedBlockingQueue<io.grpc.reflection.v1alpha.ServerReflectionResponse> v1alpha =
        new java.util.concurrent.LinkedBlockingQueue<>();
    io.grpc.stub.StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> in2 =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(collect(v1alpha));
    in2.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
    in2.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol("cohort.v1.CohortService").build());
    in2.onCompleted();
    assertThat(take(v1alpha).getListServicesResponse().getServiceList()).extracting(s -> s.getName())
        .contains("cohort.v1.CohortService", "grpc.reflection.v1alpha.ServerReflection");
    assertThat(take(v1alpha).getFileDescriptorResponse().getFileDescriptorProtoCount()).isPositive();
  }

  static <T> io.grpc.stub.StreamObserver<T> collect(java.util.concurrent.BlockingQueue<T> q) {
    return new io.grpc.stub.StreamObserver<>() {
      @Override
      public void onNext(T value) {
        q.add(value);
      }

      @Override
      public void onError(Throwable t) {
        // take() times out and says so
      }

      @Override
      public void onCompleted() {}
    };
  }

  static <T> T take(java.util.concurrent.BlockingQueue<T> q) throws InterruptedException {
    T v = q.poll(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(v).as("a reflection reply within 10 s").isNotNull();
    return v;
  }

  @Test
  void failedStatementsChangeNothing() {
    auto(insert(row(1, "a@x", 1)));
    String before = api.status(StatusRequest.getDefaultInstance()).getGtidExecuted();
    assertThat(code(() -> auto(insert(row(1, "other@x", 1))))).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(code(() -> auto(insert(row(2, "a@x", 1))))).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(code(() -> auto(insert(Row.newBuilder().putColumns("id", s("x")).build())))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(() -> auto(insert(Row.newBuilder().putColumns("id", i(9)).putColumns("nope", i(1)).build()))))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(() -> api.execute(ExecuteRequest.newBuilder().addOps(Operation.newBuilder().setGet(
        GetOp.newBuilder().setTable("missing").setKey(Key.newBuilder().addValues(i(1))))).build()))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(() -> api.execute(ExecuteRequest.newBuilder().addOps(Operation.newBuilder().setGet(
        GetOp.newBuilder().setTable("bad name!").setKey(Key.newBuilder().addValues(i(1))))).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    // a multi-statement request whose second statement fails leaves the transaction as it was
    String t = api.begin(BeginRequest.getDefaultInstance()).getTxnId();
    assertThat(code(() -> in(t, false, insert(row(5, "e@x", 1)), insert(row(1, "dup@x", 1))))).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(in(t, true, get(5)).getResults(0).getFound()).isFalse();
    // oversized transaction
    String big = "x".repeat(40 * 1024);
    String t2 = api.begin(BeginRequest.getDefaultInstance()).getTxnId();
    in(t2, false, insert(row(10, big, 1)));
    assertThat(code(() -> in(t2, false, insert(row(11, big + "y", 1))))).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(api.status(StatusRequest.getDefaultInstance()).getGtidExecuted()).isEqualTo(before);
    assertThat(code(() -> api.createTable(CreateTableRequest.newBuilder().setTable(TableSchema.newBuilder()
        .setName("nokey").addColumns(col("a", ColumnType.INT64, false))).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(() -> api.dropTable(DropTableRequest.newBuilder().setTable("missing").build()))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(api.status(StatusRequest.getDefaultInstance()).getGtidExecuted()).isEqualTo(before);
  }

  @Test
  void uniqueKeyAddedLaterIsEnforcedAndDuplicatesRefused() {
    auto(insert(row(1, "a@x", 7)), insert(row(2, "b@x", 7)));
    assertThat(code(() -> api.createUniqueKey(CreateUniqueKeyRequest.newBuilder().setTable("users")
        .setKey(UniqueKey.newBuilder().setName("n_uk").addColumns("n")).build()))).isEqualTo(Status.Code.ALREADY_EXISTS);
    auto(update(Row.newBuilder().putColumns("id", i(2)).putColumns("n", i(8)).build()));
    api.createUniqueKey(CreateUniqueKeyRequest.newBuilder().setTable("users")
        .setKey(UniqueKey.newBuilder().setName("n_uk").addColumns("n")).build());
    assertThat(code(() -> auto(insert(row(3, "c@x", 8))))).isEqualTo(Status.Code.ALREADY_EXISTS);
    ExecuteResponse byUk = auto(Operation.newBuilder().setGet(GetOp.newBuilder().setTable("users").setIndex("n_uk")
        .setKey(Key.newBuilder().addValues(i(8)))).build());
    assertThat(byUk.getResults(0).getRow().getColumnsOrThrow("id")).isEqualTo(i(2));
  }

  @Test
  void logHoldsRowImagesInGtidOrder() {
    auto(insert(row(1, "a@x", 1)));
    auto(update(Row.newBuilder().putColumns("id", i(1)).putColumns("n", i(2)).build()));
    List<LogEntry> log = new ArrayList<>();
    Iterator<LogEntry> it = api.readLog(ReadLogRequest.newBuilder().setFromSeqno(1).build());
    it.forEachRemaining(log::add);
    assertThat(log).extracting(LogEntry::getSeqno).containsExactly(1L, 2L, 3L);
    assertThat(log.get(0).getTransaction().getDdl().hasCreateTable()).isTrue();
    assertThat(log.get(2).getTransaction().getChanges(0).getBefore()).isEqualTo(row(1, "a@x", 1));
    assertThat(log.get(2).getTransaction().getChanges(0).getAfter()).isEqualTo(row(1, "a@x", 2));
  }
}
