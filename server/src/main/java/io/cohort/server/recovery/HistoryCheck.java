package io.cohort.server.recovery;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.LogEntry;
import io.cohort.proto.ReadLogRequest;
import io.cohort.server.apply.LogEntries;
import io.cohort.server.group.GroupRefusedException;
import io.cohort.server.storage.Storage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Compares this member's history with another member's, GTID by GTID, through the history
 * hashes of their logs: a member whose transactions differ from the group's under the same
 * GTIDs must be refused, never merged. Because each hash covers the whole history before it,
 * the first differing GTID is found by bisection with a handful of reads.
 */
public final class HistoryCheck {
  private final Storage storage;
  private final String groupUuid;
  private final String memberId;

  public HistoryCheck(Storage storage, String groupUuid, String memberId) {
    this.storage = storage;
    this.groupUuid = groupUuid;
    this.memberId = memberId;
  }

  /**
   * The first sequence number in 1..{@code upTo} where {@code peer}'s log differs from this
   * member's, or -1 when they agree up to there (or the peer no longer holds the entries).
   */
  public long firstDifference(ManagedChannel peer, long upTo) {
    if (upTo <= 0 || same(peer, upTo)) {
      return -1;
    }
    long lo = 1;
    long hi = upTo; // differs at hi; find the lowest such
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      if (same(peer, mid)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  /** Whether this member's own hash at {@code seqno} equals {@code hash}. */
  public boolean sameAt(long seqno, byte[] hash) {
    LogEntry mine = LogEntries.at(storage, seqno);
    return mine != null && Arrays.equals(mine.getHistoryHash().toByteArray(), hash);
  }

  /**
   * Why this member's history and another member's reported one differ, or null: each member
   * of a view reports its last applied transaction and the hash there, and any member that
   * applied that transaction too can tell whether it holds the same history up to it.
   */
  public String forkWith(io.cohort.proto.MemberStats theirs, long appliedHere) {
    long n = theirs.getHistorySeqno();
    if (n <= 0 || n > appliedHere || theirs.getHistoryHash().isEmpty()) {
      return null;
    }
    LogEntry mine = LogEntries.at(storage, n);
    if (mine == null || mine.getHistoryHash().isEmpty() || mine.getHistoryHash().equals(theirs.getHistoryHash())) {
      return null;
    }
    return "the history of member " + theirs.getMemberId() + " differs from this member's (" + memberId
        + ") at or before GTID " + groupUuid + ":" + n + ": the group is forked; this member takes no writes."
        + " Stop the member with the wrong history, keep its data dir aside and let it rejoin with an empty one";
  }

  /** The refusal for a history that differs from {@code peerId}'s first at {@code seqno}. */
  public GroupRefusedException refusal(String peerId, long seqno) {
    return new GroupRefusedException("member " + memberId + "'s history differs from the group's (member " + peerId
        + ") at GTID " + groupUuid + ":" + seqno + ", the first transaction that differs: both hold transactions"
        + " under the same GTIDs with different content, so it cannot join and nothing was applied. Keep its"
        + " data dir aside for inspection, then give it an empty data dir so it joins and copies the group's"
        + " history");
  }

  private boolean same(ManagedChannel peer, long seqno) {
    LogEntry theirs = read(peer, seqno);
    if (theirs == null) {
      return true; // purged there: nothing to compare against
    }
    LogEntry mine = LogEntries.at(storage, seqno);
    if (mine == null) {
      if (seqno <= LogEntries.purgedUpTo(storage)) {
        return true; // purged here: nothing to compare
      }
      throw new IllegalStateException("this member's log lacks transaction " + seqno);
    }
    if (!mine.getHistoryHash().isEmpty() && !theirs.getHistoryHash().isEmpty()) {
      return mine.getHistoryHash().equals(theirs.getHistoryHash());
    }
    return mine.getTransaction().equals(LogEntries.expanded(theirs).getTransaction());
  }

  /** The peer's entry at {@code seqno}, or null when it does not hold it (purged, or not yet applied). */
  private static LogEntry read(ManagedChannel peer, long seqno) {
    Iterator<LogEntry> it = CohortServiceGrpc.newBlockingStub(peer).withDeadlineAfter(10, TimeUnit.SECONDS)
        .readLog(ReadLogRequest.newBuilder().setFromSeqno(seqno).setLimit(1).build());
    LogEntry e;
    try {
      e = it.hasNext() ? it.next() : null;
      while (it.hasNext()) {
        it.next();
      }
    } catch (StatusRuntimeException x) {
      if (x.getStatus().getCode() == Status.Code.OUT_OF_RANGE) {
        return null;
      }
      throw x;
    }
    return e == null || e.getSeqno() != seqno ? null : e;
  }

}
