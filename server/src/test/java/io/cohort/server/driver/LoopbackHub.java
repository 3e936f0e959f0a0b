package io.cohort.server.driver;

import io.cohort.server.consensus.Message;
import io.cohort.server.transport.Transport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A test-only stand-in for a network between drivers in one JVM: each member gets a
 * {@link Transport} from {@link #join}; a message is handed straight to the receiver's inbound
 * callback on the sender's thread (which only queues it). A message to a member that is not
 * joined, or whose transport is closed, is lost, as on a real network.
 */
final class LoopbackHub {

  private final Map<Integer, Endpoint> members = new ConcurrentHashMap<>();

  /** A transport for {@code member}, replacing (and closing) any earlier one: a restart. */
  Transport join(int member) {
    Endpoint e = new Endpoint(member);
    Endpoint old = members.put(member, e);
    if (old != null) {
      old.close();
    }
    return e;
  }

  private final class Endpoint implements Transport {
    private final int self;
    private volatile Consumer<Message> inbound;
    private volatile boolean closed;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    Endpoint(int self) {
      this.self = self;
    }

    @Override
    public void start(Consumer<Message> inbound) {
      if (this.inbound != null) {
        throw new IllegalStateException("transport of member " + self + " started twice");
      }
      this.inbound = inbound;
    }

    @Override
    public void send(int to, Message message) {
      if (to == self) {
        throw new IllegalArgumentException("member " + self + " sent a message to itself through"
            + " the transport: " + message);
      }
      Endpoint peer = members.get(to);
      if (closed || peer == null || !peer.accept(message)) {
        dropped.incrementAndGet();
        return;
      }
      sent.incrementAndGet();
    }

    private boolean accept(Message message) {
      Consumer<Message> in = inbound;
      if (closed || in == null) {
        return false;
      }
      received.incrementAndGet();
      in.accept(message);
      return true;
    }

    @Override
    public Stats stats() {
      return new Stats(sent.get(), received.get(), dropped.get(), 0, 0);
    }

    @Override
    public void close() {
      closed = true;
      members.remove(self, this);
    }
  }
}
