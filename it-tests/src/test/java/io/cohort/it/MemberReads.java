package io.cohort.it;

import io.cohort.proto.MemberStatus;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.LogEntry;
import io.cohort.proto.ReadLogRequest;
import io.cohort.proto.RowChange;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.StatusResponse;
import io.cohort.proto.Transaction;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Path;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * What one member holds, read from that member alone (never routed elsewhere): its status, its
 * transaction log entry by entry, and the rows of a table with a checksum. The comparisons
 * name the member and the GTID where two members part ways.
 */
final class MemberReads {
  /** Rows or log entries fetched per request. */
  private static final int PAGE = 10_000;
  /** Pages read at most from one member: bounds every read loop (1,000,000 entries or rows). */
  private static final int MAX_PAGES = 100;
  /** {@code LogEntry.history_hash}, looked up by name so this compiles against protos without it. */
  private static final FieldDescriptor HISTORY_HASH = LogEntry.getDescriptor().findFieldByName("history_hash");

  private MemberReads() {}

  /** One log entry, reduced to what two members must agree on. */
  record Entry(long seqno, ByteString transactionDigest, ByteString historyHash, String summary) {
    /** Same GTID, same transaction, and the same chained hash when both members report one. */
    boolean sameAs(Entry o) {
      return seqno == o.seqno && transactionDigest.equals(o.transactionDigest)
          && (historyHash.isEmpty() || o.historyHash.isEmpty() || historyHash.equals(o.historyHash));
    }
  }

  /** A table's rows in primary-key order and a checksum over them. */
  record TableContent(String table, List<Row> rows, String checksum) {
    TreeSet<Long> longs(String column) {
      TreeSet<Long> s = new TreeSet<>();
      rows.forEach(r -> s.add(r.getLong(column)));
      return s;
    }

    long sum(String column) {
      return rows.stream().mapToLong(r -> r.getLong(column)).sum();
    }
  }

  static StatusResponse status(String address) {
    return status(address, 5);
  }

  /**
   * Status straight from the wire, independent of the client library; every reply is checked
   * to be of one view ({@link #assertOneView}), so each test that reads status checks that too.
   */
  static StatusResponse status(String address, int deadlineSeconds) {
    return status(address, deadlineSeconds, InsecureChannelCredentials.create());
  }

  /** As {@link #status(String, int)}, dialing with {@code credentials}. */
  static StatusResponse status(String address, int deadlineSeconds, ChannelCredentials credentials) {
    ManagedChannel ch = NettyChannelBuilder.forTarget(address, credentials).build();
    try {
      return assertOneView(CohortServiceGrpc.newBlockingStub(ch).withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance()));
    } finally {
      ch.shutdownNow();
    }
  }

  /**
   * A status reply never contradicts itself: the member table is of the reply's view, the
   * member's own row has the reply's state and role, and in single-primary mode the primary
   * named is the one PRIMARY in the table.
   */
  static StatusResponse assertOneView(StatusResponse s) {
    List<String> wrong = new ArrayList<>();
    List<String> primaries = new ArrayList<>();
    for (MemberStatus m : s.getMembersList()) {
      if (!m.getViewId().equals(s.getViewId())) {
        wrong.add(m.getMemberId() + " is listed in view " + m.getViewId() + " of a reply of view " + s.getViewId());
      }
      if (m.getMemberId().equals(s.getMemberId()) && (!m.getState().equals(s.getState()) || !m.getRole().equals(s.getRole()))) {
        wrong.add("its own row says " + m.getState() + " " + m.getRole() + ", the reply " + s.getState() + " " + s.getRole());
      }
      if (m.getRole().equals("PRIMARY")) {
        primaries.add(m.getMemberId());
      }
    }
    if (s.getMode().equals("SINGLE_PRIMARY") && !s.getPrimary().isEmpty() && !primaries.equals(List.of(s.getPrimary()))) {
      wrong.add("primary " + s.getPrimary() + " but PRIMARY in the table: " + primaries);
    }
    if (!wrong.isEmpty()) {
      throw new AssertionError("member " + s.getMemberId() + "'s status contradicts itself: " + wrong + "\n" + s);
    }
    return s;
  }

  /**
   * TLS trusting {@code dir}/ca.pem and showing {@code dir}/&lt;who&gt;.pem, as {@code cohort certs
   * create} names them.
   */
  static ChannelCredentials tls(Path dir, String who) {
    try {
      return TlsChannelCredentials.newBuilder().trustManager(dir.resolve("ca.pem").toFile())
          .keyManager(dir.resolve(who + ".pem").toFile(), dir.resolve(who + "-key.pem").toFile()).build();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The member's whole log, from sequence number 1, straight from its ReadLog. */
  static List<Entry> log(String address) {
    List<Entry> out = new ArrayList<>();
    ManagedChannel ch = NettyChannelBuilder.forTarget(address).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    try {
      long from = 1;
      for (int page = 0; page < MAX_PAGES; page++) {
        Iterator<LogEntry> it = CohortServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
            .readLog(ReadLogRequest.newBuilder().setFromSeqno(from).setLimit(PAGE).build());
        int n = 0;
        while (it.hasNext()) {
          LogEntry e = it.next();
          out.add(entry(e));
          from = e.getSeqno() + 1;
          n++;
        }
        if (n == 0) {
          return out;
        }
      }
      throw new AssertionError("log of " + address + " has more than " + MAX_PAGES * PAGE + " entries");
    } finally {
      ch.shutdownNow();
    }
  }

  private static Entry entry(LogEntry e) {
    ByteString hash = HISTORY_HASH == null ? ByteString.EMPTY : (ByteString) e.getField(HISTORY_HASH);
    return new Entry(e.getSeqno(), ByteString.copyFrom(sha256(canonical(e.getTransaction()))), hash,
        summary(e.getTransaction()));
  }

  /** Deterministic bytes (map entries sorted), so equal transactions digest equally everywhere. */
  private static byte[] canonical(Transaction t) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      t.writeTo(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String summary(Transaction t) {
    StringBuilder sb = new StringBuilder("txn ").append(t.getTxnId()).append(" from ").append(t.getOriginMember());
    if (t.hasDdl()) {
      sb.append(", DDL ").append(t.getDdl().getChangeCase());
    }
    int shown = 0;
    for (RowChange c : t.getChangesList()) {
      if (shown++ == 3) {
        sb.append(", ...");
        break;
      }
      sb.append(", ").append(c.getKind()).append(' ').append(c.getTable()).append(' ')
          .append(Row.fromProto(c.hasAfter() ? c.getAfter() : c.getBefore()));
    }
    return sb.toString();
  }

  /**
   * Where {@code other}'s log parts from {@code ref}'s, as a sentence naming both members and
   * the GTID; null when the two logs are identical entry by entry.
   */
  static String firstDifference(String refName, List<Entry> ref, String otherName, List<Entry> other, String uuid) {
    int n = Math.min(ref.size(), other.size());
    for (int i = 0; i < n; i++) {
      Entry a = ref.get(i);
      Entry b = other.get(i);
      if (!a.sameAs(b)) {
        if (a.seqno() != b.seqno()) {
          return "the logs of " + refName + " and " + otherName + " part at entry " + (i + 1) + ": " + refName
              + " has " + uuid + ":" + a.seqno() + ", " + otherName + " has " + uuid + ":" + b.seqno();
        }
        return "GTID " + uuid + ":" + a.seqno() + " differs between " + refName + " (" + a.summary() + ") and "
            + otherName + " (" + b.summary() + ")";
      }
    }
    if (ref.size() != other.size()) {
      boolean refLonger = ref.size() > other.size();
      List<Entry> longer = refLonger ? ref : other;
      return (refLonger ? otherName : refName) + "'s log ends at " + lastGtid(uuid, n == 0 ? null : longer.get(n - 1))
          + " but " + (refLonger ? refName : otherName) + "'s goes on with " + uuid + ":" + longer.get(n).seqno()
          + " (" + longer.get(n).summary() + ") up to " + lastGtid(uuid, longer.get(longer.size() - 1));
    }
    return null;
  }

  /** The sequence number of the first entry where the two logs differ, or -1 if identical. */
  static long firstDifferingSeqno(List<Entry> a, List<Entry> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      if (!a.get(i).sameAs(b.get(i))) {
        return Math.min(a.get(i).seqno(), b.get(i).seqno());
      }
    }
    if (a.size() != b.size()) {
      return (a.size() > b.size() ? a : b).get(n).seqno();
    }
    return -1;
  }

  private static String lastGtid(String uuid, Entry e) {
    return e == null ? "(empty log)" : uuid + ":" + e.seqno();
  }

  /** Every row of {@code table} (an INT64 primary key {@code pk}) as this member alone has it. */
  static TableContent table(String address, String table, String pk) {
    List<Row> rows = new ArrayList<>();
    MessageDigest digest = newSha256();
    try (CohortClient c = Cohort.connect(address, ClientOptions.builder().routing(ClientOptions.Routing.PINNED)
        .deadline(Duration.ofSeconds(30)).maxAttempts(1).build())) {
      Key start = null;
      for (int page = 0; page < MAX_PAGES; page++) {
        List<Row> got = c.scan(table, start, null, PAGE);
        for (Row r : got) {
          rows.add(r);
          digest.update(canonical(r).getBytes(StandardCharsets.UTF_8));
        }
        if (got.size() < PAGE) {
          return new TableContent(table, rows, HexFormat.of().formatHex(digest.digest()).substring(0, 16));
        }
        start = Key.of(got.get(got.size() - 1).getLong(pk) + 1);
      }
    }
    throw new AssertionError("table " + table + " on " + address + " has more than " + MAX_PAGES * PAGE + " rows");
  }

  private static String canonical(Row r) {
    StringBuilder sb = new StringBuilder();
    for (String col : new TreeSet<>(r.columns())) {
      Object v = r.get(col);
      sb.append(col).append('=').append(v instanceof byte[] b ? Arrays.toString(b) : String.valueOf(v)).append(';');
    }
    return sb.append('\n').toString();
  }

  private static byte[] sha256(byte[] b) {
    return newSha256().digest(b);
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
