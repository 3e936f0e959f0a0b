package io.cohort.server.transport;

import java.util.concurrent.atomic.LongAdder;

/** The cumulative counters behind {@link Transport#stats()}, updated from any thread. */
final class TransportCounters {
  private final LongAdder sent = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder connects = new LongAdder();
  private final LongAdder rejectedPeers = new LongAdder();

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

  Transport.Stats snapshot() {
    return new Transport.Stats(sent.sum(), received.sum(), dropped.sum(), connects.sum(),
        rejectedPeers.sum());
  }
}
