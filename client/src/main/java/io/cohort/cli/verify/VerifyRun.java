package io.cohort.cli.verify;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import io.cohort.proto.StatusResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One run of {@code cohort verify}: a history-checked workload against a live group. Anomalies
 * (lost or duplicated acknowledged writes, torn or non-monotonic reads, total drift, members
 * that disagree) make {@link #call} return 1; none, 0; a run that could not be made, 2.
 */
public final class VerifyRun implements Callable<Integer> {
  /**
   * What to run.
   *
   * @param workload bank or list-append
   * @param durationSeconds how long writers and readers run
   * @param clients concurrent clients; a quarter of them read
   * @param keys accounts or lists
   * @param table the workload's table, or null for its default
   * @param keep whether to keep the tables at the end
   * @param seed seed of the random choices
   */
  public record Settings(String workload, int durationSeconds, int clients, int keys, String table, boolean keep,
      long seed) {}

  private final String workload;
  private final int durationSeconds;
  private final int clients;
  private final int keys;
  private final String table;
  private final boolean keep;
  private final long seed;
  private final Function<ClientOptions.Routing, CohortClient> connect;
  private final List<String> addresses;
  private final Function<String, CohortClient> pinned;
  private final PrintWriter out;

  /**
   * @param settings what to run
   * @param connect a client on every member with the given routing
   * @param addresses the member addresses
   * @param pinned a client on one member only
   * @param out where the report goes
   */
  public VerifyRun(Settings settings, Function<ClientOptions.Routing, CohortClient> connect, List<String> addresses,
      Function<String, CohortClient> pinned, PrintWriter out) {
    this.workload = settings.workload();
    this.durationSeconds = settings.durationSeconds();
    this.clients = settings.clients();
    this.keys = settings.keys();
    this.table = settings.table();
    this.keep = settings.keep();
    this.seed = settings.seed();
    this.connect = connect;
    this.addresses = addresses;
    this.pinned = pinned;
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    String refusal = refusal();
    if (refusal != null) {
      out.println("cohort verify: " + refusal);
      return 2;
    }
    History h = workload.equals("bank") ? new BankHistory(table == null ? "verify_bank" : table, keys)
        : new ListAppendHistory(table == null ? "verify_list" : table, keys);
    int readers = Math.max(1, clients / 4);
    int writers = clients - readers;
    try (CohortClient admin = connect.apply(ClientOptions.Routing.PRIMARY)) {
      try {
        h.setUp(admin);
      } catch (CohortException e) {
        out.println("cohort verify: cannot create the workload's tables: " + e.getMessage());
        return 2;
      }
      out.printf("verify %s: %d s, %d writers and %d readers against %s%n", workload, durationSeconds, writers, readers,
          String.join(",", addresses));
      out.flush();
      run(h, writers, readers);
      Map<String, String> checked = finalState(h);
      out.printf("writes: %d acknowledged, %d of unknown outcome, %d rolled back; reads: %d checked%n",
          h.acknowledged.get(), h.unknown.get(), h.failed.get(), h.reads.get());
      out.println("final state checked on " + checked.keySet() + (checked.isEmpty() ? "" : " at gtid_executed "
          + checked.values().iterator().next()));
      if (!keep) {
        tearDown(h);
      }
    }
    long n = h.anomalies.count();
    if (n == 0) {
      out.println("anomalies: none");
      return 0;
    }
    out.println("anomalies: " + n);
    h.anomalies.first().forEach(a -> out.println("  " + a));
    return 1;
  }

  private String refusal() {
    if (!workload.equals("bank") && !workload.equals("list-append")) {
      return "--workload must be bank or list-append";
    }
    if (durationSeconds < 1 || durationSeconds > 3600) {
      return "--duration must be 1-3600 seconds";
    }
    if (clients < 2 || clients > 256) {
      return "--clients must be 2-256";
    }
    if (keys < 2 || keys > 10_000) {
      return "--keys must be 2-10000";
    }
    return null;
  }

  private void run(History h, int writers, int readers) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
    ExecutorService pool = Executors.newFixedThreadPool(writers + readers, r -> {
      Thread t = new Thread(r, "verify");
      t.setDaemon(true);
      return t;
    });
    List<Future<?>> running = new ArrayList<>();
    try (CohortClient c = connect.apply(ClientOptions.Routing.PRIMARY)) {
      for (int w = 0; w < writers; w++) {
        int writer = w;
        running.add(pool.submit(() -> {
          Random rng = new Random(seed * 1_000_003L + writer);
          for (long seq = 0; System.nanoTime() < deadline; seq++) {
            h.write(c, writer, seq, rng);
          }
        }));
      }
      for (int r = 0; r < readers; r++) {
        int reader = r;
        running.add(pool.submit(() -> {
          Random rng = new Random(seed * 7_000_003L + reader);
          while (System.nanoTime() < deadline) {
            try {
              h.read(c, reader, rng);
            } catch (CohortException e) {
              pause(50); // no member answered the read: nothing was seen, so nothing to check
            }
          }
        }));
      }
      for (Future<?> f : running) {
        try {
          f.get(durationSeconds + 300L, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          h.anomalies.add("a client of the workload failed: " + e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Waits until every member that answers reports the same gtid_executed (two minutes at most),
   * then checks each one's data. A member that does not answer is reported, not checked.
   */
  private Map<String, String> finalState(History h) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    Map<String, String> gtids = new LinkedHashMap<>();
    while (true) {
      gtids.clear();
      for (String a : addresses) {
        try (CohortClient c = pinned.apply(a)) {
          StatusResponse s = c.status();
          if (s.getState().equals("ONLINE")) {
            gtids.put(a, s.getGtidExecuted());
          }
        } catch (CohortException e) {
          // not answering: left out below
        }
      }
      if (!gtids.isEmpty() && gtids.values().stream().distinct().count() == 1 && gtids.size() == addresses.size()) {
        break;
      }
      if (System.nanoTime() > deadline) {
        if (gtids.values().stream().distinct().count() > 1) {
          h.anomalies.add("members still disagree two minutes after the workload: " + gtids);
        }
        break;
      }
      pause(200);
    }
    for (String a : addresses) {
      if (!gtids.containsKey(a)) {
        out.println("not checked: " + a + " is not ONLINE");
      }
    }
    for (String a : gtids.keySet()) {
      checkWhenReachable(h, a);
    }
    return gtids;
  }

  /** Drops the workload's tables with a new client, trying three times; a failure is reported, not fatal. */
  private void tearDown(History h) {
    for (int attempt = 1; ; attempt++) {
      try (CohortClient c = connect.apply(ClientOptions.Routing.PRIMARY)) {
        h.tearDown(c);
        return;
      } catch (CohortException e) {
        if (attempt == 3) {
          out.println("note: the workload's tables were not dropped (" + e.getMessage() + ")");
          return;
        }
        pause(1000);
      }
    }
  }

  /**
   * Reads a member's final state; a read that fails (a member that was just restarted can still
   * drop a connection) is tried again for half a minute before the member is reported unchecked.
   */
  private void checkWhenReachable(History h, String member) {
    CohortException last = null;
    for (int attempt = 0; attempt < 30; attempt++) {
      try (CohortClient c = pinned.apply(member)) {
        h.check(member, c);
        return;
      } catch (CohortException e) {
        last = e;
        pause(1000);
      }
    }
    out.println("not checked: " + member + " did not answer its final reads (" + last.getMessage() + ")");
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
