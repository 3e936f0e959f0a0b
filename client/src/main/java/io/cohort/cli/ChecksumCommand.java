package io.cohort.cli;

import io.cohort.cli.verify.Pages;
import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import io.cohort.client.Row;
import io.cohort.client.TableInfo;
import io.cohort.client.Transaction;
import io.cohort.proto.StatusResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort checksum}: compares every table's checksum across the members at one GTID. Each
 * member is read in one transaction (one snapshot for all its tables), between two reads of its
 * gtid_executed that agree with every other member's, so every member is read at the same point
 * of the history.
 */
@Command(name = "checksum", mixinStandardHelpOptions = true,
    description = {"Compare the tables' checksums across the members at one GTID (like pt-table-checksum).",
        "Each member is read at the moment every member reports the same gtid_executed; while writes go on,"
            + " that moment is looked for until --wait runs out.",
        "Exit code 0: every member holds the same rows; 1: some differ (listed); 2: no such moment was found."})
final class ChecksumCommand extends CliCommand {
  @Option(names = "--tables", paramLabel = "T[,T...]", description = "Tables to compare (default: all).")
  String tables;

  @Option(names = "--wait", defaultValue = "60", paramLabel = "SECONDS",
      description = "How long to look for a moment when the members agree (default: ${DEFAULT-VALUE}).")
  long waitSeconds;

  @Override
  public Integer call() {
    CohortCli root = root();
    List<String> addresses = Cohort.parseAddresses(root.connect);
    Duration deadline = Duration.ofSeconds(Math.max(1, root.timeoutSeconds));
    Map<String, CohortClient> members = new LinkedHashMap<>();
    try {
      for (String a : addresses) {
        members.put(a, Cohort.connect(a, root.clientOptions().deadline(deadline)
            .routing(ClientOptions.Routing.PINNED).build()));
      }
      long until = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
      for (int attempt = 1; ; attempt++) {
        String gtid = commonGtid(members);
        if (gtid != null) {
          Map<String, Map<String, String>> sums = new LinkedHashMap<>();
          boolean still = true;
          for (var m : members.entrySet()) {
            sums.put(m.getKey(), checksums(m.getValue()));
            still &= gtid.equals(m.getValue().status().getGtidExecuted());
          }
          if (still) {
            return report(gtid, sums);
          }
        }
        if (System.nanoTime() > until) {
          err().println("error: in " + waitSeconds + " s (" + attempt + " attempts) the members never reported the same"
              + " gtid_executed around a read: pause writes, or give a longer --wait");
          return 2;
        }
        sleep(200);
      }
    } finally {
      members.values().forEach(CohortClient::close);
    }
  }

  /** The gtid_executed every member reports, ONLINE; null when they differ or one does not answer. */
  private static String commonGtid(Map<String, CohortClient> members) {
    String gtid = null;
    for (CohortClient c : members.values()) {
      StatusResponse s;
      try {
        s = c.status();
      } catch (CohortException e) {
        return null;
      }
      if (!s.getState().equals("ONLINE") || (gtid != null && !gtid.equals(s.getGtidExecuted()))) {
        return null;
      }
      gtid = s.getGtidExecuted();
    }
    return gtid;
  }

  /** Table → "rows:sha256" on this member, all tables read in one transaction. */
  private Map<String, String> checksums(CohortClient c) {
    Map<String, String> out = new TreeMap<>();
    List<TableInfo> all = c.listTables();
    TreeSet<String> wanted = tables == null ? null : new TreeSet<>(List.of(tables.split(",")));
    try (Transaction tx = c.begin()) {
      for (TableInfo t : all) {
        if (wanted != null && !wanted.contains(t.name())) {
          continue;
        }
        MessageDigest d = sha256();
        List<Row> rows = Pages.all(tx, t.name(), t.definition().primaryKey());
        for (Row r : rows) {
          for (String col : new TreeSet<>(r.columns())) {
            d.update((col + "=" + render(r.get(col)) + "\u0000").getBytes(StandardCharsets.UTF_8));
          }
          d.update((byte) '\n');
        }
        out.put(t.name(), rows.size() + ":" + HexFormat.of().formatHex(d.digest()).substring(0, 16));
      }
      tx.rollback();
    }
    if (wanted != null) {
      for (String w : wanted) {
        out.putIfAbsent(w, "(no such table)");
      }
    }
    return out;
  }

  private static String render(Object v) {
    return v instanceof byte[] b ? HexFormat.of().formatHex(b) : String.valueOf(v);
  }

  private int report(String gtid, Map<String, Map<String, String>> sums) {
    out().println("checksums at gtid_executed " + gtid + " (rows:sha-256 prefix)");
    TreeSet<String> names = new TreeSet<>();
    sums.values().forEach(m -> names.addAll(m.keySet()));
    List<String> differ = new ArrayList<>();
    for (String t : names) {
      StringBuilder line = new StringBuilder(t);
      TreeSet<String> distinct = new TreeSet<>();
      for (var m : sums.entrySet()) {
        String s = m.getValue().getOrDefault(t, "(missing)");
        distinct.add(s);
        line.append("  ").append(m.getKey()).append(' ').append(s);
      }
      out().println(line);
      if (distinct.size() > 1) {
        differ.add(t);
      }
    }
    if (differ.isEmpty()) {
      out().println("every member holds the same rows in " + names.size() + " tables");
      return 0;
    }
    out().println("DIFFERENT on some members: " + differ);
    return 1;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
