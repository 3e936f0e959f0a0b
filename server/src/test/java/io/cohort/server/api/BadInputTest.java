package io.cohort.server.api;

import static io.cohort.server.api.MemberApiTest.col;
import static io.cohort.server.api.MemberApiTest.i;
import static io.cohort.server.api.MemberApiTest.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.ColumnType;
import io.cohort.proto.CommitRequest;
import io.cohort.proto.CreateTableRequest;
import io.cohort.proto.CreateUniqueKeyRequest;
import io.cohort.proto.DeleteOp;
import io.cohort.proto.DescribeTableRequest;
import io.cohort.proto.DropTableRequest;
import io.cohort.proto.DropUniqueKeyRequest;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.ForceMembersRequest;
import io.cohort.proto.GetOp;
import io.cohort.proto.Key;
import io.cohort.proto.Operation;
import io.cohort.proto.RollbackRequest;
import io.cohort.proto.Row;
import io.cohort.proto.SetPrimaryRequest;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.SwitchToSinglePrimaryRequest;
import io.cohort.proto.TableSchema;
import io.cohort.proto.UniqueKey;
import io.cohort.proto.WriteOp;
import io.cohort.server.LoneMember;
import io.cohort.server.Member;
import io.cohort.server.model.Shown;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input of every kind a client can send, each with a 10,000-character value where it has
 * a string: the right code, a message that names the problem without echoing the whole value,
 * and nothing changed.
 */
class BadInputTest {
  /** Longer than any message needs; a client's metadata limit is 8 KiB. */
  static final int MAX_MESSAGE = 400;
  static final String LONG = "q".repeat(10_000);

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
        .addPrimaryKey("id").addUniqueKeys(UniqueKey.newBuilder().setName("email_uk").addColumns("email"))).build());
    api.execute(ExecuteRequest.newBuilder().addOps(insert("users", Row.newBuilder().putColumns("id", i(1))
        .putColumns("email", s(LONG)).build())).build());
  }

  @AfterEach
  void stop() {
    lone.close();
  }

  static Operation insert(String table, Row r) {
    return Operation.newBuilder().setInsert(WriteOp.newBuilder().setTable(table).setRow(r)).build();
  }

  static ExecuteRequest auto(Operation op) {
    return ExecuteRequest.newBuilder().addOps(op).build();
  }

  record Case(String what, Status.Code code, Runnable call) {}

  @Test
  void everyBadRequestGetsItsCodeAndABoundedMessageAndChangesNothing() {
    String before = api.status(StatusRequest.getDefaultInstance()).getGtidExecuted();
    Key longKey = Key.newBuilder().addValues(s(LONG)).build();
    List<Case> cases = List.of(
        new Case("an unknown transaction id", Status.Code.NOT_FOUND,
            () -> api.execute(ExecuteRequest.newBuilder().setTxnId(LONG).addOps(Operation.newBuilder()
                .setGet(GetOp.newBuilder().setTable("users").setKey(Key.newBuilder().addValues(i(1)))))
                .build())),
        new Case("commit of an unknown transaction id", Status.Code.NOT_FOUND,
            () -> api.commit(CommitRequest.newBuilder().setTxnId(LONG).build())),
        new Case("rollback of an unknown transaction id", Status.Code.NOT_FOUND,
            () -> api.rollback(RollbackRequest.newBuilder().setTxnId(LONG).build())),
        new Case("a long table name", Status.Code.INVALID_ARGUMENT,
            () -> api.execute(auto(insert(LONG, Row.newBuilder().putColumns("id", i(2)).build())))),
        new Case("a long invalid table name", Status.Code.INVALID_ARGUMENT,
            () -> api.execute(auto(insert("a b" + LONG, Row.newBuilder().putColumns("id", i(2)).build())))),
        new Case("an invalid table name", Status.Code.INVALID_ARGUMENT,
            () -> api.execute(auto(insert("a-b\n", Row.newBuilder().putColumns("id", i(2)).build())))),
        new Case("an unknown column with a long name", Status.Code.INVALID_ARGUMENT,
            () -> api.execute(auto(insert("users", Row.newBuilder().putColumns("id", i(2)).putColumns(LONG, i(1))
                .build())))),
        new Case("a long string where an int64 goes", Status.Code.INVALID_ARGUMENT,
            () -> api.execute(auto(insert("users", Row.newBuilder().putColumns("id", s(LONG)).build())))),
        new Case("a long string key for an int64 primary key", Status.Code.INVALID_ARGUMENT,
            () -> api.execute(auto(Operation.newBuilder().setDelete(DeleteOp.newBuilder().setTable("users")
                .setKey(longKey)).build()))),
        new Case("a duplicate long unique value", Status.Code.ALREADY_EXISTS,
            () -> api.execute(auto(insert("users", Row.newBuilder().putColumns("id", i(3)).putColumns("email", s(LONG))
                .build())))),
        new Case("a table with a long column name", Status.Code.INVALID_ARGUMENT,
            () -> api.createTable(CreateTableRequest.newBuilder().setTable(TableSchema.newBuilder().setName("t2")
                .addColumns(col(LONG, ColumnType.INT64, false)).addPrimaryKey(LONG)).build())),
        new Case("a primary key on a long unknown column", Status.Code.INVALID_ARGUMENT,
            () -> api.createTable(CreateTableRequest.newBuilder().setTable(TableSchema.newBuilder().setName("t2")
                .addColumns(col("a", ColumnType.INT64, false)).addPrimaryKey("b" + LONG.substring(0, 40))).build())),
        new Case("a unique key on a long unknown column", Status.Code.INVALID_ARGUMENT,
            () -> api.createUniqueKey(CreateUniqueKeyRequest.newBuilder().setTable("users")
                .setKey(UniqueKey.newBuilder().setName("k2").addColumns("c" + LONG.substring(0, 50))).build())),
        new Case("dropping a long unknown unique key", Status.Code.INVALID_ARGUMENT,
            () -> api.dropUniqueKey(DropUniqueKeyRequest.newBuilder().setTable("users").setKeyName(LONG).build())),
        new Case("dropping an unknown table", Status.Code.NOT_FOUND,
            () -> api.dropTable(DropTableRequest.newBuilder().setTable("missing").build())),
        new Case("describing a long table name", Status.Code.INVALID_ARGUMENT,
            () -> api.describeTable(DescribeTableRequest.newBuilder().setTable(LONG).build())),
        new Case("set-primary to a long unknown member", Status.Code.INVALID_ARGUMENT,
            () -> api.setPrimary(SetPrimaryRequest.newBuilder().setMemberId(LONG).build())),
        new Case("single-primary with a long unknown member", Status.Code.INVALID_ARGUMENT,
            () -> api.switchToSinglePrimary(SwitchToSinglePrimaryRequest.newBuilder().setMemberId(LONG).build())),
        new Case("a scan limit over the maximum", Status.Code.INVALID_ARGUMENT,
            () -> api.execute(auto(Operation.newBuilder().setScan(io.cohort.proto.ScanOp.newBuilder().setTable("users")
                .setLimit(100_001)).build()))),
        new Case("a scan limit of 3,000,000,000 (uint32)", Status.Code.INVALID_ARGUMENT,
            () -> api.execute(auto(Operation.newBuilder().setScan(io.cohort.proto.ScanOp.newBuilder().setTable("users")
                .setLimit((int) 3_000_000_000L)).build()))),
        new Case("a log page over the maximum", Status.Code.INVALID_ARGUMENT,
            () -> api.readLog(io.cohort.proto.ReadLogRequest.newBuilder().setLimit(100_001).build())
                .forEachRemaining(e -> { })),
        new Case("force-members with long unknown members", Status.Code.FAILED_PRECONDITION,
            () -> api.forceMembers(ForceMembersRequest.newBuilder().addMembers("m1").addMembers(LONG).addMembers(LONG + "2")
                .setExecute(true).build())));
    List<String> wrong = new ArrayList<>();
    for (Case c : cases) {
      try {
        c.call().run();
        wrong.add(c.what() + ": accepted");
      } catch (StatusRuntimeException e) {
        String m = String.valueOf(e.getStatus().getDescription());
        if (e.getStatus().getCode() != c.code()) {
          wrong.add(c.what() + ": " + e.getStatus().getCode() + " instead of " + c.code() + " (" + cut(m) + ")");
        } else if (m.length() > MAX_MESSAGE || m.contains("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq")) {
          wrong.add(c.what() + ": a message of " + m.length() + " characters (" + cut(m) + ")");
        } else if (m.isBlank()) {
          wrong.add(c.what() + ": no message");
        }
      }
    }
    if (!wrong.isEmpty()) {
      fail(String.join("\n", wrong));
    }
    assertThat(api.status(StatusRequest.getDefaultInstance()).getGtidExecuted()).as("nothing committed").isEqualTo(before);
  }

  /** Sends {@code bytes} as the request of {@code method}, whatever its message is. */
  StatusRuntimeException rawCall(MethodDescriptor<?, ?> method, byte[] bytes) {
    MethodDescriptor.Marshaller<byte[]> raw = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    MethodDescriptor<byte[], byte[]> m = method.toBuilder(raw, raw).build();
    try {
      if (m.getType() == MethodDescriptor.MethodType.UNARY) {
        ClientCalls.blockingUnaryCall(channel, m, CallOptions.DEFAULT, bytes);
      } else {
        ClientCalls.blockingServerStreamingCall(channel, m, CallOptions.DEFAULT, bytes).forEachRemaining(b -> { });
      }
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError(method.getFullMethodName() + " took bytes that are not its request");
  }

  @Test
  void requestBytesThatAreNotTheMessageAreRefusedAsInvalidAndChangeNothing() {
    String before = api.status(StatusRequest.getDefaultInstance()).getGtidExecuted();
    byte[] badWireType = {0x0f}; // field 1 with wire type 7, which does not exist
    byte[] truncated = {0x0a, 0x7f, 'x'}; // field 1, 127 bytes long, then one
    for (MethodDescriptor<?, ?> method : List.of(CohortServiceGrpc.getExecuteMethod(),
        CohortServiceGrpc.getCreateTableMethod(), CohortServiceGrpc.getSetPrimaryMethod(),
        CohortServiceGrpc.getReadLogMethod())) {
      for (byte[] bytes : List.of(badWireType, truncated)) {
        StatusRuntimeException e = rawCall(method, bytes);
        assertThat(e.getStatus().getCode()).as(method.getFullMethodName()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).as(method.getFullMethodName())
            .startsWith("the request is not a valid cohort.v1.").contains("malformed");
      }
    }
    assertThat(api.status(StatusRequest.getDefaultInstance()).getGtidExecuted()).as("nothing committed").isEqualTo(before);
    assertThat(api.execute(auto(Operation.newBuilder().setGet(GetOp.newBuilder().setTable("users")
        .setKey(Key.newBuilder().addValues(i(1)))).build())).getResults(0).getFound()).as("the member still serves").isTrue();
  }

  @Test
  void noStatusLeavesWithAnUnboundedDescription() {
    Status s = RequestGuard.bounded(Status.NOT_FOUND.withDescription("no table '" + LONG + "'"));
    assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(s.getDescription()).hasSize(RequestGuard.MAX_DESCRIPTION + 1).startsWith("no table 'qqq").endsWith("q…");
    assertThat(RequestGuard.bounded(Status.NOT_FOUND.withDescription("no table 'x'")).getDescription()).isEqualTo("no table 'x'");
    assertThat(Shown.of("a\nb" + LONG)).hasSize(Shown.MAX + 1).startsWith("a?bqq").endsWith("…");
  }

  static String cut(String m) {
    return m.length() <= 160 ? m : m.substring(0, 160) + "…";
  }
}
