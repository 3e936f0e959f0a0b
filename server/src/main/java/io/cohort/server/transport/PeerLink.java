package io.cohort.server.transport;

import io.cohort.proto.ConsensusMessage;
import io.cohort.proto.PeerFrame;
import io.cohort.proto.PeerHello;
import io.cohort.proto.PeerServiceGrpc;
import io.cohort.proto.PeerStreamItem;
import io.cohort.proto.PeerStreamReply;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's side of the stream it dials to one peer: the peer's bounded queue, and one
 * daemon thread that connects, says hello, then writes frames while gRPC flow control allows,
 * and redials with backoff whenever the stream ends. Messages wait in the queue while the
 * peer is unreachable or not ready, so a slow or absent peer costs a bounded amount of memory.
 * While the stream is open and ready and nothing is queued, a message is written on the
 * caller's thread instead, which spares the commit path a thread switch per message.
 */
final class PeerLink {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
  /** Longest single wait; a lost wake-up then costs at most this much, never a hang. */
  /** Longest wait between attempts to reach a peer never reached so far. */
  private static final long NEVER_REACHED_MAX_MILLIS = 200;
  private static final long WAIT_SLICE_MILLIS = 500;
  /** Messages up to this size may be written from the caller's thread (see {@link #offer}). */
  static final int DIRECT_SEND_BYTES = 256 << 10;

  private enum Phase { HANDSHAKING, OPEN, ENDED }

  private final int peer;
  private final InetSocketAddress address;
  private final GrpcTransportOptions options;
  private final TransportCounters counters;
  private final PeerStreamItem hello;
  private final DropOldestQueue<ConsensusMessage> queue;
  private final ManagedChannel channel;
  private final PeerServiceGrpc.PeerServiceStub stub;
  private final Thread sender;
  // Owned by the sender thread.
  private final Backoff backoff;
  private final DistinctReasons refusals = new DistinctReasons(32);
  private boolean everReached;
  private boolean reportedUnreachable;

  /** Wakes the sender thread: new messages, flow-control readiness, stream end, close. */
  private final Object lock = new Object();
  private boolean closed; // guarded by lock
  /** Closed with a linger: the sender thread writes what is queued, then ends the stream and the channel. */
  private boolean draining; // guarded by lock
  private long drainDeadline; // guarded by lock; System.nanoTime()
  /** The sender thread ended (or is ending): nobody is left to drain. */
  private boolean exited; // guarded by lock
  /**
   * Serializes writes to the open stream (gRPC's observer is not thread-safe) and keeps them in
   * queue order: held around taking messages off the queue and writing them.
   */
  private final Object sendLock = new Object();
  /** The stream while it is open after the hello, for writes from the caller's thread. */
  private ClientCallStreamObserver<PeerStreamItem> open; // guarded by sendLock

  PeerLink(String groupId, int self, int peer, InetSocketAddress address,
      GrpcTransportOptions options, io.grpc.ChannelCredentials credentials, TransportCounters counters, NettyLoop io) {
    this.peer = peer;
    this.address = address;
    this.options = options;
    this.counters = counters;
    this.hello = PeerStreamItem.newBuilder().setHello(PeerHello.newBuilder().setGroupId(groupId)
        .setMemberId(self).setTargetMemberId(peer)).build();
    this.queue = new DropOldestQueue<>(options.queueCapacity());
    this.backoff = new Backoff(options.backoffMin(), options.backoffMax(),
        () -> ThreadLocalRandom.current().nextDouble());
    // Callbacks only record state and wake the sender thread, so they can run on the
    // network thread; the channel's own redial backoff is reset before each of our attempts.
    this.channel = NettyChannelBuilder.forAddress(address, credentials).directExecutor()
        .eventLoopGroup(io.group()).channelType(io.channelType())
        .keepAliveTime(options.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(options.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
        .build();
    this.stub = PeerServiceGrpc.newStub(channel);
    this.sender = new Thread(this::run, "cohort-peer-" + self + "-to-" + peer);
    sender.setDaemon(true);
  }

  void start() {
    sender.start();
  }

  InetSocketAddress address() {
    return address;
  }

  /** True once its thread ended and its channel terminated (or it never started). */
  boolean isStopped() {
    return !sender.isAlive() && channel.isTerminated();
  }

  /**
   * Sends {@code message} at once from the caller's thread when it is small and the stream is open, ready and
   * nothing waits before it (no hand-off to the sender thread on the commit path); else queues
   * it. Returns true when the oldest queued message was dropped for it.
   */
  boolean offer(ConsensusMessage message) {
    synchronized (sendLock) {
      // A large message (a part of a large transaction) goes through the sender thread: writing
      // megabytes into the stream would hold the caller, the consensus loop, that long.
      if (open != null && queue.isEmpty() && open.isReady() && message.getSerializedSize() <= DIRECT_SEND_BYTES) {
        // Counted before it leaves: the peer may have it before onNext returns, and a test (or an
        // operator) comparing both sides must not find it received but not yet sent.
        counters.sent(1);
        try {
          open.onNext(frame(List.of(message)));
          return false;
        } catch (RuntimeException e) {
          counters.sent(-1);
          // The call ended under us: the sender thread sees it end and redials; queue instead.
          LOG.debug("direct send to member {} failed: {}", peer, e.toString());
        }
      }
    }
    boolean dropped = queue.offer(message);
    wake();
    return dropped;
  }

  /** Stops redialing and ends the stream at once, dropping what is queued; {@link #awaitStopped} waits for it. */
  void close() {
    close(0);
  }

  /**
   * Stops redialing. While the stream is open, what is queued (and what was written before)
   * still goes to the peer for at most {@code lingerNanos}: the stream is half-closed after the
   * last frame and ends once the peer has read it all. Then the channel stops, as with
   * {@link #close()}. A member's last words (a decision, the answer that lets a peer learn it)
   * are not lost because it stops or drops the peer right after saying them.
   */
  void close(long lingerNanos) {
    boolean now;
    synchronized (lock) {
      if (!closed) {
        closed = true;
        draining = lingerNanos > 0 && !exited && sender.isAlive();
        drainDeadline = System.nanoTime() + lingerNanos;
      } else if (lingerNanos <= 0) {
        draining = false; // closed again without a linger: stop now
        drainDeadline = System.nanoTime();
      }
      now = !draining;
      lock.notifyAll();
    }
    if (now) {
      channel.shutdownNow();
      queue.clear();
    }
  }

  /** Waits until the thread and the channel stopped or the deadline passed. */
  void awaitStopped(long deadlineNanos) throws InterruptedException {
    long left = deadlineNanos - System.nanoTime();
    if (left > 0 && sender.isAlive()) {
      TimeUnit.NANOSECONDS.timedJoin(sender, left);
    }
    left = deadlineNanos - System.nanoTime();
    if (left > 0) {
      channel.awaitTermination(left, TimeUnit.NANOSECONDS);
    }
    if (sender.isAlive() || !channel.isTerminated()) {
      LOG.warn("link to member {} at {} did not stop in time", peer, address);
    }
  }

  private static PeerStreamItem frame(List<ConsensusMessage> messages) {
    return PeerStreamItem.newBuilder()
        .setFrame(PeerFrame.newBuilder().addAllMessages(messages)).build();
  }

  private void wake() {
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  private void run() {
    try {
      runUntilClosed();
    } finally {
      boolean drained;
      synchronized (lock) {
        exited = true;
        drained = draining;
      }
      if (drained) {
        channel.shutdownNow();
        queue.clear();
      }
    }
  }

  private void runUntilClosed() {
    try {
      while (!isClosed()) {
        Attempt attempt = new Attempt();
        Status end;
        try {
          end = converse(attempt);
        } catch (RuntimeException e) {
          // A gRPC call misbehaving must not end this thread, or the peer would be lost for good.
          LOG.error("stream to member {} at {} failed unexpectedly; redialing", peer, address, e);
          end = Status.INTERNAL.withCause(e).withDescription("unexpected failure");
        }
        if (isClosed()) {
          return;
        }
        report(attempt.opened, end);
        long delay = backoff.nextMillis();
        // A peer never reached is most often a member just admitted whose group port opens a
        // moment later; its peers must reach it well within one suspicion period, or it suspects
        // them as silent as soon as it is ONLINE (seen in GroupReplicationIT).
        pause(everReached ? delay : Math.min(delay, Math.max(NEVER_REACHED_MAX_MILLIS,
            options.backoffMin().toMillis())));
      }
    } catch (InterruptedException e) {
      // Only code outside the transport interrupts this thread: take it as a request to stop.
      Thread.currentThread().interrupt();
    }
  }

  /** One stream: hello, then frames until it ends or the link is closed. Returns why it ended. */
  private Status converse(Attempt attempt) throws InterruptedException {
    channel.resetConnectBackoff();
    ClientCallStreamObserver<PeerStreamItem> out = attempt.start();
    try {
      out.onNext(hello);
      if (!awaitHandshake(attempt)) {
        return attempt.endStatus(Status.DEADLINE_EXCEEDED.withDescription(
            "no hello reply within " + options.handshakeTimeout().toMillis() + " ms"));
      }
      attempt.opened = true;
      counters.connected();
      counters.refusedBy(peer, false);
      counters.notAPeerOf(peer, false);
      backoff.reset();
      LOG.debug("connected to member {} at {}", peer, address);
      synchronized (sendLock) {
        open = out;
      }
      pump(attempt, out);
      return attempt.endStatus(Status.CANCELLED.withDescription("transport closed"));
    } finally {
      synchronized (sendLock) {
        open = null;
      }
      // Ends the call whichever way this attempt ended; harmless when the peer already ended it.
      out.cancel("stream to member " + peer + " abandoned", null);
    }
  }

  private boolean awaitHandshake(Attempt attempt) throws InterruptedException {
    long deadline = System.nanoTime() + options.handshakeTimeout().toNanos();
    synchronized (lock) {
      while (!closed && attempt.phase == Phase.HANDSHAKING) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        lock.wait(Math.min(left, WAIT_SLICE_MILLIS));
      }
      return !closed && attempt.phase == Phase.OPEN;
    }
  }

  /** Writes frames while the stream is open; returns when it ended or the link closed. */
  private void pump(Attempt attempt, ClientCallStreamObserver<PeerStreamItem> out)
      throws InterruptedException {
    while (true) {
      synchronized (lock) {
        // Back-pressure: while gRPC is not ready, messages stay queued (and the oldest go).
        while (!closed && attempt.phase == Phase.OPEN && !(out.isReady() && !queue.isEmpty())) {
          lock.wait(WAIT_SLICE_MILLIS);
        }
        if (attempt.phase != Phase.OPEN || (closed && !draining)) {
          return;
        }
        if (closed) {
          break;
        }
      }
      writeQueued(out);
    }
    drain(attempt, out);
  }

  private void writeQueued(ClientCallStreamObserver<PeerStreamItem> out) {
    synchronized (sendLock) {
      List<ConsensusMessage> batch = queue.poll(options.maxMessagesPerFrame(),
          options.maxFrameBytes(), ConsensusMessage::getSerializedSize);
      if (!batch.isEmpty()) {
        counters.sent(batch.size()); // before it leaves, as in offer
        out.onNext(frame(batch));
      }
    }
  }

  /**
   * Closed with a linger while the stream is open: writes what is queued, half-closes, and waits
   * for the peer to end the stream (it has read everything then), until the deadline.
   */
  private void drain(Attempt attempt, ClientCallStreamObserver<PeerStreamItem> out)
      throws InterruptedException {
    while (true) {
      synchronized (lock) {
        long left;
        while (attempt.phase == Phase.OPEN && !queue.isEmpty() && !out.isReady()
            && (left = drainDeadline - System.nanoTime()) > 0) {
          lock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), WAIT_SLICE_MILLIS)));
        }
        if (attempt.phase != Phase.OPEN || drainDeadline - System.nanoTime() <= 0) {
          return;
        }
        if (queue.isEmpty()) {
          break;
        }
      }
      writeQueued(out);
    }
    synchronized (sendLock) {
      open = null; // no direct writes after the half-close
      out.onCompleted();
    }
    synchronized (lock) {
      long left;
      while (attempt.phase == Phase.OPEN && (left = drainDeadline - System.nanoTime()) > 0) {
        lock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), WAIT_SLICE_MILLIS)));
      }
    }
  }

  /**
   * Logs state changes only: a lost connection, a first failure to reach the peer, or a
   * refusal not logged before; every other failed attempt goes to DEBUG.
   */
  private void report(boolean wasOpen, Status end) {
    String why = end.getCode() + (end.getDescription() == null ? "" : ": " + end.getDescription())
        + (end.getCause() == null ? "" : " (" + end.getCause().getMessage() + ")");
    everReached |= wasOpen;
    // Refused as no longer one of its peers by a member we had reached: we were removed.
    String description = end.getDescription();
    boolean notAPeer = end.getCode() == Status.Code.FAILED_PRECONDITION && description != null
        && description.contains(InboundPeerStream.NOT_A_PEER);
    counters.refusedBy(peer, everReached && notAPeer);
    counters.notAPeerOf(peer, notAPeer);
    if (wasOpen) {
      LOG.debug("lost connection to member {} at {} ({}); redialing", peer, address, why);
    } else if (end.getCode() == Status.Code.FAILED_PRECONDITION) {
      if (refusals.isNew(why)) {
        LOG.warn("member {} at {} refused this member ({}); retrying with backoff until the "
            + "group configuration is fixed", peer, address, why);
      }
    } else if (!everReached && !reportedUnreachable) {
      reportedUnreachable = true;
      LOG.info("member {} at {} is not reachable yet ({}); redialing", peer, address, why);
    } else {
      LOG.debug("could not reach member {} at {} ({})", peer, address, why);
    }
  }

  private void pause(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (lock) {
      long left;
      while (!closed && (left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) > 0) {
        lock.wait(left);
      }
    }
  }

  /** One dial: gRPC calls back here from its threads; each callback records and wakes. */
  private final class Attempt implements ClientResponseObserver<PeerStreamItem, PeerStreamReply> {
    private Phase phase = Phase.HANDSHAKING; // guarded by lock
    private Status status; // guarded by lock; why the stream ended
    private ClientCallStreamObserver<PeerStreamItem> out; // set during start(), sender thread only
    private boolean opened; // sender thread only

    ClientCallStreamObserver<PeerStreamItem> start() {
      stub.connect(this);
      return out;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<PeerStreamItem> requestStream) {
      out = requestStream;
      requestStream.setOnReadyHandler(PeerLink.this::wake);
    }

    @Override
    public void onNext(PeerStreamReply reply) {
      if (reply.hasHelloReply()) {
        moveTo(Phase.OPEN, null);
      }
    }

    @Override
    public void onError(Throwable t) {
      moveTo(Phase.ENDED, Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      moveTo(Phase.ENDED, Status.UNAVAILABLE.withDescription("member ended the stream"));
    }

    private void moveTo(Phase next, Status why) {
      synchronized (lock) {
        if (phase != Phase.ENDED) {
          phase = next;
          status = why;
        }
        lock.notifyAll();
      }
    }

    /** Why the stream ended, or {@code otherwise} if it has not (we are ending it). */
    Status endStatus(Status otherwise) {
      synchronized (lock) {
        return status != null ? status : otherwise;
      }
    }
  }
}
