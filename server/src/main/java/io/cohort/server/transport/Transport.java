package io.cohort.server.transport;

import io.cohort.server.consensus.Message;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * How a member's consensus driver exchanges {@link Message}s with its peers. The core never
 * sees which implementation it runs on (in-memory for tests, gRPC between processes).
 *
 * <p>Delivery is best effort: a message may be lost, duplicated across a reconnection, or
 * reordered between two connections; the consensus core retries what matters. {@link #send}
 * never blocks the caller (the driver's event loop): each peer has a bounded outbound queue,
 * and when it is full the oldest queued message is dropped and counted.
 */
public interface Transport extends AutoCloseable {

  /**
   * Starts connecting to peers and accepting their connections. {@code inbound} is called for
   * every message received from a peer, from transport threads; it must not block for long.
   */
  void start(Consumer<Message> inbound);

  /** Queues {@code message} for member {@code to} (never this member itself). */
  void send(int to, Message message);

  /** Counters for status and tests. */
  Stats stats();

  /**
   * The thread this transport does its network I/O on, when it has exactly one and lets the
   * consensus loop run its turns there; empty when it delivers on threads of its own choosing.
   */
  default Optional<IoLoop> ioLoop() {
    return Optional.empty();
  }

  /**
   * Stops all connections and threads. Messages still queued may be lost (an implementation may
   * let them go out for a bounded time first). Idempotent.
   */
  @Override
  void close();

  /** Cumulative counters since start. */
  record Stats(long sent, long received, long dropped, long connects, long rejectedPeers,
      Set<Integer> refusedBy, Set<Integer> notAPeerOf) {

    public Stats {
      refusedBy = Set.copyOf(refusedBy);
      notAPeerOf = Set.copyOf(notAPeerOf);
    }

    /** Counters only; no peer refuses this member. */
    public Stats(long sent, long received, long dropped, long connects, long rejectedPeers) {
      this(sent, received, dropped, connects, rejectedPeers, Set.of(), Set.of());
    }
  }
}
