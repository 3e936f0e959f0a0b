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
 * this replica applied (GTID auto-positioning: the source sends what the replica lacks), checks
 * that every entry extends the history this replica holds, and queues it for the replica's
 * applier, which writes rows, log and gtid_executed in one batch (a kill -9 loses nothing and
 * repeats nothing: the receiver starts again from what was applied).
 *
 * <p>Sources are the configured members and the ONLINE members the first one that answers names:
 * when the source in use fails or leaves, the next is asked, from the same point (MySQL's
 * asynchronous connection failover). A source may be another replica (a chain).
 */
final class ReplicaReceiver implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaReceiver.class);
  /** What the applier may have queued ahead of what it applied before the receiver waits. */
  private static final long MAX_QUEUED = 2_000;
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
  /** When the next transaction is due, while the receiver waits for it (source-delay); 0 when not waiting. */
  private volatile long waitingUntilMs;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean stopped;
  private volatile String source = "";
  private volatile String state = "CONNECTING";
  private volatile String lastError = "";
  private volatile long lastHeardNanos;
  private volatile List<String> sourceList = List.of();
  /** The last transaction received, and whether the last poll of the source found nothing after it. */
  private volatile long received;
  private volatile boolean caughtUp;
  /** What was received and not applied yet, oldest first. */
  private final java.util.concurrent.ConcurrentLinkedDeque<Received> unapplied =
      new java.util.concurrent.ConcurrentLinkedDeque<>();

  /** A transaction received: its original commit time and the source's history hash there. */
  private record Received(long seqno, long commitMs, byte[] sourceHash) {}

  ReplicaReceiver(String memberId, String groupUuid, Applier applier, ReadReplica.Settings settings,
      ChannelCredentials credentials, LongFunction<LogEntry> log) {
    if (settings.sources().isEmpty()) {
      throw new IllegalArgumentException("a replica needs a source (replica-of)");
    }
    this.groupUuid = groupUuid;
    this.applier = applier;
    this.configured = List.copyOf(settings.sources());
    this.credentials = credentials;
    this.delayMs = settings.delaySeconds() * 1000;
    this.filter = settings.filter();
    this.log = log;
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
    Received oldest = forgetApplied(applied);
    String st = state();
    long behind = !st.equals("CONNECTED") ? -1 : oldest != null ? Math.max(0, (nowMs - oldest.commitMs()) / 1000)
        : caughtUp ? 0 : -1;
    long got = Math.max(received, applied);
    return filter.showIn(io.cohort.proto.ReplicaStatus.newBuilder()).setSemiSync(semiSync).setSource(source).addAllSources(sourceList)
        .setReceiverState(st).setRetrievedGtidSet(got == 0 ? "" : groupUuid + ":1-" + got)
        .setSecondsBehindSource(behind).setLastError(lastError).setSqlDelay(delayMs / 1000)
        .setSqlRemainingDelay(waitingUntilMs == 0 ? -1 : Math.max(0, (waitingUntilMs - nowMs + 999) / 1000)).build();
  }

  /** Forgets what was applied; returns the oldest transaction left (null: none). */
  private Received forgetApplied(long applied) {
    Received oldest;
    while ((oldest = unapplied.peekFirst()) != null && oldest.seqno() <= applied) {
      unapplied.pollFirst();
    }
    return oldest;
  }

  /** The source's history hash at {@code seqno}, received and not applied; null when not known. */
  byte[] sourceHashOf(long seqno) {
    for (Received r : unapplied) {
      if (r.seqno() == seqno) {
        return r.sourceHash();
      }
    }
    return null;
  }

  void stop() {
    stopped = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
  }

  @Override
  public void run() {
    try {
      receive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!stopped) {
        state = "ERROR";
        lastError = e.getMessage();
        LOG.error("replica receiver stopped: {}", e.getMessage());
      }
    }
  }

  private void receive() throws InterruptedException {
    if (!applier.awaitDrained(300_000)) {
      throw new IllegalStateException("the applier did not finish its queue");
    }
    long applied = applier.lastApplied();
    // Dependencies on transactions applied before the start are met already: the certifier,
    // which gives each entry the newest one it depends on for the parallel applier, starts here.
    Certifier certifier = new Certifier(applied);
    List<String> sources = sources();
    sourceList = List.copyOf(sources);
    received = applied;
    byte[] kept = keptSourceHash(applied);
    byte[] here = kept != null ? kept : applier.lastHash();
    // Once a filtered transaction is logged here, this replica's history hash is its own: every
    // later one keeps the source's, filters or not, so that a restart can take up the stream.
    boolean keepSourceHash = !filter.keepsAll() || kept != null;
    IncrementalRecovery stream = new IncrementalRecovery(groupUuid, certifier, applied + 1, Long.MAX_VALUE, sources,
        here, (from, seqno, hash) -> {
          if (!Arrays.equals(hash, here)) {
            throw new GroupRefusedException("source " + from + " holds another history at " + groupUuid + ":" + seqno
                + " than this replica (history hash " + HistoryHash.show(hash) + ", here " + HistoryHash.show(here)
                + "): it replicates nothing from it");
          }
        });
    LOG.info("replica: applied up to {}:{}; sources {}", groupUuid, applied, sources);
    String failing = null;
    while (!stopped) {
      if (applier.failure() != null) {
        state = "STOPPED";
        LOG.warn("replica: receiving stopped because the applier stopped");
        return;
      }
      String from = stream.donor();
      long before = stream.askFrom();
      long asked = System.nanoTime();
      boolean failed = false;
      long dueAt = 0;
      // The stream is cancelled when left early (a transaction not due yet under source-delay).
      Context.CancellableContext call = Context.current().withCancellation();
      Context previous = call.attach();
      try {
        Iterator<LogEntry> it = CohortServiceGrpc.newBlockingStub(channel(from)).withDeadlineAfter(30, TimeUnit.SECONDS)
            .readLog(ReadLogRequest.newBuilder().setFromSeqno(before).setLimit(PAGE).setWaitMs(LONG_POLL_MS)
                .setSemiSyncReplicaId(semiSync ? memberId : "").build());
        while (it.hasNext() && !stopped) {
          LogEntry e = it.next();
          if (delayMs > 0 && e.getSeqno() == stream.next() && e.getCommitTimestampMs() + delayMs > System.currentTimeMillis()) {
            dueAt = e.getCommitTimestampMs() + delayMs; // asked for again once due: nothing is held in memory
            break;
          }
          IncrementalRecovery.ToApply next = stream.received(from, e);
          if (next != null) {
            while (applier.lastQueued() - applier.lastApplied() > MAX_QUEUED && !stopped
                && applier.failure() == null) {
              Thread.sleep(1);
            }
            if (applier.failure() != null) {
              break;
            }
            Transaction tx = filter.apply(next.tx());
            if (keepSourceHash) {
              tx = tx.toBuilder().setSourceHistoryHash(ByteString.copyFrom(stream.chain())).build();
            }
            applier.enqueue(e.getSeqno(), tx, next.lastCommitted());
            unapplied.addLast(new Received(e.getSeqno(), e.getCommitTimestampMs(), stream.chain()));
            received = e.getSeqno();
          }
        }
        if (!from.equals(source)) {
          LOG.info("replica: streaming from {} (from transaction {})", from, before);
        }
        source = from;
        caughtUp = stream.askFrom() == before;
        state = "CONNECTED";
        lastHeardNanos = System.nanoTime();
        failing = null;
      } catch (StatusRuntimeException e) {
        failed = true;
        if (e.getStatus().getCode() == Status.Code.OUT_OF_RANGE) {
          lastError = "source " + from + " purged transaction " + groupUuid + ":" + before + ", which this replica"
              + " needs next";
        } else {
          lastError = "source " + from + " failed: " + e.getStatus().getCode() + " " + e.getStatus().getDescription();
        }
        if (!from.equals(failing)) {
          LOG.warn("replica: {}; trying the next source", lastError);
          failing = from;
        }
      } finally {
        call.detach(previous);
        call.cancel(null);
      }
      if (dueAt > 0) {
        waitingUntilMs = dueAt;
        Thread.sleep(Math.max(1, Math.min(500, dueAt - System.currentTimeMillis())));
        continue;
      }
      waitingUntilMs = 0;
      certifier.garbageCollect(applier.lastApplied());
      forgetApplied(applier.lastApplied());
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
