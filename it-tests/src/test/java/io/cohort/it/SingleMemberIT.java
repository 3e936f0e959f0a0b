package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import io.cohort.client.ColumnType;
import io.cohort.client.ConflictException;
import io.cohort.client.ErrorCode;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.client.Transaction;
import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.Operation;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Transactions against one real member process, through the client library. */
@ExtendWith(MemberLogsOnFailure.class)
class SingleMemberIT {
  @TempDir static Path dir;
  static MemberProcess member;
  static CohortClient client;

  @BeforeAll
  static void start() {
    member = new MemberProcess("m1", dir, List.of("--bootstrap", "--max-transaction-bytes", "65536")).start();
    client = Cohort.connect(member.address(), ClientOptions.builder().deadline(Duration.ofSeconds(20)).build());
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (member != null) {
      member.close();
    }
  }

  @Test
  void aMemberCanLogJsonLinesAndServesItsMetricsOverHttp(@TempDir Path other) throws Exception {
    int httpPort = MemberProcess.freePort();
    MemberProcess m = new MemberProcess("j1", other, List.of("--bootstrap", "--log-format", "json",
        "--http-listen", "127.0.0.1:" + httpPort)).start();
    try (CohortClient c = Cohort.connect(m.address())) {
      c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).primaryKey("k").build());
      c.insert("kv", Row.of("k", 1L));
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("cohort_commit_seconds_count{group=\"").contains("member=\"j1\",outcome=\"committed\"} 2"); // the CREATE TABLE and the insert
    } finally {
      m.close();
    }
    List<String> lines = m.log().lines().filter(l -> !l.isBlank()).toList();
    List<String> messages = new ArrayList<>();
    for (String line : lines) {
      com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(line).getAsJsonObject(); // throws if not JSON
      assertThat(o.has("level") && o.has("loggerName") && o.has("timestamp")).as(line).isTrue();
      messages.add(o.get("formattedMessage").getAsString());
    }
    assertThat(messages).as("what the member said, one JSON object per line")
        .anyMatch(msg -> msg.startsWith("member j1 serving clients at"))
        .anyMatch(msg -> msg.startsWith("config http-listen = 127.0.0.1:" + httpPort));
  }

  static void accounts(String name) {
    client.createTable(TableDefinition.builder(name).column("id", ColumnType.INT64)
        .column("owner", ColumnType.STRING, true).column("balance", ColumnType.INT64)
        .primaryKey("id").uniqueKey("owner_uk", "owner").build());
  }

  static String gtids() {
    return client.status().getGtidExecuted();
  }

  @Test
  void multiRowTransactionBecomesVisibleAllAtOnce() throws Exception {
    accounts("atomic");
    for (long id = 0; id < 10; id++) {
      client.insert("atomic", Row.of("id", id, "balance", 100L));
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger torn = new AtomicInteger();
    AtomicInteger reads = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int seed = w;
        writers.add(pool.submit(() -> {
          java.util.Random r = new java.util.Random(seed);
          for (int i = 0; i < 150; i++) {
            long a = r.nextInt(10);
            long b = (a + 1 + r.nextInt(9)) % 10;
            client.transaction(tx -> {
              long ab = tx.get("atomic", Key.of(a)).orElseThrow().getLong("balance");
              long bb = tx.get("atomic", Key.of(b)).orElseThrow().getLong("balance");
              tx.update("atomic", Row.of("id", a, "balance", ab - 7));
              tx.update("atomic", Row.of("id", b, "balance", bb + 7));
            });
          }
        }));
      }
      Future<?> reader = pool.submit(() -> {
        while (!stop.get()) {
          long total = client.scan("atomic", null, null, 100).stream().mapToLong(r -> r.getLong("balance")).sum();
          reads.incrementAndGet();
          if (total != 1000) {
            torn.incrementAndGet();
          }
        }
      });
      for (Future<?> f : writers) {
        f.get(120, TimeUnit.SECONDS);
      }
      stop.set(true);
      reader.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(reads.get()).isPositive();
    assertThat(torn.get()).as("reads that saw half a transfer").isZero();
    assertThat(client.scan("atomic", null, null, 100).stream().mapToLong(r -> r.getLong("balance")).sum()).isEqualTo(1000);
  }

  @Test
  void uncommittedWritesAreInvisibleAndRollbackDiscardsThem() {
    accounts("pending");
    Transaction tx = client.begin();
    tx.insert("pending", Row.of("id", 1L, "balance", 5L));
    tx.insert("pending", Row.of("id", 2L, "balance", 5L));
    assertThat(tx.get("pending", Key.of(1L))).isPresent();
    assertThat(client.get("pending", Key.of(1L))).isEmpty();
    tx.rollback();
    assertThat(client.scan("pending", null, null, 10)).isEmpty();
  }

  @Test
  void snapshotReadsDoNotSeeLaterCommits() {
    accounts("snap");
    client.insert("snap", Row.of("id", 1L, "balance", 10L));
    try (Transaction reader = client.begin()) {
      assertThat(reader.get("snap", Key.of(1L)).orElseThrow().getLong("balance")).isEqualTo(10);
      client.update("snap", Row.of("id", 1L, "balance", 20L));
      client.insert("snap", Row.of("id", 2L, "balance", 30L));
      assertThat(reader.get("snap", Key.of(1L)).orElseThrow().getLong("balance")).isEqualTo(10);
      assertThat(reader.scan("snap", null, null, 10)).hasSize(1);
    }
    assertThat(client.get("snap", Key.of(1L)).orElseThrow().getLong("balance")).isEqualTo(20);
  }

  @Test
  void duplicatePrimaryAndUniqueKeysAreRefusedAndChangeNothing() {
    accounts("dups");
    client.insert("dups", Row.of("id", 1L, "owner", "ann", "balance", 1L));
    String before = gtids();
    assertThatThrownBy(() -> client.insert("dups", Row.of("id", 1L, "owner", "bob", "balance", 1L)))
        .isInstanceOfSatisfying(CohortException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    assertThatThrownBy(() -> client.insert("dups", Row.of("id", 2L, "owner", "ann", "balance", 1L)))
        .isInstanceOfSatisfying(CohortException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    Transaction tx = client.begin();
    tx.insert("dups", Row.of("id", 3L, "owner", "cat", "balance", 1L));
    assertThatThrownBy(() -> tx.update("dups", Row.of("id", 3L, "owner", "ann")))
        .isInstanceOfSatisfying(CohortException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    tx.commit(); // the failed statement changed nothing; the transaction goes on
    assertThat(client.get("dups", Key.of(3L)).orElseThrow().getString("owner")).isEqualTo("cat");
    assertThat(client.scan("dups", null, null, 10)).hasSize(2);
    assertThat(gtids()).isNotEqualTo(before);
  }

  @Test
  void concurrentConflictingTransactionsExactlyOneCommits() throws Exception {
    accounts("race");
    client.insert("race", Row.of("id", 1L, "balance", 0L));
    for (int round = 0; round < 10; round++) {
      long value = round;
      CyclicBarrier bothWritten = new CyclicBarrier(2);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<String>> results = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          long mine = 1000 + value * 10 + t; // never the value the row already holds
          results.add(pool.submit(() -> {
            Transaction tx = client.begin();
            tx.update("race", Row.of("id", 1L, "balance", mine));
            bothWritten.await(20, TimeUnit.SECONDS);
            try {
              tx.commit();
              return "committed:" + mine;
            } catch (ConflictException e) {
              return "aborted";
            }
          }));
        }
        List<String> outcomes = new ArrayList<>();
        for (Future<String> f : results) {
          outcomes.add(f.get(30, TimeUnit.SECONDS));
        }
        assertThat(outcomes).filteredOn(s -> s.startsWith("committed")).hasSize(1);
        assertThat(outcomes).contains("aborted");
        long winner = Long.parseLong(outcomes.stream().filter(s -> s.startsWith("committed")).findFirst()
            .orElseThrow().substring("committed:".length()));
        assertThat(client.get("race", Key.of(1L)).orElseThrow().getLong("balance")).isEqualTo(winner);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void badInputGetsItsStatusAndChangesNothing() {
    accounts("bad");
    client.insert("bad", Row.of("id", 1L, "owner", "ann", "balance", 1L));
    String before = gtids();
    List<Row> rowsBefore = client.scan("bad", null, null, 10);

    expect(ErrorCode.INVALID_ARGUMENT, () -> client.createTable(TableDefinition.builder("no key")
        .column("a", ColumnType.INT64).primaryKey("a").build()));
    expect(ErrorCode.INVALID_ARGUMENT, () -> client.insert("bad", Row.of("id", "one", "balance", 1L)));
    expect(ErrorCode.INVALID_ARGUMENT, () -> client.insert("bad", Row.of("id", 5L, "balance", 1L, "colour", "red")));
    expect(ErrorCode.INVALID_ARGUMENT, () -> client.insert("bad", Row.of("id", 5L)));
    expect(ErrorCode.INVALID_ARGUMENT, () -> client.get("bad", Key.of(1L, 2L)));
    expect(ErrorCode.NOT_FOUND, () -> client.insert("ghost", Row.of("id", 1L)));
    expect(ErrorCode.NOT_FOUND, () -> client.dropTable("ghost"));
    expect(ErrorCode.ALREADY_EXISTS, () -> accounts("bad"));
    String big = "x".repeat(40_000);
    Transaction tx = client.begin();
    tx.insert("bad", Row.of("id", 10L, "owner", big, "balance", 1L));
    expect(ErrorCode.RESOURCE_EXHAUSTED, () -> tx.insert("bad", Row.of("id", 11L, "owner", big + "y", "balance", 1L)));
    tx.rollback();
    malformedRequestIsRefused();

    assertThat(gtids()).isEqualTo(before);
    assertThat(client.scan("bad", null, null, 10)).isEqualTo(rowsBefore);
  }

  private static void malformedRequestIsRefused() {
    ManagedChannel ch = NettyChannelBuilder.forTarget(member.address()).usePlaintext().build();
    try {
      var stub = CohortServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> stub.execute(ExecuteRequest.newBuilder().addOps(Operation.getDefaultInstance()).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT));
      // the client library refuses a table without a primary key itself; the server must too
      assertThatThrownBy(() -> stub.createTable(io.cohort.proto.CreateTableRequest.newBuilder()
          .setTable(io.cohort.proto.TableSchema.newBuilder().setName("nokey").addColumns(
              io.cohort.proto.Column.newBuilder().setName("a").setType(io.cohort.proto.ColumnType.INT64))).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT));
      assertThatThrownBy(() -> stub.execute(ExecuteRequest.newBuilder().setTxnId("no-such-txn").build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND));
    } finally {
      ch.shutdownNow();
    }
  }

  static void expect(ErrorCode code, Runnable r) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(CohortException.class,
        e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(code));
  }

  @Test
  void committedDataSurvivesCleanRestart() {
    accounts("durable");
    client.insert("durable", Row.of("id", 1L, "owner", "ann", "balance", 7L));
    String gtids = gtids();
    member.stop();
    // A restart never bootstraps: the member's data holds its group, which it resumes alone.
    member.withArgs(List.of("--max-transaction-bytes", "65536")).start();
    assertThat(gtids()).isEqualTo(gtids);
    assertThat(client.get("durable", Key.of(1L)).orElseThrow().getLong("balance")).isEqualTo(7);
    expect(ErrorCode.ALREADY_EXISTS, () -> client.insert("durable", Row.of("id", 2L, "owner", "ann", "balance", 1L)));
  }
}
