package io.cohort.server.replica;

import io.cohort.proto.CohortServiceGrpc;
import com.google.protobuf.ByteString;
import io.cohort.proto.LogEntry;
import io.cohort.proto.Transaction;
import io.cohort.proto.ReadLogRequest;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.StatusResponse;
import io.cohort.server.apply.Applier;
import io.cohort.server.apply.HistoryHash;
import io.cohort.server.apply.LogEntries;
import io.cohort.server.storage.Storage;
import io.cohort.server.certification.Certifier;
import io.cohort.server.group.GroupRefusedException;
import io.cohort.server.recovery.IncrementalRecovery;
import io.grpc.ChannelCredentials;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read replica's receiver: streams the source's log from the transaction after the last one
 * this replica holds (GTID auto-positioning: the source sends what the replica lacks), checks
 * that every entry extends the history this replica holds, and writes it to the relay log, synced.
 * Its feeder ({@link #feed}) queues the relay log's transactions for the replica's applier, which
 * writes rows, log and gtid_executed in one batch, and purges the relay log behind it. A kill -9
 * loses nothing and repeats nothing: the receiver goes on after the relay log's last entry, the
 * feeder after what was applied. Under source-delay the relay log holds what is not due yet, so
 * the source need not keep it.
 *
 * <p>Sources are the configured members and the ONLINE members the first one that answers names:
 * when the source in use fails or leaves, the next is asked, from the same point (MySQL's
 * asynchronous connection failover). A source may be another replica (a chain).
 */
final class ReplicaReceiver implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaReceiver.class);
  /** What the applier may have queued ahead of what it applied before the feeder waits. */
  private static final long MAX_QUEUED = 2_000;
  /**
   * Transactions the relay log may hold ahead of the applier before the receiver waits (MySQL's
   * relay_log_space_limit, counted in transactions): a day of source-delay at 10 per second.
   */
  private static final long RELAY_LIMIT = 1_000_000;
  private static final int RELAY_BATCH = 100;
  private static final long RELAY_BATCH_BYTES = 4L << 20;
  private static final int PAGE = 1_000;
  private static final long POLL_MS = 20;
  /** How long a source holds a request for the next transaction before answering with nothing. */
  private static final int LONG_POLL_MS = 1_000;

  private final String groupUuid;
  private final Applier applier;
  private final List<String> configured;
  private final ChannelCredentials credentials;
  private final long delayMs;
  private final ReplicationFilter filter;
  private final String memberId;
  private final boolean semiSync;
  private final LongFunction<LogEntry> log;
  private final Storage storage;
  /** When the next transaction is due, while the feeder waits for it (source-delay); 0 when not waiting. */
  private volatile long waitingUntilMs;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean stopped;
  private volatile String source = "";
  private volatile String state = "CONNECTING";
  private volatile String lastError = "";
  private volatile long lastHeardNanos;
  private volatile List<String> sourceList = List.of();
  /** The last transaction in the relay log, and whether the last poll of the source found nothing after it. */
  private volatile long relayed;
  private volatile boolean caughtUp;
  /** Where the feeder waits for the receiver to relay more. */
  private final Object relayedMore = new Object();

  ReplicaReceiver(String memberId, String groupUuid, Applier applier, ReadReplica.Settings settings,
      ChannelCredentials credentials, Storage storage) {
    if (settings.sources().isEmpty()) {
      throw new IllegalArgumentException("a replica needs a source (replica-of)");
    }
    this.groupUuid = groupUuid;
    this.applier = applier;
    this.configured = List.copyOf(settings.sources());
    this.credentials = credentials;
    this.delayMs = settings.delaySeconds() * 1000;
    this.filter = settings.filter();
    this.storage = storage;
    this.log = n -> LogEntries.at(storage, n);
    this.memberId = memberId;
    this.semiSync = settings.semiSync();
  }

  /** Whether this replica acknowledges what it applied to its source (semi-sync-replica-enabled). */
  boolean semiSync() {
    return semiSync;
  }

  /**
   * A semi-synchronous replica's acknowledgements: whenever the applier applied more (each batch
   * is synced), and at least every second, tells the source in use what is durable here.
   */
  void acknowledge() {
    long acked = -1;
    while (!stopped) {
      try {
        applier.awaitBeyond(Math.max(acked, applier.lastApplied() - 1), 1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      long applied = applier.lastApplied();
      String to = source;
      if (to.isEmpty() || applier.failure() != null) {
        sleepQuietly(100);
        continue;
      }
      try {
        CohortServiceGrpc.newBlockingStub(channel(to)).withDeadlineAfter(5, TimeUnit.SECONDS)
            .replicaAck(io.cohort.proto.ReplicaAckRequest.newBuilder().setReplicaId(memberId).setSeqno(applied).build());
        acked = applied;
      } catch (StatusRuntimeException e) {
        if (!stopped) {
          LOG.debug("replica: acknowledgement to {} failed: {}", to, e.getStatus());
          sleepQuietly(100);
        }
      }
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The source's history hash kept with transaction {@code applied}, or null when there is none
   * (the replica's own hash is the source's: no filter changed what it logged).
   */
  private byte[] keptSourceHash(long applied) {
    LogEntry last = applied == 0 ? null : log.apply(applied);
    if (last != null && !last.getTransaction().getSourceHistoryHash().isEmpty()) {
      return last.getTransaction().getSourceHistoryHash().toByteArray();
    }
    return null;
  }

  /** The member streamed from last ("" before any). */
  String source() {
    return source;
  }

  /**
   * CONNECTING, CONNECTED (a source answered within the last few seconds), ERROR (divergent
   * history, purged log) or STOPPED (the applier stopped on a transaction).
   */
  String state() {
    if (state.equals("CONNECTED") && System.nanoTime() - lastHeardNanos > TimeUnit.SECONDS.toNanos(5)) {
      return "CONNECTING";
    }
    return state;
  }

  /** Why the receiver last failed ("" when it has not). */
  String lastError() {
    return lastError;
  }

  /** SHOW REPLICA STATUS at {@code nowMs}. */
  io.cohort.proto.ReplicaStatus status(long nowMs) {
    long applied = applier.lastApplied();
    long got = Math.max(relayed, applied);
    LogEntry oldest = got > applied ? relayEntry(applied + 1) : null;
    String st = state();
    long behind = !st.equals("CONNECTED") ? -1 : oldest != null
        ? Math.max(0, (nowMs - oldest.getCommitTimestampMs()) / 1000) : caughtUp ? 0 : -1;
    return filter.showIn(io.cohort.proto.ReplicaStatus.newBuilder()).setSemiSync(semiSync).setSource(source).addAllSources(sourceList)
        .setReceiverState(st).setRetrievedGtidSet(got == 0 ? "" : groupUuid + ":1-" + got)
        .setSecondsBehindSource(behind).setLastError(lastError).setSqlDelay(delayMs / 1000)
        .setSqlRemainingDelay(waitingUntilMs == 0 ? -1 : Math.max(0, (waitingUntilMs - nowMs + 999) / 1000)).build();
  }

  /** The relay log's entry of {@code seqno}, or null (not received, or applied and purged). */
  private LogEntry relayEntry(long seqno) {
    byte[] b = storage.relayEntry(seqno);
    if (b == null) {
      return null;
    }
    try {
      return LogEntry.parseFrom(b);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("the relay log entry of " + groupUuid + ":" + seqno + " is unreadable", e);
    }
  }

  /** The source's history hash at {@code seqno}, received and not applied; null when not known. */
  byte[] sourceHashOf(long seqno) {
    LogEntry e = relayEntry(seqno);
    return e == null ? null : e.getHistoryHash().toByteArray();
  }

  void stop() {
    stopped = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
    synchronized (relayedMore) {
      relayedMore.notifyAll();
    }
  }

  /**
   * The feeder (MySQL's SQL thread ahead of its workers): queues the relay log's transactions for
   * the applier in order, each no sooner than source-delay after its original commit, with the
   * filters applied; and purges the relay log up to what the applier applied.
   */
  void feed() {
    untilStopped("feeding the applier from the relay log", this::feedRelayed);
  }

  /** The receiver's and the feeder's loop: once it fails, replication is in ERROR, with why. */
  private interface Loop {
    void run() throws InterruptedException;
  }

  private void untilStopped(String what, Loop loop) {
    try {
      if (!applier.awaitDrained(300_000)) {
        throw new IllegalStateException("the applier did not finish its queue");
      }
      loop.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!stopped) {
        state = "ERROR";
        lastError = e.getMessage();
        LOG.error("replica: {} stopped: {}", what, e.getMessage());
      }
    }
  }

  private void feedRelayed() throws InterruptedException {
    long applied = applier.lastApplied();
    // Once a filtered transaction is logged here, this replica's history hash is its own: every
    // later one keeps the source's, filters or not, so that a restart can take up the stream.
    boolean keepSourceHash = !filter.keepsAll() || keptSourceHash(applied) != null;
    long next = applied + 1;
    long purgedTo = 0;
    long purgedAt = System.nanoTime();
    while (!stopped && applier.failure() == null) {
      long a = applier.lastApplied();
      if (a > purgedTo && (a - purgedTo >= PAGE || System.nanoTime() - purgedAt > TimeUnit.SECONDS.toNanos(1))) {
        try (io.cohort.server.storage.Batch b = storage.newBatch()) {
          b.deleteRelayUpTo(a);
          storage.write(b, false); // applied is durable already: a crash before this only repeats the purge
        }
        purgedTo = a;
        purgedAt = System.nanoTime();
      }
      List<byte[]> page = next <= relayed ? storage.readRelay(next, PAGE) : List.of();
      if (page.isEmpty()) {
        synchronized (relayedMore) {
          if (next > relayed && !stopped) {
            relayedMore.wait(100);
          }
        }
        continue;
      }
      for (byte[] b : page) {
        LogEntry e;
        try {
          e = LogEntry.parseFrom(b);
        } catch (com.google.protobuf.InvalidProtocolBufferException x) {
          throw new IllegalStateException("the relay log entry of " + groupUuid + ":" + next + " is unreadable", x);
        }
        if (e.getSeqno() != next) {
          throw new IllegalStateException("the relay log holds " + groupUuid + ":" + e.getSeqno() + " where "
              + groupUuid + ":" + next + " belongs");
        }
        long due = e.getCommitTimestampMs() + delayMs;
        while (delayMs > 0 && !stopped && due > System.currentTimeMillis()) {
          waitingUntilMs = due;
          Thread.sleep(Math.max(1, Math.min(500, due - System.currentTimeMillis())));
        }
        waitingUntilMs = 0;
        while (applier.lastQueued() - applier.lastApplied() > MAX_QUEUED && !stopped && applier.failure() == null) {
          Thread.sleep(1);
        }
        if (stopped || applier.failure() != null) {
          return;
        }
        Transaction tx = filter.apply(e.getTransaction());
        if (keepSourceHash) {
          tx = tx.toBuilder().setSourceHistoryHash(e.getHistoryHash()).build();
        }
        applier.enqueue(e.getSeqno(), tx, e.getLastCommitted());
        next++;
      }
    }
  }

  @Override
  public void run() {
    untilStopped("receiving from the source", this::receive);
  }

  private void receive() throws InterruptedException {
    long applied = applier.lastApplied();
    long inRelay = storage.lastRelayed();
    long from = Math.max(applied, inRelay);
    byte[] here;
    if (inRelay > applied) {
      here = relayEntry(inRelay).getHistoryHash().toByteArray(); // the source's hash there
    } else {
      byte[] kept = keptSourceHash(applied);
      here = kept != null ? kept : applier.lastHash();
    }
    // The certifier gives each entry the newest one it depends on, for the parallel applier. It
    // starts here knowing nothing of what the relay log holds unapplied, so every entry it
    // certifies depends on at least the last one relayed before (floor): none runs alongside a
    // transaction it may depend on.
    Certifier certifier = new Certifier(from);
    long floor = from;
    relayed = from;
    LOG.info("replica: applied up to {}:{}, relay log up to {}", groupUuid, applied, from);
    List<String> sources = sources();
    sourceList = List.copyOf(sources);
    IncrementalRecovery stream = new IncrementalRecovery(groupUuid, certifier, from + 1, Long.MAX_VALUE, sources,
        here, (who, seqno, hash) -> {
          if (!Arrays.equals(hash, here)) {
            throw new GroupRefusedException("source " + who + " holds another history at " + groupUuid + ":"
                + seqno + " than this replica (history hash " + HistoryHash.show(hash) + ", here "
                + HistoryHash.show(here) + "): it replicates nothing from it");
          }
        });
    LOG.info("replica: sources {}", sources);
    String failing = null;
    while (!stopped) {
      if (applier.failure() != null) {
        state = "STOPPED";
        LOG.warn("replica: receiving stopped because the applier stopped");
        return;
      }
      if (relayed - applier.lastApplied() >= RELAY_LIMIT) {
        Thread.sleep(100); // the relay log is full: received up to its limit ahead of the applier
        continue;
      }
      String donor = stream.donor();
      long before = stream.askFrom();
      long asked = System.nanoTime();
      boolean failed = false;
      Relaying relaying = new Relaying();
      // The stream is cancelled when left early (the receiver stopping).
      Context.CancellableContext call = Context.current().withCancellation();
      Context previous = call.attach();
      try {
        Iterator<LogEntry> it = CohortServiceGrpc.newBlockingStub(channel(donor)).withDeadlineAfter(30, TimeUnit.SECONDS)
            .readLog(ReadLogRequest.newBuilder().setFromSeqno(before).setLimit(PAGE).setWaitMs(LONG_POLL_MS)
                .setSemiSyncReplicaId(semiSync ? memberId : "").build());
        while (it.hasNext() && !stopped) {
          LogEntry e = it.next();
          IncrementalRecovery.ToApply next = stream.received(donor, e);
          if (next != null) {
            relaying.add(LogEntry.newBuilder().setGroupUuid(groupUuid).setSeqno(e.getSeqno()).setTransaction(next.tx())
                .setCommitTimestampMs(e.getCommitTimestampMs()).setHistoryHash(ByteString.copyFrom(stream.chain()))
                .setLastCommitted(Math.max(next.lastCommitted(), floor)).build());
          }
        }
        if (!donor.equals(source)) {
          LOG.info("replica: streaming from {} (from transaction {})", donor, before);
        }
        source = donor;
        caughtUp = stream.askFrom() == before;
        state = "CONNECTED";
        lastHeardNanos = System.nanoTime();
        failing = null;
      } catch (StatusRuntimeException e) {
        failed = true;
        if (e.getStatus().getCode() == Status.Code.OUT_OF_RANGE) {
          lastError = "source " + donor + " purged transaction " + groupUuid + ":" + before + ", which this replica"
              + " needs next";
        } else {
          lastError = "source " + donor + " failed: " + e.getStatus().getCode() + " " + e.getStatus().getDescription();
        }
        if (!donor.equals(failing)) {
          LOG.warn("replica: {}; trying the next source", lastError);
          failing = donor;
        }
      } finally {
        call.detach(previous);
        call.cancel(null);
        relaying.flush(); // what the stream took as received is in the relay log, also when the call failed
      }
      certifier.garbageCollect(applier.lastApplied());
      if (stream.askFrom() == before) {
        if (failed) {
          stream.passOver();
          Thread.sleep(200);
        } else if (System.nanoTime() - asked < TimeUnit.MILLISECONDS.toNanos(LONG_POLL_MS / 2)) {
          Thread.sleep(POLL_MS); // answered with nothing at once: a source that does not hold the request
        }
      }
    }
  }

  /**
   * Entries on their way into the relay log: written (and synced, with fsync on) in batches of at
   * most {@link #RELAY_BATCH} entries or {@link #RELAY_BATCH_BYTES}, and made known to the feeder.
   */
  private final class Relaying {
    private final List<LogEntry> pending = new ArrayList<>();
    private long bytes;

    void add(LogEntry e) {
      pending.add(e);
      bytes += e.getSerializedSize();
      if (pending.size() >= RELAY_BATCH || bytes >= RELAY_BATCH_BYTES) {
        flush();
      }
    }

    void flush() {
      if (pending.isEmpty()) {
        return;
      }
      try (io.cohort.server.storage.Batch b = storage.newBatch(bytes + 64L * pending.size())) {
        for (LogEntry e : pending) {
          b.putRelay(e.getSeqno(), e.toByteArray());
        }
        storage.write(b);
      }
      relayed = pending.get(pending.size() - 1).getSeqno();
      pending.clear();
      bytes = 0;
      synchronized (relayedMore) {
        relayedMore.notifyAll();
      }
    }
  }

  /** The configured sources, then the ONLINE members the first that answers names. */
  private List<String> sources() throws InterruptedException {
    LinkedHashSet<String> all = new LinkedHashSet<>(configured);
    while (!stopped) {
      for (String s : configured) {
        try {
          StatusResponse st = CohortServiceGrpc.newBlockingStub(channel(s)).withDeadlineAfter(10, TimeUnit.SECONDS)
              .status(StatusRequest.getDefaultInstance());
          if (!st.getGroupName().isEmpty() && !st.getGroupName().equals(groupUuid)) {
            throw new GroupRefusedException("source " + s + " serves group " + st.getGroupName() + ", not " + groupUuid);
          }
          st.getMembersList().stream().filter(m -> m.getState().equals("ONLINE")).forEach(m -> all.add(m.getAddress()));
          return new ArrayList<>(all);
        } catch (StatusRuntimeException e) {
          lastError = "source " + s + " failed: " + e.getStatus().getCode() + " " + e.getStatus().getDescription();
        }
      }
      Thread.sleep(500);
    }
    return new ArrayList<>(all);
  }

  private ManagedChannel channel(String address) {
    return channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a, credentials)
        .maxInboundMessageSize(Integer.MAX_VALUE).build());
  }
}
