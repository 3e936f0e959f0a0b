package io.cohort.server.flowcontrol;

import io.cohort.proto.MemberStats;
import io.cohort.server.config.FlowControlConfig;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Where a member's own commits pass its {@link FlowControl}: a commit within the period's quota
 * is proposed at once; one beyond it waits, in arrival order, for a later period. A throttled
 * commit is never failed by flow control: it only waits, and the wait is part of the latency its
 * client sees. Nothing blocks a thread: a waiting commit is a queued proposal that the group
 * timer runs when the next period opens.
 */
public final class Throttle {
  private final FlowControl control;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private long throttledTotal;

  public Throttle(FlowControlConfig cfg, String memberId) {
    this.control = new FlowControl(cfg, memberId);
  }

  /** A throttle that never limits (members of the simulator, tools). */
  public static Throttle unlimited(String memberId) {
    FlowControlConfig d = FlowControlConfig.defaults();
    return new Throttle(new FlowControlConfig(FlowControlConfig.Mode.DISABLED, d.certifierThreshold(),
        d.applierThreshold(), d.periodSeconds(), d.holdPercent(), d.releasePercent(), 0, 0, 0), memberId);
  }

  /**
   * Proposes a commit now if the quota allows, else queues it for a later period.
   *
   * @param propose proposes the commit; it must itself skip a commit that has ended meanwhile
   */
  public void submit(Runnable propose) {
    synchronized (this) {
      if (!waiting.isEmpty() || !control.tryAcquire()) {
        waiting.add(propose);
        throttledTotal++;
        return;
      }
    }
    propose.run();
  }

  /**
   * Opens a period: recomputes the quota from the members' latest reports and proposes the
   * waiting commits it allows, oldest first.
   *
   * @param reports    the latest stats of each member of the view
   * @param recovering ids of the members that are RECOVERING
   */
  public void period(Collection<MemberStats> reports, Set<String> recovering) {
    control.step(reports, recovering);
    List<Runnable> go = new ArrayList<>();
    synchronized (this) {
      while (!waiting.isEmpty() && control.tryAcquire()) {
        go.add(waiting.poll());
      }
    }
    go.forEach(Runnable::run);
  }

  /** Runs every waiting proposal (they find their commits ended): when a session ends. */
  public void releaseAll() {
    List<Runnable> go;
    synchronized (this) {
      go = new ArrayList<>(waiting);
      waiting.clear();
    }
    go.forEach(Runnable::run);
  }

  /** Flow control's state for status: its decision, and the commits waiting or that waited. */
  public synchronized Snapshot snapshot() {
    return new Snapshot(control.status(), waiting.size(), throttledTotal);
  }

  /** The decision and the counts of waiting and throttled commits. */
  public record Snapshot(FlowControl.Status status, long waiting, long throttledTotal) {
  }
}
