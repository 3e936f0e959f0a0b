package io.cohort.server.tools;

import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.MenciusConfig;
import io.cohort.server.consensus.Value;
import io.cohort.server.driver.ConsensusDriver;
import io.cohort.server.driver.DriverSettings;
import io.cohort.server.storage.ConsensusStore;
import io.cohort.server.transport.GrpcTransport;
import io.cohort.server.transport.GrpcTransportOptions;
import io.cohort.server.transport.Transport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consensus member running on its own, with no database on top: a {@link ConsensusDriver}
 * on a {@link ConsensusStore} and a {@link GrpcTransport}, an optional closed-loop load, and
 * report files for observers (delivered values, acknowledged values, phase statistics). Owns
 * the lifecycle of all of them; {@code consensus-node} parses the options and drives it.
 *
 * <p>Threads: the driver's loop writes the delivered file; proposer threads write the acked
 * file; one timer thread flushes both every {@link #FLUSH_MILLIS}; {@link #runPhase} runs on
 * the caller's thread and {@link #close} on whichever thread stops the member.
 */
final class ConsensusNode implements AutoCloseable {

  /** How stale the report files may be: observers poll them. */
  static final long FLUSH_MILLIS = 100;

  private static final Logger LOG = LoggerFactory.getLogger(ConsensusNode.class);

  private final int self;
  private final int peers;
  private final boolean batching;
  private final MenciusConfig consensus;
  private final boolean fsync;
  private final ConsensusStore store;
  private final GrpcTransport transport;
  private final LineFile deliveredFile;
  private final LineFile ackedFile;
  private final ScheduledExecutorService flusher;
  private final AtomicReference<RuntimeException> reportFailure = new AtomicReference<>();
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final AtomicReference<ClosedLoopProposers> load = new AtomicReference<>();
  private volatile ConsensusDriver driver;
  private boolean closed; // guarded by this

  private ConsensusNode(MenciusConfig consensus, boolean batching, boolean fsync, int peers,
      ConsensusStore store, GrpcTransport transport, LineFile deliveredFile, LineFile ackedFile) {
    this.self = consensus.self();
    this.peers = peers;
    this.batching = batching;
    this.consensus = consensus;
    this.fsync = fsync;
    this.store = store;
    this.transport = transport;
    this.deliveredFile = deliveredFile;
    this.ackedFile = ackedFile;
    this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "report-flusher-" + self);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Opens the store under {@code dataDir/consensus}, listens on this member's address in
   * {@code addresses}, and starts the driver.
   *
   * @param deliveredFile emptied, then one line {@code slot valueIdHex payloadHex} per delivered
   *     value; emptied because a restarted member delivers again from slot 0. May be null
   * @param ackedFile     appended to (acknowledgements of an earlier run stay true); may be null
   * @throws IllegalArgumentException when the settings do not fit together (the driver's checks)
   * @throws IOException when the address cannot be bound or a report file cannot be opened
   */
  static ConsensusNode start(MenciusConfig consensus, DriverSettings settings, boolean batching,
      boolean fsync, String groupId, Map<Integer, InetSocketAddress> addresses, Path dataDir,
      Path deliveredFile, Path ackedFile) throws IOException {
    int self = consensus.self();
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      ConsensusStore store = ConsensusStore.open(dataDir.resolve("consensus"), self, fsync);
      opened.add(store);
      GrpcTransport transport = GrpcTransport.listening(groupId, self, addresses,
          addresses.get(self), GrpcTransportOptions.defaults());
      opened.add(transport);
      LineFile delivered = deliveredFile == null ? null : LineFile.open(deliveredFile, true);
      opened.add(delivered);
      LineFile acked = ackedFile == null ? null : LineFile.open(ackedFile, false);
      opened.add(acked);
      ConsensusNode node = new ConsensusNode(consensus, batching, fsync, addresses.size() - 1,
          store, transport, delivered, acked);
      node.driver = ConsensusDriver.start(consensus, settings, store, transport,
          new SplittableRandom(self * 0x9E3779B97F4A7C15L ^ System.nanoTime()), node::delivered);
      node.flusher.scheduleWithFixedDelay(node::flushReports, FLUSH_MILLIS, FLUSH_MILLIS,
          TimeUnit.MILLISECONDS);
      return node;
    } catch (IOException | RuntimeException e) {
      for (int i = opened.size() - 1; i >= 0; i--) {
        closeQuietly(opened.get(i), e);
      }
      throw e;
    }
  }

  /**
   * Waits (bounded by {@code awaitPeersMillis}) until this member has connected to every peer,
   * then runs {@code proposers} closed-loop proposers of {@code valuesEach} values for at most
   * {@code durationMillis} (with none, the phase lasts {@code durationMillis}: the member only
   * serves). Returns early when {@link #stopProposing} is called.
   */
  ConsensusNodeStats runPhase(int proposers, long valuesEach, long durationMillis,
      long awaitPeersMillis) throws InterruptedException {
    awaitPeers(awaitPeersMillis);
    ClosedLoopProposers p = new ClosedLoopProposers(self, proposers, valuesEach,
        System.currentTimeMillis(), driver::propose, ackedFile);
    ConsensusDriver.Stats before = driver.stats();
    Transport.Stats netBefore = transport.stats();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(durationMillis);
    load.set(p);
    if (stopRequested.getCount() == 0) {
      p.stop();
    }
    p.start(deadline);
    if (proposers == 0) {
      stopRequested.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } else if (!p.await(deadline + TimeUnit.SECONDS.toNanos(10))) {
      LOG.warn("member {}: proposers still running 10 s after the phase deadline; reporting"
          + " without them", self);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    ConsensusDriver.Stats after = driver.stats();
    Transport.Stats netAfter = transport.stats();
    boolean early = stopRequested.getCount() == 0 || p.failed();
    return new ConsensusNodeStats(self, proposers, batching, consensus.window(),
        consensus.maxBatch(), fsync, seconds, p.proposed(), p.acked(),
        after.deliveredValues() - before.deliveredValues(), after.fsyncs() - before.fsyncs(),
        netAfter.sent() - netBefore.sent(), netAfter.received() - netBefore.received(), early,
        p.takeLatencies());
  }

  /** Ends the proposing phase now; callable from any thread, before or during it. */
  void stopProposing() {
    stopRequested.countDown();
    ClosedLoopProposers p = load.get();
    if (p != null) {
      p.stop();
    }
  }

  /** Why this member cannot go on, if it cannot: its driver failed or a report file broke. */
  String failure() {
    if (driver.state() == ConsensusDriver.State.FAILED) {
      return "consensus driver failed: " + driver.failure().map(Throwable::toString).orElse("?");
    }
    RuntimeException e = reportFailure.get();
    return e == null ? null : e.getMessage();
  }

  /**
   * Stops proposing, then closes the driver, the report files (flushed), the transport and the
   * store, in that order: nothing writes to what is already closed. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopProposing();
    driver.close();
    flusher.shutdownNow();
    RuntimeException first = null;
    for (AutoCloseable c : new AutoCloseable[] {deliveredFile, ackedFile, transport, store}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        LOG.error("member {}: closing {} failed", self, c, e);
        first = first != null ? first : new IllegalStateException(e.getMessage(), e);
      }
    }
    LOG.info("consensus-node member {} stopped: {}", self, driver.stats());
    if (first != null) {
      throw first;
    }
  }

  private void awaitPeers(long awaitMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(awaitMillis);
    // Connections this member dialed, reconnections included: a close enough sign that every
    // peer is up, and only used to start the measured phase at the same time on every member.
    while (transport.stats().connects() < peers && System.nanoTime() < deadline
        && stopRequested.getCount() > 0) {
      stopRequested.await(20, TimeUnit.MILLISECONDS);
    }
    if (transport.stats().connects() < peers) {
      LOG.warn("member {}: {} of {} peers connected after {} ms; proposing anyway", self,
          transport.stats().connects(), peers, awaitMillis);
    } else {
      LOG.info("member {}: connected to all {} peers", self, peers);
    }
  }

  /** The delivery listener, on the driver's loop thread: appends to the buffered file only. */
  private void delivered(Decision d) {
    if (deliveredFile == null) {
      return;
    }
    for (Value v : d.values()) {
      deliveredFile.append(d.slot() + " " + ClosedLoopProposers.hex(v.id()) + " "
          + ClosedLoopProposers.hex(v.data()));
    }
  }

  private void flushReports() {
    try {
      if (deliveredFile != null) {
        deliveredFile.flush();
      }
      if (ackedFile != null) {
        ackedFile.flush();
      }
    } catch (UncheckedIOException e) {
      if (reportFailure.compareAndSet(null, e)) {
        LOG.error("member {}: cannot write its report files; it will stop", self, e);
      }
    }
  }

  private static void closeQuietly(AutoCloseable c, Exception cause) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      cause.addSuppressed(e);
    }
  }
}
