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
 *
 * <p>A member that keeps its place (consensus id and acceptor state) takes it up again rather
 * than join as a new member, as long as nobody reports that the group went on without it: while
 * the members of a view keep their places, acknowledged transactions may live only in their
 * acceptor state (their appliers do not sync), so the group resumes through consensus, and no
 * member may start a new epoch from its applied history while a member of the last view keeps
 * its place. A place is given up once it can never count again: the member was removed in a
 * later view, the group moved to a later epoch, or too many members of its view came back
 * without a place for those with one ever to form a majority.
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
   * @param placeEpoch  epoch of the place in the group it keeps on disk (0: none)
   */
  public record Report(String memberId, State state, long epoch, long viewEpoch, long viewSeq,
      List<String> viewMembers, long lastSeqno, long placeEpoch) {
    public Report {
      viewMembers = List.copyOf(viewMembers);
    }

    /** A report of a member that keeps no place. */
    public Report(String memberId, State state, long epoch, long viewEpoch, long viewSeq, List<String> viewMembers,
        long lastSeqno) {
      this(memberId, state, epoch, viewEpoch, viewSeq, viewMembers, lastSeqno, 0);
    }

    boolean keepsPlace() {
      return placeEpoch > 0;
    }

    boolean hasView() {
      return viewEpoch > 0;
    }

    String viewId() {
      return viewEpoch + ":" + viewSeq;
    }
  }

  /** What to do. */
  public sealed interface Decision permits Join, Resume, ResumePlace, GiveUpPlace, Wait {
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

  /** Take the kept place up again: same consensus id, same acceptor state. */
  public record ResumePlace(String reason) implements Decision {}

  /** The kept place can never count again: forget it, then decide again as a member without one. */
  public record GiveUpPlace(String reason) implements Decision {}

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
    if (self.keepsPlace()) {
      return placeDecision(self, others);
    }
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
    for (Report r : others) {
      if (r.keepsPlace() && r.placeEpoch() >= latest.viewEpoch() && latest.viewMembers().contains(r.memberId())) {
        return new Wait(r.memberId() + " keeps its place in the last view " + latest.viewId() + " and takes it up"
            + " again with its acceptor state, which may hold acknowledged transactions no member applied;"
            + " joining the group once it runs");
      }
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

  /** What a member that keeps its place does: take it up again, unless it can never count again. */
  private static Decision placeDecision(Report self, List<Report> others) {
    Report latest = self;
    for (Report r : others) {
      if (r.epoch() > self.placeEpoch()) {
        return new GiveUpPlace(r.memberId() + " runs epoch " + r.epoch() + ", after the place kept here (epoch "
            + self.placeEpoch() + ")");
      }
      if (r.hasView() && VIEW_ORDER.compare(r, latest) > 0) {
        latest = r;
      }
    }
    if (latest.viewEpoch() == self.placeEpoch() && !latest.viewMembers().contains(self.memberId())) {
      return new GiveUpPlace("the group removed this member in view " + latest.viewId() + " "
          + latest.viewMembers());
    }
    for (Report r : others) {
      if (r.state() == State.IN_GROUP && latest.viewMembers().contains(r.memberId())) {
        return new ResumePlace(r.memberId() + " runs the group; taking this member's place in it up again");
      }
    }
    // Members of the view back without a place have no acceptor state: if so many are that
    // those with one can never be a majority again, the places are useless. (Members without a
    // place while any keeps one were RECOVERING, and appliers sync then: applied histories hold
    // every acknowledged transaction, and the group resumes from the most advanced.)
    List<String> placeless = new ArrayList<>();
    for (Report r : others) {
      if (r.state() == State.WAITING && !r.keepsPlace() && latest.viewMembers().contains(r.memberId())) {
        placeless.add(r.memberId());
      }
    }
    int n = latest.viewMembers().size();
    if (placeless.size() > n - (n / 2 + 1)) {
      return new GiveUpPlace(String.join(", ", placeless) + " of view " + latest.viewId() + " " + latest.viewMembers()
          + " came back without a place: the members keeping one can never be a majority again");
    }
    return new ResumePlace("taking this member's place in view " + latest.viewId() + " up again; the group goes on"
        + " once a majority of it is back");
  }
}
