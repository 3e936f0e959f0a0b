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

  /**
   * Peers whose peer list lacks this member now (they refuse it when it connects), whether or not
   * it reached them before: their sessions do not count on it, not even as a removed member that
   * still serves as an acceptor.
   */
  Set<Integer> notAPeerOf();

  /** Stops every connection. */
  void close();
}
