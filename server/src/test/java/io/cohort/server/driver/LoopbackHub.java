package io.cohort.server.driver;

import io.cohort.server.consensus.Message;
import io.cohort.server.transport.IoLoop;
import io.cohort.server.transport.Transport;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A test-only stand-in for a network between drivers in one JVM: each member gets a
 * {@link Transport} from {@link #join}; a message is handed straight to the receiver's inbound
 * callback on the sender's thread (which only queues it). A message to a member that is not
 * joined, or whose transport is closed, is lost, as on a real network.
 *
 * <p>With I/O loops, each transport has one thread of its own, offered as its
 * {@link Transport#ioLoop} as the gRPC transport offers its network thread: a message is
 * handed to the receiver on that thread, and closing the transport stops it.
 */
final class LoopbackHub {

  private final Map<Integer, Endpoint> members = new ConcurrentHashMap<>();
  private final boolean ioLoops;

  /** @param ioLoops whether each transport has an I/O thread for the driver to run on */
  LoopbackHub(boolean ioLoops) {
    this.ioLoops = ioLoops;
  }

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
    private final Loop loop;

    Endpoint(int self) {
      this.self = self;
      this.loop = ioLoops ? new Loop(self) : null;
    }

    @Override
    public Optional<IoLoop> ioLoop() {
      return Optional.ofNullable(loop == null ? null : loop.io);
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
      if (loop == null) {
        in.accept(message);
        return true;
      }
      try {
        loop.io.execute(() -> in.accept(message));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return false; // closed meanwhile
      }
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
      if (loop != null) {
        loop.executor.shutdownNow();
      }
    }
  }

  /** One member's I/O thread: a one-thread pool, stopped with its transport. */
  private static final class Loop {
    private final ScheduledExecutorService executor;
    private final IoLoop io;
    private volatile Thread thread;

    Loop(int self) {
      ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "loopback-io-" + self);
        t.setDaemon(true);
        thread = t;
        return t;
      });
      e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      this.executor = e;
      this.io = IoLoop.on(e, () -> Thread.currentThread() == thread);
    }
  }
}
