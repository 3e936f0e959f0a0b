package io.cohort.server.recovery;

import io.cohort.proto.GroupState;
import io.cohort.proto.LogEntry;
import io.cohort.proto.Transaction;
import io.cohort.server.apply.HistoryHash;
import io.cohort.server.apply.LogEntries;
import io.cohort.server.certification.Certifier;
import java.util.Arrays;
import java.util.List;

/**
 * A recovering member's incremental recovery (MySQL's term: the transactions it lacks, from its
 * donors' logs, as opposed to a clone), as a stepped machine: which donor to ask
 * next and from which transaction, what each entry received means, and when it is done.
 * {@link DonorRecovery} runs it over gRPC; the whole-group simulator over its simulated logs.
 *
 * <p>The rules: the first entry asked for is the one just below what this member lacks, and the
 * donor's history hash there must be this member's (a divergent history is refused before
 * anything is applied); every entry after that must extend the history hash this member computes
 * itself; the certifier records each entry as it is handed over for apply; a donor that gives
 * nothing (unreachable, or behind) is passed over for the next one. An entry without a history
 * hash (a log written before hashes were kept) is taken as it is.
 *
 * <p>Not thread-safe: the recovering member's lifecycle thread steps it.
 */
public final class IncrementalRecovery {

  /** A transaction to queue for apply, with the newest one it depends on. */
  public record ToApply(Transaction tx, long lastCommitted) {}

  /** Compares a donor's history with this member's at one transaction. */
  public interface HistoryProbe {
    /**
     * @throws io.cohort.server.group.GroupRefusedException when the donor's history hash at
     *     {@code seqno} is not this member's
     */
    void check(String donor, long seqno, byte[] historyHash);
  }

  private final String groupUuid;
  private final Certifier certifier;
  private final long upTo;
  private final List<String> donors;
  private final HistoryProbe probe;
  private long next;
  private boolean verified;
  private byte[] chain;
  private int turn;

  /**
   * @param certifier rebuilt up to {@code from - 1} (see {@link #certifierBase})
   * @param from      the first transaction this member lacks
   * @param upTo      the group's certified point when it admitted this member
   * @param donors    member addresses (or ids) to fetch from, in order of preference
   * @param chain     this member's history hash at {@code from - 1}
   */
  public IncrementalRecovery(String groupUuid, Certifier certifier, long from, long upTo, List<String> donors, byte[] chain,
      HistoryProbe probe) {
    if (donors.isEmpty()) {
      throw new IllegalArgumentException("no donor to recover from");
    }
    this.groupUuid = groupUuid;
    this.certifier = certifier;
    this.next = from;
    this.upTo = upTo;
    this.donors = List.copyOf(donors);
    this.chain = chain;
    this.probe = probe;
    this.verified = from == 1;
  }

  /**
   * Where the rebuilt certifier starts for a member that applied {@code local} transactions and
   * is admitted at {@code st}: at the group's collection point, or lower when this member has not
   * applied that much (it then replays its own log from there, and the donors' after it).
   */
  public static long certifierBase(GroupState st, long local) {
    return Math.min(st.getGcSeqno(), local);
  }

  /** Caught up: everything up to the admission point was handed over for apply. */
  public boolean done() {
    return verified && next > upTo;
  }

  /** The donor to ask now. */
  public String donor() {
    return donors.get(turn % donors.size());
  }

  /** How many donors it may ask. */
  public int donorCount() {
    return donors.size();
  }

  /** The transaction to ask the donor for first. */
  public long askFrom() {
    return verified ? next : next - 1;
  }

  /** The next transaction to be applied. */
  public long next() {
    return next;
  }

  /**
   * One entry {@code donor} sent, in order from {@link #askFrom}. Returns the transaction to
   * queue for apply (the certifier has recorded it and computed its dependency), or null for the
   * entry that only proved the donor's history is this member's.
   *
   * @throws IllegalStateException when the entry is not the one asked for or does not extend this
   *     member's history
   */
  public ToApply received(String donor, LogEntry entry) {
    LogEntry e = LogEntries.expanded(entry); // a donor that compresses its log sends it as it keeps it
    long want = askFrom();
    if (e.getSeqno() != want) {
      throw new IllegalStateException("donor " + donor + " sent transaction " + e.getSeqno() + " when " + want
          + " was asked for");
    }
    if (!verified) {
      if (!e.getHistoryHash().isEmpty()) {
        probe.check(donor, want, e.getHistoryHash().toByteArray());
      }
      verified = true;
      return null;
    }
    chain = HistoryHash.next(chain, groupUuid, e.getSeqno(), e.getTransaction());
    if (!e.getHistoryHash().isEmpty() && !Arrays.equals(chain, e.getHistoryHash().toByteArray())) {
      throw new IllegalStateException("donor " + donor + "'s transaction " + e.getSeqno() + " does not extend the"
          + " history this member holds (history hash " + HistoryHash.show(e.getHistoryHash().toByteArray())
          + ", expected " + HistoryHash.show(chain) + ")");
    }
    long dependsOn = certifier.restore(e.getSeqno(), e.getTransaction());
    next++;
    return new ToApply(e.getTransaction(), dependsOn);
  }

  /** The donors' history hash at the last transaction {@link #received} returned. */
  public byte[] chain() {
    return chain;
  }

  /** The donor asked last gave nothing: the next one is asked. */
  public void passOver() {
    turn++;
  }

  public Certifier certifier() {
    return certifier;
  }
}
