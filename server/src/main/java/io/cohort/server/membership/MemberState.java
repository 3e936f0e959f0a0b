package io.cohort.server.membership;

/** A member's state as users of MySQL Group Replication know it. */
public enum MemberState {
  /** In the view, caught up, serving. */
  ONLINE,
  /** In the view, catching up from a donor; deliveries are held. */
  RECOVERING,
  /** In the view, but this member has not heard from it for a while (a local judgement). */
  UNREACHABLE,
  /** Left the group involuntarily (expelled, lost the majority, failed recovery). */
  ERROR,
  /** Not in a group. */
  OFFLINE
}
