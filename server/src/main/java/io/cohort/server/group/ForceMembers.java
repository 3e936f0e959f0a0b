package io.cohort.server.group;

import io.cohort.server.config.MemberConfig;
import io.cohort.server.model.Shown;
import io.cohort.proto.LastView;
import io.cohort.proto.MemberInfo;
import io.cohort.proto.ProbeResponse;
import io.cohort.server.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether an operator may force a group's membership to the listed survivors, and the plan
 * they read first (MySQL's group_replication_force_members): the group resumes from the member
 * asked, under a new epoch, and the other listed members join it. Pure: the caller probes the
 * members of the view and acts.
 *
 * <p>It is refused while a majority of the view answers (the group can still decide, and a
 * second group would split it), when a listed member does not answer or is not in the view, and
 * when another listed member applied more than the member asked (its transactions would be lost
 * and it refused: the operator runs it there instead).
 */
final class ForceMembers {
  /** Most members one request may list. */
  static final int MAX_MEMBERS = 64;

  /** The plan, or why it is refused (then the plan is null). */
  record Decision(String refusal, String plan) {}

  /** The view a force works on: its members and its id. */
  record Target(List<MemberInfo> members, String viewId) {}

  private ForceMembers() {}

  /**
   * The view {@code self} forces: the one of the session it is in, or else the last view it kept.
   *
   * @throws GroupRefusedException when that session has its majority: nothing needs forcing
   */
  static Target target(String self, GroupSession s, LastView last) {
    if (s != null && !s.ended()) {
      if (!s.minority()) {
        throw new GroupRefusedException("member " + self + " is in a group that has its majority (view "
            + s.view().viewId() + "): force-members only restores a group whose majority is gone for good");
      }
      return new Target(s.view().members(), s.view().viewId());
    }
    return last == null ? new Target(List.of(), "(none)")
        : new Target(last.getMembersList(), last.getEpoch() + ":" + last.getViewSeq());
  }

  /**
   * @param self        the member asked
   * @param selfLast    its last applied transaction
   * @param selfExecuted its gtid_executed
   * @param listed      the members the operator listed
   * @param viewId      the view the member is in, or its last one
   * @param view        that view's members
   * @param heard       the other members of the view that answered a probe, by member id
   */
  static Decision decide(String groupUuid, String self, long selfLast, String selfExecuted, List<String> listed,
      String viewId, List<MemberInfo> view, Map<String, ProbeResponse> heard) {
    if (listed.isEmpty()) {
      return refused("list the members to keep, e.g. force-members " + self);
    }
    if (listed.size() > MAX_MEMBERS) {
      return refused("at most " + MAX_MEMBERS + " members may be listed, not " + listed.size());
    }
    Set<String> names = new LinkedHashSet<>();
    for (String id : listed) {
      if (!MemberConfig.isMemberId(id)) {
        return refused("'" + Shown.of(id) + "' is not a member id (" + MemberConfig.MEMBER_ID_RULE + ")");
      }
      if (!names.add(id)) {
        return refused("member " + id + " is listed twice");
      }
    }
    List<String> viewIds = new ArrayList<>();
    view.forEach(m -> viewIds.add(m.getMemberId()));
    if (viewIds.isEmpty()) {
      return refused("member " + self + " was never in a view of group " + groupUuid + ": there is nothing to force");
    }
    if (!names.contains(self)) {
      return refused("send force-members to one of the members it lists (" + String.join(", ", names)
          + "), not to " + self);
    }
    for (String id : names) {
      if (!viewIds.contains(id)) {
        return refused("member " + id + " is not in view " + viewId + " " + viewIds);
      }
      if (!id.equals(self) && !heard.containsKey(id)) {
        return refused("member " + id + " does not answer: list only members that run (the group would wait for"
            + " it)");
      }
    }
    List<String> answering = new ArrayList<>();
    answering.add(self);
    for (String id : viewIds) {
      if (!id.equals(self) && heard.containsKey(id)) {
        answering.add(id);
      }
    }
    if (answering.size() * 2 > viewIds.size()) {
      return refused("a majority of view " + viewId + " answers (" + String.join(", ", answering) + " of "
          + viewIds.size() + "): the group can still decide without it, and forcing a second group would split"
          + " it; stop the members that must go (cohort down) or let the group expel them");
    }
    for (String id : names) {
      ProbeResponse r = heard.get(id);
      if (r != null && r.getLastSeqno() > selfLast) {
        return refused("member " + id + " applied more (last transaction " + r.getLastSeqno() + ") than " + self
            + " (" + selfLast + "): forcing from " + self + " would lose " + groupUuid + ":" + (selfLast + 1) + "-"
            + r.getLastSeqno() + " and refuse " + id + "; send force-members to " + id + " instead");
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append("force group ").append(groupUuid).append(" to members ").append(names).append(" (view ").append(viewId)
        .append(' ').append(viewIds).append("):\n");
    sb.append(self).append(" (this member): gtid_executed ").append(selfExecuted.isEmpty() ? "(empty)" : selfExecuted)
        .append("; the group resumes from its history under a new epoch\n");
    for (String id : names) {
      if (!id.equals(self)) {
        sb.append(id).append(": answers (").append(heard.get(id).getState()).append("), last transaction ")
            .append(heard.get(id).getLastSeqno()).append("; it gives up its old place and joins, catching up from ")
            .append(self).append('\n');
      }
    }
    for (MemberInfo m : view) {
      String id = m.getMemberId();
      if (names.contains(id)) {
        continue;
      }
      if (heard.containsKey(id)) {
        sb.append(id).append(": answers but is not listed; it joins the forced group too when it looks for it (stop"
            + " it for good if it must not)\n");
      } else {
        sb.append(id).append(" (").append(m.getAddress()).append("): does not answer; it leaves the group\n");
      }
    }
    sb.append("could be lost: transactions the group acknowledged after ").append(groupUuid).append(':')
        .append(selfLast).append(" (").append(self).append("'s last) that only members that do not answer had"
            + " applied; a commit is acknowledged once a majority of the view accepted it, and here that majority"
            + " may have been only members that are gone. Such a member is refused if it comes back with them,"
            + " and must then be given an empty data dir");
    return new Decision(null, sb.toString());
  }

  private static Decision refused(String why) {
    return new Decision(why, null);
  }
}
