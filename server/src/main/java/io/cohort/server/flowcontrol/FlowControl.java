package io.cohort.server.flowcontrol;

import io.cohort.proto.MemberStats;
import io.cohort.server.config.FlowControlConfig;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One member's flow control (MySQL's QUOTA mode): from the queues and counters every member of
 * the view reports each period, it decides how many commits this member may propose in the next
 * period, and says why.
 *
 * <p>A member whose certifier or applier queue is over its threshold is <em>slow</em>. The
 * capacity of a slow member is how many transactions it drained from that queue per period
 * over its last few reports. While any member is slow, the group's writers share the smallest such
 * capacity, held back by {@code hold-percent} so the slow member's queue shrinks, and further by
 * a tenth of that queue's excess over its threshold ({@link #BACKLOG_PERIODS}); the share of each
 * writer is the group quota divided by the number of members that proposed in the period.
 * The group quota never falls below a floor of one twentieth of the smaller threshold (or
 * {@code min-quota}, or {@code min-recovery-quota} while the slow member recovers), so a member
 * that stopped applying slows the group down but never stops it. Once no queue is over its
 * threshold the quota grows by {@code release-percent} each period, and is lifted as soon as it
 * no longer binds (a period in which this member did not use it up).
 *
 * <p>Pure and deterministic: no clock, no threads. Thread-safe: the group timer steps it, client
 * threads take permits.
 */
public final class FlowControl {

  /** What flow control is doing and why, for status. */
  public record Status(boolean throttling, String causeMember, String causeQueue, long causeQueueSize,
      long lagTransactions, double lagSeconds, long quota) {
    static final Status NONE = new Status(false, "", "", 0, 0, 0, 0);
  }

  /**
   * What is known of one member's reports: its last few, and the drain rates they show. A rate
   * is taken over up to {@value #WINDOW} reports, not one: an applier that writes in large
   * batches shows nothing applied in one second and a whole batch in the next.
   */
  private static final class Seen {
    final ArrayDeque<MemberStats> recent = new ArrayDeque<>();
    double appliedPerSecond;
    double checkedPerSecond;
    long proposedInLast;
  }

  /** Reports a rate is taken over. */
  static final int WINDOW = 4;

  private final FlowControlConfig cfg;
  private final String self;
  private final Map<String, Seen> seen = new HashMap<>();
  /** Commits this member may propose per period; 0 = not limited. */
  private long quota;
  /** Permits left in the current period (when limited). */
  private long left;
  /** Permits taken in the current period. */
  private long used;
  private Status status = Status.NONE;

  public FlowControl(FlowControlConfig cfg, String self) {
    this.cfg = cfg;
    this.self = self;
  }

  /**
   * Starts a period: takes the latest report of every member of the view and recomputes this
   * member's quota.
   *
   * @param reports    the latest stats of each member of the view (this one's included)
   * @param recovering ids of the members that are RECOVERING
   */
  public synchronized void step(Collection<MemberStats> reports, Set<String> recovering) {
    Set<String> present = new HashSet<>();
    for (MemberStats r : reports) {
      present.add(r.getMemberId());
      absorb(r);
    }
    seen.keySet().retainAll(present);
    long usedLastPeriod = used;
    used = 0;
    if (cfg.mode() == FlowControlConfig.Mode.DISABLED) {
      quota = 0;
      status = Status.NONE;
      return;
    }
    Slow slow = slowest(reports);
    if (slow != null) {
      long floor = Math.max(Math.min(cfg.certifierThreshold(), cfg.applierThreshold()) / 20, 1);
      floor = Math.max(floor, cfg.minQuota());
      if (recovering.contains(slow.member) && cfg.minRecoveryQuota() > 0) {
        floor = Math.max(floor, cfg.minRecoveryQuota());
      }
      double held = slow.capacityPerPeriod * (100 - cfg.holdPercent()) / 100
          - (double) (slow.queueSize - slow.threshold) / BACKLOG_PERIODS;
      long group = Math.max((long) held, floor);
      if (cfg.maxQuota() > 0) {
        group = Math.min(group, cfg.maxQuota());
      }
      quota = Math.max(1, ceilDiv(group, writers(usedLastPeriod)));
      status = new Status(true, slow.member, slow.queue, slow.queueSize, slow.lag,
          slow.drainPerSecond > 0 ? slow.lag / slow.drainPerSecond : Double.POSITIVE_INFINITY, quota);
    } else if (quota > 0) {
      if (usedLastPeriod < quota || cfg.releasePercent() == 0) {
        quota = 0;
        status = Status.NONE;
      } else {
        quota = quota + Math.max(1, quota * cfg.releasePercent() / 100);
        status = new Status(true, status.causeMember(), status.causeQueue(), 0, 0, 0, quota);
      }
    }
    left = quota;
  }

  /**
   * Takes a permit to propose one commit now.
   *
   * @return false when this period's quota is used up: the commit waits for the next period
   */
  public synchronized boolean tryAcquire() {
    if (quota == 0) {
      used++;
      return true;
    }
    if (left <= 0) {
      return false;
    }
    left--;
    used++;
    return true;
  }

  /** Whether commits are limited in this period. */
  public synchronized boolean limited() {
    return quota > 0;
  }

  public synchronized Status status() {
    return status;
  }

  // ---- the computation ----

  private record Slow(String member, String queue, long queueSize, long threshold, double capacityPerPeriod,
      double drainPerSecond, long lag) {
  }

  /**
   * A slow member's backlog over its threshold is worked off over about this many periods, on top
   * of the hold. With the hold alone (MySQL's rule), a queue that overshot while the first reports
   * travelled shrank by a tenth of the slow member's capacity each period and stayed at several
   * times its threshold for minutes: FlowControlIT's queue went past 2,000 with a threshold of
   * 500 once the primary committed 1,100 tx/s before throttling began, and was still over 2,000
   * 13 s later.
   */
  static final int BACKLOG_PERIODS = 10;

  private void absorb(MemberStats r) {
    Seen s = seen.computeIfAbsent(r.getMemberId(), k -> new Seen());
    MemberStats prev = s.recent.peekLast();
    if (prev == r) {
      return;
    }
    if (prev != null && (r.getStatsTimeMs() <= prev.getStatsTimeMs() || r.getApplied() < prev.getApplied()
        || r.getChecked() < prev.getChecked() || r.getLocalProposed() < prev.getLocalProposed())) {
      s.recent.clear(); // a restarted member: its counters began again
      prev = null;
    }
    s.recent.addLast(r);
    if (s.recent.size() > WINDOW) {
      s.recent.removeFirst();
    }
    if (prev == null) {
      // A first report: no rate yet.
      s.appliedPerSecond = 0;
      s.checkedPerSecond = 0;
      s.proposedInLast = 0;
      return;
    }
    MemberStats first = s.recent.peekFirst();
    double seconds = (r.getStatsTimeMs() - first.getStatsTimeMs()) / 1000.0;
    s.appliedPerSecond = (r.getApplied() - first.getApplied()) / seconds;
    s.checkedPerSecond = (r.getChecked() - first.getChecked()) / seconds;
    s.proposedInLast = r.getLocalProposed() - prev.getLocalProposed();
  }

  /** The slow member with the smallest capacity, or null when every queue is under its threshold. */
  private Slow slowest(Collection<MemberStats> reports) {
    long head = 0;
    for (MemberStats r : reports) {
      head = Math.max(head, r.getHistorySeqno() + r.getInApplierQueue());
    }
    Slow best = null;
    for (MemberStats r : reports) {
      Seen s = seen.get(r.getMemberId());
      Slow candidate = null;
      if (r.getInCertificationQueue() > cfg.certifierThreshold()) {
        candidate = slow(r, "certifier", r.getInCertificationQueue(), cfg.certifierThreshold(), s.checkedPerSecond,
            head);
      }
      if (r.getInApplierQueue() > cfg.applierThreshold()) {
        Slow a = slow(r, "applier", r.getInApplierQueue(), cfg.applierThreshold(), s.appliedPerSecond, head);
        if (candidate == null || a.capacityPerPeriod < candidate.capacityPerPeriod) {
          candidate = a;
        }
      }
      if (candidate != null && (best == null || candidate.capacityPerPeriod < best.capacityPerPeriod
          || (candidate.capacityPerPeriod == best.capacityPerPeriod && candidate.queueSize > best.queueSize))) {
        best = candidate;
      }
    }
    return best;
  }

  private Slow slow(MemberStats r, String queue, long size, long threshold, double perSecond, long head) {
    return new Slow(r.getMemberId(), queue, size, threshold, perSecond * cfg.periodSeconds(), perSecond,
        Math.max(0, head - r.getHistorySeqno()));
  }

  /** Members that proposed in their last reported period (this one also when it took permits). */
  private long writers(long usedHere) {
    long n = 0;
    for (Map.Entry<String, Seen> e : seen.entrySet()) {
      if (e.getValue().proposedInLast > 0 || (e.getKey().equals(self) && usedHere > 0)) {
        n++;
      }
    }
    return Math.max(n, 1);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
