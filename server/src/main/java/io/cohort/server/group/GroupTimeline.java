package io.cohort.server.group;

import io.cohort.proto.GroupEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The latest group events this member delivered (view changes, elections, members turning
 * ONLINE), for status and the dashboard. Bounded: the oldest go first. Written by the consensus
 * loop, read by any thread.
 */
final class GroupTimeline {
  static final int CAPACITY = 100;

  private final ArrayDeque<GroupEvent> events = new ArrayDeque<>(); // guarded by this
  private final LongSupplier clock;

  GroupTimeline(LongSupplier clock) {
    this.clock = clock;
  }

  void add(String viewId, String kind, String memberId, List<String> members) {
    GroupEvent e = GroupEvent.newBuilder().setAtMs(clock.getAsLong()).setViewId(viewId).setKind(kind)
        .setMemberId(memberId).addAllMembers(members).build();
    synchronized (this) {
      if (events.size() == CAPACITY) {
        events.removeFirst();
      }
      events.addLast(e);
    }
  }

  synchronized List<GroupEvent> events() {
    return List.copyOf(events);
  }
}
