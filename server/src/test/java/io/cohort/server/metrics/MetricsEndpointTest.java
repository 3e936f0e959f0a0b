package io.cohort.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.CreateTableRequest;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.Operation;
import io.cohort.proto.Row;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Value;
import io.cohort.proto.WriteOp;
import io.cohort.server.LoneMember;
import io.cohort.server.Member;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member's /metrics, scraped over HTTP as Prometheus would, around real commits. */
class MetricsEndpointTest {
  @TempDir Path dir;
  LoneMember lone;
  Member member;
  ManagedChannel channel;
  CohortServiceGrpc.CohortServiceBlockingStub api;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    lone = LoneMember.start(dir);
    member = lone.member;
    channel = lone.channel;
    api = lone.api;
    api.createTable(CreateTableRequest.newBuilder().setTable(TableSchema.newBuilder().setName("kv")
        .addColumns(Column.newBuilder().setName("k").setType(ColumnType.INT64))
        .addColumns(Column.newBuilder().setName("v").setType(ColumnType.INT64).setNullable(true))
        .addPrimaryKey("k")).build());
  }

  @AfterEach
  void stop() {
    lone.close();
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + member.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  // The text exposition format, version 0.0.4: comments, then samples "name{label="value",...} number".
  static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*");
  static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
  static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})? "
          + "([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?");

  /** Parses a scrape strictly: every line is a HELP, a TYPE or a sample of a declared family. */
  static Map<String, Double> parse(String text) {
    Map<String, String> types = new HashMap<>();
    Map<String, Double> samples = new HashMap<>();
    List<String> bad = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || HELP.matcher(line).matches()) {
        continue;
      }
      Matcher t = TYPE.matcher(line);
      if (t.matches()) {
        types.put(t.group(1), t.group(2));
        continue;
      }
      Matcher s = SAMPLE.matcher(line);
      if (!s.matches()) {
        bad.add(line);
        continue;
      }
      String name = s.group(1);
      String family = types.containsKey(name) ? name : name.replaceFirst("_(bucket|count|sum|total|created)$", "");
      if (!types.containsKey(family)) {
        bad.add("no TYPE before: " + line);
      }
      samples.put(name + (s.group(2) == null ? "" : s.group(2)), Double.parseDouble(s.group(4).replace("Inf", "Infinity")));
    }
    assertThat(bad).as("lines that are not Prometheus text format").isEmpty();
    return samples;
  }

  static double sum(Map<String, Double> samples, String prefix, String... having) {
    return samples.entrySet().stream().filter(e -> e.getKey().startsWith(prefix + "{") || e.getKey().equals(prefix))
        .filter(e -> List.of(having).stream().allMatch(e.getKey()::contains)).mapToDouble(Map.Entry::getValue).sum();
  }

  void put(long k, long v) {
    api.execute(ExecuteRequest.newBuilder().addOps(Operation.newBuilder().setUpsert(WriteOp.newBuilder().setTable("kv")
        .setRow(Row.newBuilder().putColumns("k", Value.newBuilder().setInt64Value(k).build())
            .putColumns("v", Value.newBuilder().setInt64Value(v).build())))).build());
  }

  @Test
  void probesTheDashboardAndItsJsonAreServedBesideTheMetrics() throws Exception {
    assertThat(get("/livez").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).as("ready while ONLINE").isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ONLINE\n");
    HttpResponse<String> ui = get("/ui");
    assertThat(ui.statusCode()).isEqualTo(200);
    assertThat(ui.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(ui.body()).contains("<title>Cohort member</title>", "/api/status");
    put(1, 1);
    HttpResponse<String> json = get("/api/status");
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
    com.google.protobuf.Struct.Builder parsed = com.google.protobuf.Struct.newBuilder();
    com.google.protobuf.util.JsonFormat.parser().merge(json.body(), parsed);
    com.google.protobuf.Struct status = parsed.getFieldsOrThrow("status").getStructValue();
    assertThat(status.getFieldsOrThrow("memberId").getStringValue()).isEqualTo("m1");
    assertThat(status.getFieldsOrThrow("state").getStringValue()).isEqualTo("ONLINE");
    assertThat(parsed.getFieldsOrThrow("commitLatency").getStructValue().getFieldsOrThrow("count").getNumberValue())
        .as("commits timed").isGreaterThanOrEqualTo(1);
    assertThat(get("/ui/other").statusCode()).isEqualTo(404);
  }

  @Test
  void metricsAreServedInPrometheusTextFormatAndCountTheCommitsMade() throws Exception {
    HttpResponse<String> first = get("/metrics");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    Map<String, Double> before = parse(first.body());
    for (int i = 0; i < 20; i++) {
      put(i, i);
    }
    // a conflict: a transaction that read k=1 commits after another one wrote it
    String t = api.execute(ExecuteRequest.newBuilder().setBegin(true).addOps(Operation.newBuilder()
        .setUpdate(WriteOp.newBuilder().setTable("kv").setRow(Row.newBuilder()
            .putColumns("k", Value.newBuilder().setInt64Value(1).build())
            .putColumns("v", Value.newBuilder().setInt64Value(100).build())))).build()).getTxnId();
    put(1, 200);
    try {
      api.commit(io.cohort.proto.CommitRequest.newBuilder().setTxnId(t).build());
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.ABORTED);
    }
    Map<String, Double> after = parse(get("/metrics").body());

    assertThat(sum(after, "cohort_commit_seconds_count", "outcome=\"committed\"")
        - sum(before, "cohort_commit_seconds_count", "outcome=\"committed\"")).as("commits timed").isEqualTo(21);
    assertThat(sum(after, "cohort_commit_seconds_count", "outcome=\"aborted\"")
        - sum(before, "cohort_commit_seconds_count", "outcome=\"aborted\"")).as("aborts timed").isEqualTo(1);
    assertThat(sum(after, "cohort_commit_seconds_bucket", "outcome=\"committed\"", "le=\"+Inf\""))
        .as("a latency histogram").isEqualTo(sum(after, "cohort_commit_seconds_count", "outcome=\"committed\""));
    assertThat(sum(after, "cohort_transactions_committed_total") - sum(before, "cohort_transactions_committed_total"))
        .as("transactions certified committed").isEqualTo(21);
    assertThat(sum(after, "cohort_transactions_conflicts_total") - sum(before, "cohort_transactions_conflicts_total"))
        .isEqualTo(1);
    assertThat(sum(after, "cohort_consensus_delivered_total") - sum(before, "cohort_consensus_delivered_total"))
        .as("the 22 transactions went through consensus").isGreaterThanOrEqualTo(22);
    assertThat(sum(after, "cohort_consensus_fsyncs_total")).as("acceptor saves").isGreaterThan(0);
    assertThat(sum(after, "cohort_member_state", "state=\"ONLINE\"")).isEqualTo(1);
    assertThat(sum(after, "cohort_member_primary")).isEqualTo(1);
    assertThat(sum(after, "cohort_applied_seqno")).isEqualTo(sum(before, "cohort_applied_seqno") + 21);
    assertThat(sum(after, "cohort_rocksdb_memtable_bytes")).as("memtables of every column family, not the default one's")
        .isGreaterThan(2048);
    Set<String> families = new HashSet<>();
    after.keySet().forEach(k -> families.add(k.replaceFirst("\\{.*", "")));
    assertThat(families).contains("cohort_applier_queue", "cohort_certifier_size", "cohort_flowcontrol_throttling",
        "cohort_view_members", "cohort_rocksdb_live_data_bytes", "cohort_clone_done_bytes", "jvm_memory_used_bytes",
        "jvm_gc_memory_allocated_bytes_total", "process_uptime_seconds"); // gc pauses appear only after a collection
    assertThat(after.keySet()).allMatch(k -> !k.startsWith("cohort_") || k.contains("member=\"m1\""),
        "every cohort series names its member");
    assertThat(get("/nothing").statusCode()).isEqualTo(404);
  }
}
