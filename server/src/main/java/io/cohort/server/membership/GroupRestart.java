package io.cohort.server.membership;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a member that is out of its group does next, from what it heard of the others: join a
 * group that runs, resume the group from its own history, or wait.
 *
 * <p>After a whole-group outage no member may simply start a new group: it might be behind the
 * others, and the transactions it lacks would be handed out again under the same GTIDs (a
 * fork). Galera's rule is followed ({@code pc.recovery}: the primary component comes back once
 * every member of the last one is back). Here an acknowledged transaction is durable at its
 * origin, which applied it, not yet in a majority's acceptor state; so only the whole last view
 * knows the most advanced history, and the group resumes once every member of the latest view
 * anyone reports is back and waiting. Then exactly one of them, the one with the most
 * transactions (ties: the lowest member id), resumes; everyone computes the same choice from
 * the same reports, and the others join it once it runs.
 *
 * <p>A member persists a view only once it has applied every transaction certified before it,
 * so whoever holds the latest view holds everything the members removed before it had
 * acknowledged. Pure: no clocks, I/O or threads; the member process and the whole-group
 * simulator both call it.
 */
public final class GroupRestart {

  /** What a member reports of itself. */
  public enum State {
    /** ONLINE in a running group: it can admit others. */
    IN_GROUP,
    /** Out of any group and waiting for its group to resume (it runs this rule). */
    WAITING,
    /** Neither: joining, recovering, or out after an error. */
    OTHER
  }

  /**
   * One member's report.
   *
   * @param memberId    its member id
   * @param state       what it does now
   * @param epoch       the highest group epoch it took part in
   * @param viewEpoch   epoch of its last persisted view (0 with no view)
   * @param viewSeq     sequence of that view within the epoch
   * @param viewMembers member ids of that view
   * @param lastSeqno   its last applied transaction
   */
  public record Report(String memberId, State state, long epoch, long viewEpoch, long viewSeq,
      List<String> viewMembers, long lastSeqno) {
    public Report {
      viewMembers = List.copyOf(viewMembers);
    }

    boolean hasView() {
      return viewEpoch > 0;
    }

    String viewId() {
      return viewEpoch + ":" + viewSeq;
    }
  }

  /** What to do. */
  public sealed interface Decision permits Join, Resume, Wait {
    /** Why, for the member's status and log. */
    String reason();
  }

  /** Join the running group through one of these members (in member id order). */
  public record Join(List<String> memberIds, String reason) implements Decision {
    public Join {
      memberIds = List.copyOf(memberIds);
    }
  }

  /** Resume the group here, from this member's history, as epoch {@code epoch}. */
  public record Resume(long epoch, String reason) implements Decision {}

  /** Nothing to do yet. */
  public record Wait(String reason) implements Decision {}

  private static final Comparator<Report> VIEW_ORDER =
      Comparator.comparingLong(Report::viewEpoch).thenComparingLong(Report::viewSeq);

  private GroupRestart() {}

  /**
   * The decision of {@code self}, given the latest report heard from each other member (of the
   * same group; reports from {@code self}'s own member id are ignored).
   */
  public static Decision decide(Report self, Collection<Report> heard) {
    List<Report> others = new ArrayList<>();
    for (Report r : heard) {
      if (!r.memberId().equals(self.memberId())) {
        others.add(r);
      }
    }
    others.sort(Comparator.comparing(Report::memberId));
    List<String> running = new ArrayList<>();
    for (Report r : others) {
      if (r.state() == State.IN_GROUP) {
        running.add(r.memberId());
      }
    }
    if (!running.isEmpty()) {
      return new Join(running, "the group runs at " + String.join(", ", running) + "; joining it");
    }
    Report latest = self;
    for (Report r : others) {
      if (r.hasView() && VIEW_ORDER.compare(r, latest) > 0) {
        latest = r;
      }
    }
    if (!latest.hasView()) {
      return new Wait("waiting for a member of the group to answer");
    }
    if (!latest.viewMembers().contains(self.memberId())) {
      return new Wait("not in the group's last view " + latest.viewId() + " " + latest.viewMembers()
          + "; waiting for those members to resume the group, then joining it");
    }
    Set<String> missing = new TreeSet<>(latest.viewMembers());
    missing.remove(self.memberId());
    List<Report> voters = new ArrayList<>(List.of(self));
    for (Report r : others) {
      if (r.state() == State.WAITING && missing.remove(r.memberId())) {
        voters.add(r);
      }
    }
    if (!missing.isEmpty()) {
      return new Wait("waiting for " + String.join(", ", missing) + " of the last view " + latest.viewId()
          + " " + latest.viewMembers() + ": the group resumes by itself once every member of that view is back,"
          + " since any of them may hold acknowledged transactions the others lack ('cohort cluster"
          + " force-bootstrap' resumes without them, losing what only they had)");
    }
    Report leader = voters.get(0);
    long epoch = 0;
    for (Report r : voters) {
      if (r.lastSeqno() > leader.lastSeqno()
          || (r.lastSeqno() == leader.lastSeqno() && r.memberId().compareTo(leader.memberId()) < 0)) {
        leader = r;
      }
    }
    epoch = Math.max(self.epoch(), latest.viewEpoch());
    for (Report r : others) {
      epoch = Math.max(epoch, r.epoch());
    }
    if (leader == self) {
      return new Resume(epoch + 1, "every member of the last view " + latest.viewId() + " is back and this"
          + " member has the most transactions (" + self.lastSeqno() + "); resuming the group here");
    }
    return new Wait("every member of the last view " + latest.viewId() + " is back; " + leader.memberId()
        + " has the most transactions (" + leader.lastSeqno() + ") and resumes the group; then joining it");
  }
}
