package io.cohort.server.group;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;

/**
 * The part of the peer transport a {@link GroupSession} steers: which members it keeps
 * connections to, and which of them refuse this member as no longer one of theirs. The gRPC
 * transport in a member process; the simulated network in the whole-group simulator.
 */
interface SessionPeers {

  /** Connect to exactly these members (by consensus id); others are dropped and refused. */
  void update(Map<Integer, InetSocketAddress> peers);

  /** Peers this member had reached that now refuse it as no longer one of theirs. */
  Set<Integer> refusedBy();

  /** Stops every connection. */
  void close();
}
