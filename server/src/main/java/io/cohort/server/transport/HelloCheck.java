package io.cohort.server.transport;

import io.cohort.proto.PeerHello;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether a member that dialed this one may talk to it: same group, a known peer
 * other than this member, and this member the one it meant to reach. A wrong answer here
 * would let a misconfigured process inject messages into the group's consensus.
 *
 * <p>The peer set changes with the group's configuration ({@link #setPeers}, from whichever
 * thread updates the transport) while gRPC threads check hellos: it is an immutable set behind
 * a volatile field, so a check sees either the old set or the new one, whole.
 */
final class HelloCheck {

  private final String groupId;
  private final int self;
  private volatile Set<Integer> peers;

  HelloCheck(String groupId, int self, Set<Integer> peers) {
    this.groupId = groupId;
    this.self = self;
    this.peers = Set.copyOf(peers);
  }

  String groupId() {
    return groupId;
  }

  int self() {
    return self;
  }

  Set<Integer> peers() {
    return peers;
  }

  void setPeers(Set<Integer> peers) {
    this.peers = Set.copyOf(peers);
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
    Set<Integer> known = peers;
    if (!known.contains(member)) {
      return "member " + member + InboundPeerStream.NOT_A_PEER + new TreeSet<>(known);
    }
    if (hello.getTargetMemberId() != self) {
      return "member " + member + " meant to reach member " + hello.getTargetMemberId()
          + " but reached member " + self + ": its peer address list is wrong";
    }
    return null;
  }
}
