package io.cohort.server.transport;

import io.cohort.proto.PeerHello;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether a member that dialed this one may talk to it: same group, a known peer
 * other than this member, and this member the one it meant to reach. A wrong answer here
 * would let a misconfigured process inject messages into the group's consensus.
 */
record HelloCheck(String groupId, int self, Set<Integer> peers) {

  HelloCheck {
    peers = Set.copyOf(peers);
  }

  /** Why {@code hello} is refused, phrased for the operator of the dialing member; null if accepted. */
  String refusal(PeerHello hello) {
    if (!groupId.equals(hello.getGroupId())) {
      return "group id mismatch: expected \"" + groupId + "\" got \"" + hello.getGroupId() + "\"";
    }
    int member = hello.getMemberId();
    if (member == self) {
      return "member " + member + " dialed a member with its own id: two members share that id";
    }
    if (!peers.contains(member)) {
      return "member " + member + " is not in this group's peer list " + new TreeSet<>(peers);
    }
    if (hello.getTargetMemberId() != self) {
      return "member " + member + " meant to reach member " + hello.getTargetMemberId()
          + " but reached member " + self + ": its peer address list is wrong";
    }
    return null;
  }
}
