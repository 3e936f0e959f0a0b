package io.cohort.server.transport;

import io.cohort.server.consensus.Message;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} between members in one JVM, joined by an {@link InMemoryNetwork}. It
 * behaves like {@link GrpcTransport} where the consensus core can tell: a bounded queue per
 * peer that drops its oldest message when full, messages held while the peer is down and
 * delivered once it runs, per-pair order, and delivery on a transport thread. One daemon
 * thread per transport moves queued messages to the receivers' consumers, so a consumer may
 * be called by several senders' threads at the same time, as with gRPC.
 *
 * <p>{@link #stats()}: {@code sent} counts messages handed to a receiver; {@code dropped} the
 * oldest messages pushed out of a full queue, messages lost to a cut link, and sends after
 * close; {@code connects} each time a running peer is reached for the first time or after it
 * restarted; {@code rejectedPeers} stays 0, as the network carries no identities to check.
 */
public final class InMemoryTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(InMemoryTransport.class);
  public static final int DEFAULT_QUEUE_CAPACITY = 1024;
  /** Messages moved for one peer before serving the next, so one busy peer cannot starve others. */
  private static final int MAX_PER_TURN = 256;
  private static final long WAIT_SLICE_MILLIS = 500;
  private static final long CLOSE_WAIT_MILLIS = 5_000;

  private final InMemoryNetwork network;
  private final int self;
  private final int queueCapacity;
  private final TransportCounters counters = new TransportCounters();
  private final Map<Integer, Outbound> outbound = new ConcurrentHashMap<>();
  private final Thread deliverer;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Consumer<Message> inbound;

  private final Object lock = new Object();
  private boolean pending; // guarded by lock: something may be deliverable

  public InMemoryTransport(InMemoryNetwork network, int self) {
    this(network, self, DEFAULT_QUEUE_CAPACITY);
  }

  /** {@code queueCapacity} messages per peer are held before the oldest is dropped. */
  public InMemoryTransport(InMemoryNetwork network, int self, int queueCapacity) {
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queue capacity must be at least 1, got " + queueCapacity);
    }
    this.network = network;
    this.self = InMemoryNetwork.checked(self);
    this.queueCapacity = queueCapacity;
    this.deliverer = new Thread(this::run, "cohort-inmemory-" + self);
    deliverer.setDaemon(true);
  }

  /** This member's id. */
  public int self() {
    return self;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if another transport of this member runs on the network
   */
  @Override
  public void start(Consumer<Message> inbound) {
    if (closed.get()) {
      throw new IllegalStateException("transport of member " + self + " is closed");
    }
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("transport of member " + self + " is already started");
    }
    this.inbound = inbound;
    network.register(this);
    deliverer.start();
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code to} is this member or not a member id, or
   *     {@code message} is not from this member
   */
  @Override
  public void send(int to, Message message) {
    if (InMemoryNetwork.checked(to) == self) {
      throw new IllegalArgumentException("member " + self + " cannot send to itself through its transport");
    }
    if (message.from() != self) {
      throw new IllegalArgumentException("member " + self + " cannot send a message from member "
          + message.from() + "; peers drop it as forged");
    }
    if (closed.get()) {
      counters.dropped(1);
      return;
    }
    if (outbound.computeIfAbsent(to, id -> new Outbound(queueCapacity)).queue.offer(message)) {
      counters.dropped(1);
    }
    wake();
  }

  @Override
  public Stats stats() {
    return counters.snapshot();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    network.unregister(this);
    wake();
    try {
      if (deliverer.isAlive()) {
        deliverer.join(CLOSE_WAIT_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    outbound.values().forEach(o -> o.queue.clear());
  }

  /** Something may have become deliverable: a new message, or a peer that came up. */
  void wake() {
    synchronized (lock) {
      pending = true;
      lock.notifyAll();
    }
  }

  /** Hands {@code m} to this member's consumer; false if this transport is closed. */
  boolean deliver(Message m) {
    if (closed.get()) {
      return false;
    }
    try {
      inbound.accept(m);
      counters.received();
    } catch (RuntimeException e) {
      // The consumer is the driver's; its failure is a bug there, not a reason to stop delivering.
      counters.dropped(1);
      LOG.error("consumer of member {} failed on a message from member {}", self, m.from(), e);
    }
    return true;
  }

  private void run() {
    try {
      while (!closed.get()) {
        synchronized (lock) {
          while (!pending && !closed.get()) {
            lock.wait(WAIT_SLICE_MILLIS);
          }
          pending = false;
        }
        if (deliverOneTurn()) {
          wake();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Moves up to a turn's worth of messages per running peer; true if some are left for one. */
  private boolean deliverOneTurn() {
    boolean more = false;
    for (Map.Entry<Integer, Outbound> e : outbound.entrySet()) {
      int to = e.getKey();
      Outbound out = e.getValue();
      InMemoryTransport receiver = network.receiver(to);
      if (receiver == null || closed.get()) {
        continue; // held, as a dialer holds messages while its peer is unreachable
      }
      if (receiver != out.lastReceiver) {
        out.lastReceiver = receiver;
        counters.connected();
      }
      List<Message> batch = out.queue.poll(MAX_PER_TURN, Long.MAX_VALUE, m -> 0);
      for (Message m : batch) {
        if (network.isLinkUp(self, to) && receiver.deliver(m)) {
          counters.sent(1);
        } else {
          counters.dropped(1);
        }
      }
      more |= !out.queue.isEmpty();
    }
    return more;
  }

  /** Messages for one peer, and the running transport they last went to. */
  private static final class Outbound {
    final DropOldestQueue<Message> queue;
    InMemoryTransport lastReceiver; // deliverer thread only

    Outbound(int capacity) {
      queue = new DropOldestQueue<>(capacity);
    }
  }
}
