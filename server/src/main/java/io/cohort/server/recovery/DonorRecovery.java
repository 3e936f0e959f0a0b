package io.cohort.server.recovery;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.GroupState;
import io.cohort.proto.LogEntry;
import io.cohort.proto.ReadLogRequest;
import io.cohort.server.apply.Applier;
import io.cohort.server.apply.HistoryHash;
import io.cohort.server.apply.LogEntries;
import io.cohort.server.certification.Certifier;
import io.cohort.server.fault.FaultSwitch;
import io.cohort.server.group.GroupRefusedException;
import io.cohort.server.storage.Storage;
import io.grpc.ManagedChannel;
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

  public DonorRecovery(Storage storage, Applier applier, String groupUuid, HistoryCheck history,
      Function<String, ManagedChannel> channels, FaultSwitch faults) {
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
   * differs from the donor's (nothing applied then), other exceptions when it cannot finish.
   * {@code stop} turns true once the member left the group or shuts down: then it returns early.
   */
  public Certifier catchUp(GroupState st, List<String> donors, BooleanSupplier stop) throws InterruptedException {
    if (!applier.awaitDrained(RECOVERY_TIMEOUT_MS)) {
      throw new IllegalStateException("the applier did not finish its queue");
    }
    long local = applier.lastApplied();
    long target = st.getCertifiedSeqno();
    long start = Math.min(st.getGcSeqno(), local);
    Certifier c = new Certifier(start);
    replayOwnLog(c, start, local);
    LOG.info("recovery: applied here up to {}, fetching {}..{} from donors {}", local, local + 1, target, donors);
    fetch(c, local + 1, target, donors, stop);
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
        LogEntry e = LogEntries.parse(b);
        if (e.getSeqno() > upTo) {
          return;
        }
        c.restore(e.getSeqno(), e.getTransaction());
        next = e.getSeqno() + 1;
      }
    }
  }

  /**
   * Fetches transactions {@code from}..{@code upTo} from the donors' logs and queues them for
   * apply. First it checks, at {@code from - 1}, that the donor's history is this member's: a
   * member whose transactions differ under the same GTIDs is refused before anything is applied.
   * Every fetched entry must then extend the history hash this member computes itself.
   */
  private void fetch(Certifier c, long from, long upTo, List<String> donors, BooleanSupplier stop)
      throws InterruptedException {
    long next = from;
    boolean verified = from == 1;
    byte[] chain = applier.lastHash();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RECOVERY_TIMEOUT_MS);
    int turn = 0;
    while ((next <= upTo || !verified) && !stop.getAsBoolean()) {
      String donor = donors.get(turn++ % donors.size());
      long before = next;
      boolean wasVerified = verified;
      if (faults.isolated()) {
        Thread.sleep(50);
        continue;
      }
      ManagedChannel ch = channels.apply(donor);
      try {
        Iterator<LogEntry> it = CohortServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
            .readLog(ReadLogRequest.newBuilder().setFromSeqno(verified ? next : next - 1).setLimit(1000).build());
        while (it.hasNext() && (next <= upTo || !verified)) {
          LogEntry e = it.next();
          long want = verified ? next : next - 1;
          if (e.getSeqno() != want) {
            throw new IllegalStateException("donor " + donor + " sent transaction " + e.getSeqno()
                + " when " + want + " was asked for");
          }
          if (!verified) {
            if (!e.getHistoryHash().isEmpty() && !history.sameAt(want, e.getHistoryHash().toByteArray())) {
              long first = history.firstDifference(ch, want);
              throw history.refusal("donor " + donor, first > 0 ? first : want);
            }
            verified = true;
            continue;
          }
          chain = HistoryHash.next(chain, groupUuid, e.getSeqno(), e.getTransaction());
          if (!e.getHistoryHash().isEmpty() && !java.util.Arrays.equals(chain, e.getHistoryHash().toByteArray())) {
            throw new IllegalStateException("donor " + donor + "'s transaction " + e.getSeqno() + " does not extend"
                + " the history this member holds (history hash " + HistoryHash.show(e.getHistoryHash().toByteArray())
                + ", expected " + HistoryHash.show(chain) + ")");
          }
          c.restore(e.getSeqno(), e.getTransaction());
          applier.enqueue(e.getSeqno(), e.getTransaction());
          next++;
        }
      } catch (StatusRuntimeException e) {
        LOG.info("donor {} failed: {}; trying another", donor, e.getStatus());
      }
      if (next == before && verified == wasVerified) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("no donor of " + donors + " had transaction " + (verified ? next : next - 1)
              + " within " + RECOVERY_TIMEOUT_MS + " ms");
        }
        Thread.sleep(50); // the donor has not applied it yet, or is unreachable
      }
    }
  }
}
