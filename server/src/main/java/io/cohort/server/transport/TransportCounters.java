package io.cohort.server.transport;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The cumulative counters behind {@link Transport#stats()}, updated from any thread. */
final class TransportCounters {
  private final LongAdder sent = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder connects = new LongAdder();
  private final LongAdder rejectedPeers = new LongAdder();
  private final Set<Integer> refusedBy = ConcurrentHashMap.newKeySet();
  private final Set<Integer> notAPeerOf = ConcurrentHashMap.newKeySet();

  /** Messages handed to the network for a peer. */
  void sent(int messages) {
    sent.add(messages);
  }

  /** A message handed to this member's consumer. */
  void received() {
    received.increment();
  }

  /** Messages lost inside this transport: queue overflow, cut links, refused inbound messages. */
  void dropped(int messages) {
    dropped.add(messages);
  }

  /** A connection to a peer became usable. */
  void connected() {
    connects.increment();
  }

  /** A peer that dialed this member was refused. */
  void rejectedPeer() {
    rejectedPeers.increment();
  }

  /** A peer this member had reached now refuses it as not one of its peers (or no longer does). */
  void refusedBy(int peer, boolean refused) {
    if (refused) {
      refusedBy.add(peer);
    } else {
      refusedBy.remove(peer);
    }
  }

  /** A peer refuses this member as not one of its peers, reached before or not (or no longer does). */
  void notAPeerOf(int peer, boolean refused) {
    if (refused) {
      notAPeerOf.add(peer);
    } else {
      notAPeerOf.remove(peer);
    }
  }

  Transport.Stats snapshot() {
    return new Transport.Stats(sent.sum(), received.sum(), dropped.sum(), connects.sum(),
        rejectedPeers.sum(), Set.copyOf(refusedBy), Set.copyOf(notAPeerOf));
  }
}
