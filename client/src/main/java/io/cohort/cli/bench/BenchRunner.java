package io.cohort.cli.bench;

import io.cohort.client.CohortClient;
import io.cohort.client.ConflictException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Runs a workload from N client threads for a fixed time and measures it. Each thread loops:
 * pick a transaction, run it, and on a conflict run the same one again (counted as an abort);
 * on any other failure count an error, pause briefly and go on, so a member that restarts
 * mid-run costs errors, not the run. Only attempts that start after the warmup are counted.
 * Client threads may share one client or be spread over several (one per member).
 */
public final class BenchRunner {
  /** How long spread clients wait for their member to have applied the loaded table. */
  static final Duration LOAD_VISIBLE_WAIT = Duration.ofSeconds(60);

  private final CohortClient client;
  private final List<CohortClient> threadClients;
  private final Workload workload;
  private final BenchConfig config;
  private final BenchListener listener;
  private final AtomicReference<String> firstError = new AtomicReference<>();

  private BenchRunner(CohortClient client, List<CohortClient> threadClients, Workload workload,
      BenchConfig config, BenchListener listener) {
    if (threadClients.isEmpty()) {
      throw new IllegalArgumentException("at least one client is needed for the threads");
    }
    this.client = client;
    this.threadClients = List.copyOf(threadClients);
    this.workload = workload;
    this.config = config;
    this.listener = listener == null ? BenchListener.NONE : listener;
  }

  /**
   * Prepares the workload's table, runs the clients, then checks the workload's invariant.
   * This is the in-process entry point used by {@code cohort bench} and by tests.
   *
   * @param client a connected client, shared by all client threads
   * @param workload the workload
   * @param config threads, duration, warmup, rows, seed
   * @param listener told about every attempt (may be null)
   * @return the measurements; {@link BenchResult#ok()} is false if the invariant failed
   * @throws InterruptedException if interrupted while waiting for the client threads
   */
  public static BenchResult run(CohortClient client, Workload workload, BenchConfig config,
      BenchListener listener) throws InterruptedException {
    return run(client, List.of(client), workload, config, listener);
  }

  /**
   * Like {@link #run(CohortClient, Workload, BenchConfig, BenchListener)}, with the client
   * threads spread over several clients: thread i uses {@code threadClients.get(i % size)}.
   * {@code client} loads and checks the table; before the threads start, each of the other
   * clients waits (up to a minute) until the workload's check passes through it, i.e. until
   * its member has applied the load.
   *
   * @param client loads and checks the table
   * @param threadClients the clients the threads use, e.g. one pinned to each member
   * @param workload the workload
   * @param config threads, duration, warmup, rows, seed
   * @param listener told about every attempt (may be null)
   * @return the measurements
   * @throws InterruptedException if interrupted while waiting
   * @throws BenchFailure if a member did not show the loaded table in time
   */
  public static BenchResult run(CohortClient client, List<CohortClient> threadClients,
      Workload workload, BenchConfig config, BenchListener listener)
      throws InterruptedException {
    return new BenchRunner(client, threadClients, workload, config, listener).run();
  }

  private BenchResult run() throws InterruptedException {
    Map<String, Object> facts = new LinkedHashMap<>(workload.prepare(client, config.rows()));
    for (CohortClient c : threadClients) {
      if (c != client) {
        awaitLoaded(c);
      }
    }
    long start = System.nanoTime();
    long measureFrom = start + config.warmup().toNanos();
    long end = measureFrom + config.duration().toNanos();
    List<ClientLoop> loops = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < config.clients(); i++) {
      ClientLoop loop = new ClientLoop(i, measureFrom, end);
      loops.add(loop);
      Thread t = new Thread(loop, "bench-client-" + i);
      threads.add(t);
      t.start();
    }
    try {
      for (Thread t : threads) {
        t.join();
      }
    } finally {
      threads.forEach(Thread::interrupt); // only matters if we were interrupted while joining
    }
    double seconds = (Math.min(System.nanoTime(), end) - measureFrom) / 1e9;
    String failure = null;
    try {
      facts.putAll(workload.verify(client));
    } catch (BenchFailure f) {
      facts.putAll(f.facts());
      failure = f.getMessage();
    }
    return summarize(loops, seconds, facts, failure);
  }

  private void awaitLoaded(CohortClient c) throws InterruptedException {
    long deadline = System.nanoTime() + LOAD_VISIBLE_WAIT.toNanos();
    while (true) {
      try {
        workload.verify(c);
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw new BenchFailure("member " + c.memberAddresses().get(0) + " did not show the "
              + "loaded table within " + LOAD_VISIBLE_WAIT.toSeconds() + "s: " + e.getMessage());
        }
      }
      Thread.sleep(100);
    }
  }

  private BenchResult summarize(List<ClientLoop> loops, double seconds,
      Map<String, Object> facts, String failure) {
    Histogram all = new Histogram(3);
    long committed = 0;
    long aborted = 0;
    long errors = 0;
    for (ClientLoop l : loops) {
      all.add(l.latencies);
      committed += l.committed;
      aborted += l.aborted;
      errors += l.errors;
    }
    return new BenchResult(workload.name(), config.clients(), seconds, committed, aborted,
        errors, ms(all, 50), ms(all, 95), ms(all, 99), all.getMaxValue() / 1000.0, facts,
        firstError.get(), failure);
  }

  private static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }

  /** One client thread; its counters are read only after the thread is joined. */
  private final class ClientLoop implements Runnable {
    private final int index;
    private final long measureFrom;
    private final long end;
    private final SplittableRandom random;
    private final Histogram latencies = new Histogram(3);
    private long committed;
    private long aborted;
    private long errors;

    ClientLoop(int index, long measureFrom, long end) {
      this.index = index;
      this.measureFrom = measureFrom;
      this.end = end;
      this.random = new SplittableRandom(config.seed() + index);
    }

    @Override
    public void run() {
      Workload.Attempt attempt = null;
      long firstTry = 0;
      long now;
      while ((now = System.nanoTime()) < end && !Thread.currentThread().isInterrupted()) {
        if (attempt == null) {
          attempt = workload.next(random);
          firstTry = now;
        }
        boolean measured = now >= measureFrom;
        try {
          Committed c = attempt.execute(threadClients.get(index % threadClients.size()));
          long micros = (System.nanoTime() - firstTry) / 1000;
          if (firstTry >= measureFrom) {
            latencies.recordValue(micros);
            committed++;
          }
          listener.onOutcome(TxOutcome.committed(index, c, micros));
          attempt = null;
        } catch (ConflictException e) {
          aborted += measured ? 1 : 0;
          listener.onOutcome(TxOutcome.aborted(index, e));
        } catch (RuntimeException e) {
          errors += measured ? 1 : 0;
          firstError.compareAndSet(null, e.getMessage());
          listener.onOutcome(TxOutcome.error(index, e));
          attempt = null;
          pause();
        }
      }
    }

    private void pause() {
      try {
        Thread.sleep(config.errorPause().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
