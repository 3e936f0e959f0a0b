package io.cohort.server.recovery;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.GroupState;
import io.cohort.proto.LogEntry;
import io.cohort.proto.ReadLogRequest;
import io.cohort.server.apply.Applier;
import io.cohort.server.apply.LogEntries;
import io.cohort.server.certification.Certifier;
import io.cohort.server.fault.FaultSwitch;
import io.cohort.server.group.GroupRefusedException;
import io.cohort.server.storage.Storage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a member that joined (RECOVERING) up to the point where the group admitted it: it
 * rebuilds the certifier from its own log, checks that its history is the donors', fetches
 * the transactions it lacks from their logs by GTID and applies them. What the group delivers
 * meanwhile is held by the session and certified afterwards.
 *
 * <p>Runs on the group's lifecycle thread.
 */
public final class DonorRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(DonorRecovery.class);
  private static final long RECOVERY_TIMEOUT_MS = 300_000;

  private final Storage storage;
  private final Applier applier;
  private final String groupUuid;
  private final HistoryCheck history;
  private final Function<String, ManagedChannel> channels;
  private final FaultSwitch faults;
  private final RecoveryReport report;

  public DonorRecovery(Storage storage, Applier applier, String groupUuid, HistoryCheck history,
      Function<String, ManagedChannel> channels, FaultSwitch faults, RecoveryReport report) {
    this.report = report;
    this.storage = storage;
    this.applier = applier;
    this.groupUuid = groupUuid;
    this.history = history;
    this.channels = channels;
    this.faults = faults;
  }

  /**
   * Catches up to {@code st}'s certified point and returns the certifier holding the group's
   * conflict information there. Throws {@link GroupRefusedException} when this member's history
   * differs from the donor's, or every donor purged what it lacks (nothing applied then), other
   * exceptions when it cannot finish.
   * {@code stop} turns true once the member left the group or shuts down: then it returns early.
   */
  public Certifier catchUp(GroupState st, List<String> donors, BooleanSupplier stop) throws InterruptedException {
    if (!applier.awaitDrained(RECOVERY_TIMEOUT_MS)) {
      throw new IllegalStateException("the applier did not finish its queue");
    }
    long local = applier.lastApplied();
    long target = st.getCertifiedSeqno();
    long start = IncrementalRecovery.certifierBase(st, local);
    Certifier c = new Certifier(start);
    replayOwnLog(c, start, local);
    report.incremental(local >= target ? "it had applied every transaction the group had certified when it joined"
        : "the donors' logs hold the transactions it lacks (" + (local + 1) + ".." + target + ")");
    LOG.info("recovery: applied here up to {}, fetching {}..{} from donors {}", local, local + 1, target, donors);
    fetch(new IncrementalRecovery(groupUuid, c, local + 1, target, donors, applier.lastHash(), this::checkHistory), stop);
    // ONLINE only once applied: the member's snapshots must not be older than the group's
    // collection point, which may already be past what it had applied before recovery.
    if (!stop.getAsBoolean() && !applier.awaitDrained(RECOVERY_TIMEOUT_MS)) {
      throw new IllegalStateException("the applier did not apply the recovered transactions");
    }
    return c;
  }

  /**
   * The group's conflict information at the point where {@code certified} transactions were
   * certified and information up to {@code collected} forgotten, rebuilt from this member's own
   * log (a member resuming its place after a restart: it applied at least that much).
   */
  public Certifier certifierFromOwnLog(long collected, long certified) {
    Certifier c = new Certifier(collected);
    replayOwnLog(c, collected, certified);
    return c;
  }

  private void replayOwnLog(Certifier c, long after, long upTo) {
    long next = after + 1;
    while (next <= upTo) {
      List<byte[]> entries = storage.readLog(next, 1000);
      if (entries.isEmpty()) {
        throw new IllegalStateException("this member's log lacks transaction " + next);
      }
      for (byte[] b : entries) {
        LogEntry e = LogEntries.expanded(LogEntries.parse(b));
        if (e.getSeqno() > upTo) {
          return;
        }
        c.restore(e.getSeqno(), e.getTransaction());
        next = e.getSeqno() + 1;
      }
    }
  }

  /** A member whose transactions differ from the donor's under the same GTIDs is refused. */
  private void checkHistory(String donor, long seqno, byte[] hash) {
    if (!history.sameAt(seqno, hash)) {
      long first = history.firstDifference(channels.apply(donor), seqno);
      throw history.refusal("donor " + donor, first > 0 ? first : seqno);
    }
  }

  /** Asks the donors for what {@code catchUp} lacks, over the ReadLog stream, and queues it for apply. */
  private void fetch(IncrementalRecovery catchUp, BooleanSupplier stop) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RECOVERY_TIMEOUT_MS);
    java.util.Set<String> purgedAt = new java.util.HashSet<>(); // donors that no longer hold what is asked
    while (!catchUp.done() && !stop.getAsBoolean()) {
      if (faults.isolated()) {
        Thread.sleep(50);
        continue;
      }
      String donor = catchUp.donor();
      report.donor(donor);
      long before = catchUp.askFrom();
      try {
        Iterator<LogEntry> it = CohortServiceGrpc.newBlockingStub(channels.apply(donor))
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .readLog(ReadLogRequest.newBuilder().setFromSeqno(before).setLimit(1000).build());
        while (it.hasNext() && !catchUp.done()) {
          LogEntry e = it.next();
          IncrementalRecovery.ToApply next = catchUp.received(donor, e);
          if (next != null) {
            applier.enqueue(e.getSeqno(), next.tx(), next.lastCommitted());
          }
        }
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.OUT_OF_RANGE) {
          LOG.info("donor {} failed: {}; trying another", donor, e.getStatus());
        } else if (purgedAt.add(donor) && purgedAt.size() == catchUp.donorCount()) {
          // Refused, so it leaves the group at once: an admitted member that can never catch up
          // would otherwise stay in the configuration (in a group of two, stopping it).
          throw new LogPurgedException("it lacks transaction " + groupUuid + ":" + before + ", which every donor"
              + " purged from its log (" + e.getStatus().getDescription() + ")");
        } else {
          LOG.info("donor {} purged transaction {} from its log; trying another", donor, before);
        }
      }
      if (catchUp.askFrom() == before && !catchUp.done()) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("no donor of the group had transaction " + before + " within "
              + RECOVERY_TIMEOUT_MS + " ms");
        }
        catchUp.passOver();
        Thread.sleep(50); // the donor has not applied it yet, or is unreachable
      }
    }
  }
}
