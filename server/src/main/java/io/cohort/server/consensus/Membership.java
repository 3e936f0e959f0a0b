package io.cohort.server.consensus;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A configuration: the member ids that own slots round-robin, in ascending order. A
 * {@link Value.Kind#MEMBERSHIP} value carries two, in a {@link MembershipChange}; {@link #encode()}
 * is one byte per id.
 */
public record Membership(List<Integer> members) {

  public static final int MAX_MEMBER_ID = 127;

  public Membership {
    TreeSet<Integer> sorted = new TreeSet<>(members);
    if (sorted.isEmpty() || sorted.size() != members.size()) {
      throw new IllegalArgumentException("a configuration needs distinct members, got " + members);
    }
    if (sorted.first() < 0 || sorted.last() > MAX_MEMBER_ID) {
      throw new IllegalArgumentException(
          "member ids must be in 0.." + MAX_MEMBER_ID + ", got " + members);
    }
    members = List.copyOf(sorted);
  }

  /** Members 0..n-1. */
  public static Membership ofSize(int n) {
    List<Integer> m = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      m.add(i);
    }
    return new Membership(m);
  }

  public int size() {
    return members.size();
  }

  public boolean contains(int member) {
    return members.contains(member);
  }

  public int quorum() {
    return members.size() / 2 + 1;
  }

  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(members.size());
    members.forEach(m -> b.put((byte) (int) m));
    return b.array();
  }

  public static Membership decode(byte[] data) {
    List<Integer> m = new ArrayList<>(data.length);
    for (byte x : data) {
      m.add((int) x);
    }
    return new Membership(m);
  }
}
