package io.cohort.server.driver;

import io.cohort.server.consensus.AcceptorStore;
import io.cohort.server.consensus.Checkpoint;
import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.DurableState;
import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.MembershipChange;
import io.cohort.server.consensus.MenciusConfig;
import io.cohort.server.consensus.MenciusNode;
import io.cohort.server.consensus.Message;
import io.cohort.server.consensus.Ready;
import io.cohort.server.transport.IoLoop;
import io.cohort.server.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one member's {@link MenciusNode} on a dedicated event-loop thread ({@code consensus-<id>})
 * and connects it to the real world: a {@link Transport} for peers, an {@link AcceptorStore}
 * for durability, the wall clock for ticks and failure detection, and a {@link DeliveryListener}
 * for what the group decides.
 *
 * <p>Each turn of the loop waits for input until the next tick is due, then feeds the core
 * <em>everything</em> waiting (the messages it addressed to this member itself in the previous
 * turn, then every queued peer message and proposal, up to a bound), ticks it when a tick is
 * due, and only then asks it for one {@link Ready}. So all the work that piled up during the
 * previous turn's fsync shares one write to the store: the busier the member, the more
 * proposals and acceptances one fsync carries (group commit). The Ready is handled in the order
 * its Javadoc requires: send {@code messages}, save {@code persist}, send {@code afterPersist},
 * deliver {@code decided} (before the save when the Ready allows it), then {@code advance}.
 * Messages the core addresses to this member itself are kept aside and stepped back into it at
 * the start of the next turn (after {@code advance}, never through the transport). The turn
 * itself is a {@link ConsensusLoop}; this class adds the thread, the queue, the clock and the
 * proposals' futures. The whole-group simulator runs this class {@link #stepped} on simulated
 * time: without the thread, and with its clock.
 *
 * <p>Threads: the loop thread owns the core, the failure detector and everything marked
 * "loop thread" below; other threads reach it only through the input queue. When the transport
 * offers its I/O thread ({@link Transport#ioLoop}, as the gRPC transport does), that thread is
 * the loop thread: each turn is a task there, queued when input arrives, and a peer's message is
 * stepped and answered on the thread that read it, with no hand-off between threads. Such a turn
 * runs in two tasks: the first hands the Ready's messages to the transport, whose writes then
 * go out before the second task saves, sends what waited for the save and delivers. Otherwise
 * the driver runs its own thread ({@code consensus-<id>}), which waits on the queue. A failure inside
 * the loop (a broken invariant in the core, a storage error, a listener exception) stops the
 * driver for good: it is logged at ERROR, every pending proposal fails, and {@link #state()}
 * becomes {@link State#FAILED}. The caller owns the store and the transport: the driver starts
 * the transport (with itself as the receiver) but closes neither.
 */
public final class ConsensusDriver implements ConsensusPort, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ConsensusDriver.class);

  /** Queued inputs taken into the core before one Ready: bounds a turn, yet batches well. */
  private static final int MAX_INPUTS_PER_TURN = 4096;

  /** Lifecycle of a driver; it never goes back to RUNNING. */
  public enum State {
    RUNNING,
    STOPPED,
    FAILED
  }

  /**
   * A read-only snapshot of the driver's counters.
   *
   * @param state            running, stopped by close, or failed
   * @param frontier         first slot not yet delivered here
   * @param othersStable     the lowest durable checkpoint the other members of the latest
   *                         configuration reported ({@link MenciusNode#othersStable})
   * @param deliveredValues  values delivered here since start (all members' values)
   * @param fsyncs           saves to the store (one synced write each when the store syncs)
   * @param queuedInputs     peer messages and proposals waiting for the loop
   * @param pendingProposals proposals of this member accepted and not yet delivered or failed
   * @param droppedMessages  peer messages dropped because the input queue was full
   * @param suspected        peers the failure detector currently suspects
   * @param truncatedAt      the lowest point above our frontier from which a peer said it holds
   *                         decisions (it compacted those we need), or -1: when every peer says
   *                         so, this member cannot catch up from the log and needs a snapshot
   * @param deliveredBeforeSave turns that delivered decisions before their save (the Ready allowed it)
   * @param deliveredAfterSave  turns that delivered decisions only once saved
   */
  public record Stats(State state, long frontier, long othersStable, long deliveredValues, long fsyncs,
      int queuedInputs, int pendingProposals, long droppedMessages, Set<Integer> suspected,
      long truncatedAt, long deliveredBeforeSave, long deliveredAfterSave) {}

  private sealed interface Input permits Inbound, Proposal, Checkpointed, Task, Wakeup {}

  /** Work of the layer above, run on the loop thread in order with everything else ({@link #execute}). */
  private record Task(Runnable work) implements Input {}

  private record Inbound(Message message) implements Input {}

  /** The application saved its checkpoint at {@code slot} durably. */
  private record Checkpointed(long slot) implements Input {}

  /**
   * A class, not a record: {@link #propose} removes it from the queue by identity. Carries
   * either data or, when {@code change} is set, a membership change.
   */
  private static final class Proposal implements Input {
    final byte[] data;
    final MembershipChange change;
    /** Ahead of the values waiting for a slot ({@link MenciusNode#proposeFirst}). */
    final boolean first;
    final CompletableFuture<Delivered> future = new CompletableFuture<>();

    Proposal(byte[] data, MembershipChange change) {
      this(data, change, false);
    }

    Proposal(byte[] data, MembershipChange change, boolean first) {
      this.data = data;
      this.change = change;
      this.first = first;
    }
  }

  /** Only wakes the loop so it sees a close request. */
  private enum Wakeup implements Input { INSTANCE }

  private final int self;
  private final DriverSettings settings;
  private final AcceptorStore store;
  private final Transport transport;
  private final DeliveryListener listener;
  private final long tickNanos;
  /**
   * The loop's own thread; null when turns run on the transport's {@link #ioLoop}, or when the
   * caller steps the loop itself ({@link #stepped}).
   */
  private final Thread thread;
  /** The transport's I/O thread, where turns run as tasks; null otherwise. */
  private final IoLoop ioLoop;
  /** I/O loop: a turn task is queued and has not started yet. */
  private final AtomicBoolean turnQueued = new AtomicBoolean();
  /** I/O loop: the driver stopped (set once, by whichever thread stops it). */
  private final AtomicBoolean finished = new AtomicBoolean();
  /** I/O loop: counted down once the driver stopped, for {@link #close}. */
  private final CountDownLatch ended = new CountDownLatch(1);
  /** I/O loop: cancels the ticks. */
  private volatile Runnable stopTicks = () -> { };
  /** Nanoseconds: the wall clock, or the simulator's. */
  private final LongSupplier clock;
  private final LinkedBlockingQueue<Input> inbox = new LinkedBlockingQueue<>();
  private final PendingProposals pending;
  private final AtomicBoolean closeRequested = new AtomicBoolean();
  private final AtomicInteger queuedMessages = new AtomicInteger();
  private final AtomicLong droppedMessages = new AtomicLong();

  // Loop thread only.
  private final MenciusNode core;
  private final ConsensusLoop loop;
  private long nextTick;

  // Written by the loop thread only (so `+=` on a volatile is safe), read by any thread.
  private volatile State state = State.RUNNING;
  private volatile Throwable failure;
  private volatile long frontier;
  private volatile long othersStable;
  private volatile long deliveredValues;
  private volatile long fsyncs;
  private volatile Set<Integer> suspected = Set.of();
  private volatile long truncatedAt = -1;
  private volatile long deliveredBeforeSave;
  private volatile long deliveredAfterSave;
  /** Stepped: a turn runs now (a close from within it waits for its end). */
  private boolean inTurn;
  /** I/O loop: a turn handed its Ready's messages out, and its second task has yet to run (loop thread). */
  private boolean flushing;

  private ConsensusDriver(MenciusConfig consensus, DriverSettings settings, AcceptorStore store,
      Transport transport, MenciusNode core, DeliveryListener listener, LongSupplier clock, boolean threaded) {
    this.ioLoop = threaded ? transport.ioLoop().orElse(null) : null;
    this.self = consensus.self();
    this.settings = settings;
    this.store = store;
    this.transport = transport;
    this.core = core;
    this.listener = listener;
    this.clock = clock;
    this.tickNanos = TimeUnit.MILLISECONDS.toNanos(settings.tickMillis());
    this.pending = new PendingProposals(settings.maxPendingProposals());
    this.loop = new ConsensusLoop(core, store, transport::send, this::deliver,
        TimeUnit.MILLISECONDS.toNanos(settings.suspectAfterMillis()), clock.getAsLong());
    if (threaded && ioLoop == null) {
      this.thread = new Thread(this::run, "consensus-" + self);
      // A loop stuck in a disk write must not keep the process alive once close() gave up on it.
      this.thread.setDaemon(true);
    } else {
      this.thread = null;
    }
  }

  /**
   * Starts a member that delivers from slot 0 (a new group, or an application that keeps no
   * checkpoint): {@link #start(MenciusConfig, DriverSettings, AcceptorStore, Transport,
   * Checkpoint, RandomGenerator, DeliveryListener)} from the genesis of
   * {@code consensus.initial()}.
   */
  public static ConsensusDriver start(MenciusConfig consensus, DriverSettings settings,
      AcceptorStore store, Transport transport, RandomGenerator rng, DeliveryListener listener) {
    return start(consensus, settings, store, transport, Checkpoint.genesis(consensus.initial()),
        rng, listener);
  }

  /**
   * Loads the member's state from {@code store}, builds its consensus core, starts the event
   * loop and then {@code transport} (delivering to this driver).
   *
   * @param from where delivery resumes: the checkpoint the application saved with the state it
   *     applied ({@link Checkpoint#genesis} for a new member); the first decision delivered is
   *     that of slot {@code from.frontier()}, and slot ownership comes from its configurations
   * @param rng seeded by the caller (e.g. from the member id and the start time); used only
   *     for the core's retry back-off
   * @throws IllegalArgumentException when peers would be suspected between two heartbeats
   */
  public static ConsensusDriver start(MenciusConfig consensus, DriverSettings settings,
      AcceptorStore store, Transport transport, Checkpoint from, RandomGenerator rng,
      DeliveryListener listener) {
    Objects.requireNonNull(from, "from");
    DurableState restored = store.load();
    MenciusNode core = new MenciusNode(consensus, restored, from, rng);
    return begin(consensus, settings, store, restored, transport, core, listener, System::nanoTime, true);
  }

  /**
   * A driver without a thread, on {@code clockNanos}: the caller runs each turn ({@link
   * #runTurn}) and keeps {@code core} to look at. The whole-group simulator runs members so, on
   * simulated time; everything else is the threaded driver's: its inputs, their order in a turn,
   * the ticks, the proposals' futures and the shutdown. A failure in a turn stops the driver, as
   * in the threaded one, and is then thrown to the caller.
   *
   * @param core built on {@code store.load()} (see {@link #start})
   */
  public static ConsensusDriver stepped(MenciusConfig consensus, DriverSettings settings, AcceptorStore store,
      Transport transport, MenciusNode core, DeliveryListener listener, LongSupplier clockNanos) {
    return begin(consensus, settings, store, store.load(), transport, core, listener, clockNanos, false);
  }

  private static ConsensusDriver begin(MenciusConfig consensus, DriverSettings settings, AcceptorStore store,
      DurableState restored, Transport transport, MenciusNode core, DeliveryListener listener, LongSupplier clock,
      boolean threaded) {
    long heartbeatMillis = consensus.heartbeatTicks() * settings.tickMillis();
    if (settings.suspectAfterMillis() <= heartbeatMillis) {
      throw new IllegalArgumentException("consensus driver settings: suspectAfterMillis ("
          + settings.suspectAfterMillis() + ") must exceed the heartbeat interval ("
          + heartbeatMillis + " ms), or idle peers are suspected between heartbeats");
    }
    ConsensusDriver d = new ConsensusDriver(consensus, settings, store, transport, core,
        Objects.requireNonNull(listener, "listener"), clock, threaded);
    LOG.debug("consensus driver of member {} starting: incarnation {}, delivering from slot {},"
            + " members {} (latest {}), next own slot {}, {} acceptor records; {}", d.self,
        restored.incarnation() + 1, core.frontier(), core.membership().members(),
        core.latestConfiguration().members(), restored.nextOwnSlot(), restored.acceptor().size(),
        settings);
    if (d.ioLoop != null) {
      d.turnQueued.set(true);
      d.ioLoop.execute(d::firstLoopTurn);
      d.stopTicks = d.ioLoop.every(d.tickNanos, d::wake);
    } else if (threaded) {
      d.thread.start();
    } else {
      d.firstTurn();
    }
    try {
      transport.start(d::receive);
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
    return d;
  }

  /**
   * Proposes {@code data} (copied) in one of this member's slots. Callable from any thread.
   *
   * <p>The future completes when the value is delivered here, or exceptionally with
   * {@link ProposalRejectedException} (too many pending: nothing was proposed) or
   * {@link DriverStoppedException} (outcome unknown). It completes on the loop thread: chain
   * work on it with the {@code *Async} methods, or consensus waits for that work.
   */
  @Override
  public CompletableFuture<Delivered> propose(byte[] data) {
    Objects.requireNonNull(data, "data");
    return submit(new Proposal(data.clone(), null));
  }

  /**
   * As {@link #propose}, without copying {@code data}: the caller hands the array over and never
   * changes it. The value delivered here carries this very array, so a caller may recognise its
   * own proposal by identity.
   */
  @Override
  public CompletableFuture<Delivered> proposeOwned(byte[] data) {
    Objects.requireNonNull(data, "data");
    return submit(new Proposal(data, null));
  }

  /**
   * As {@link #proposeOwned}, ahead of this member's values still waiting for a slot
   * ({@link MenciusNode#proposeFirst}): for the next part of a message under way.
   */
  @Override
  public CompletableFuture<Delivered> proposeOwnedFirst(byte[] data) {
    Objects.requireNonNull(data, "data");
    return submit(new Proposal(data, null, true));
  }

  /**
   * Proposes a conditional change of configuration (see {@link MembershipChange} for the rule):
   * if {@code expected} is still the latest configuration when the value is delivered,
   * {@code next} governs slots from that slot plus the horizon on. Callable from any thread.
   *
   * <p>The future completes as for {@link #propose} when the value is delivered here, whether
   * or not the change applied: the application tells by tracking the latest configuration
   * through the delivered MEMBERSHIP values. It also fails with {@link IllegalArgumentException}
   * when {@code next} is too large for the group's horizon (nothing was proposed).
   *
   * @param attachment delivered verbatim with the change (copied)
   */
  @Override
  public CompletableFuture<Delivered> proposeMembership(Membership expected, Membership next,
      byte[] attachment) {
    Objects.requireNonNull(attachment, "attachment");
    return submit(new Proposal(null, new MembershipChange(expected, next, attachment)));
  }

  private CompletableFuture<Delivered> submit(Proposal p) {
    if (state != State.RUNNING || closeRequested.get()) {
      return CompletableFuture.failedFuture(stoppedException());
    }
    if (!pending.tryReserve()) {
      return CompletableFuture.failedFuture(new ProposalRejectedException("member " + self
          + " has " + pending.max() + " proposals waiting for consensus, the maximum"
          + " (maxPendingProposals); retry once some complete"));
    }
    enqueue(p);
    // The loop sets the state before it drains the queue for the last time; if it has done so,
    // it may have missed this proposal, and whichever of us removes it fails it.
    if (state != State.RUNNING && inbox.remove(p)) {
      pending.release();
      p.future.completeExceptionally(stoppedException());
    }
    return p.future;
  }

  /**
   * The application saved, durably, the checkpoint it takes at {@code slot} ({@link
   * MenciusNode#checkpointed}): from now on the group keeps what this member would need to
   * deliver again from there after a crash, and no more. Callable from any thread.
   */
  @Override
  public void checkpointed(long slot) {
    enqueue(new Checkpointed(slot));
  }

  /**
   * Runs {@code work} on the loop thread, in order with the deliveries and proposals around it:
   * the group layer's state has one owner, and other threads reach it only through here. Once
   * the loop has stopped, {@code work} runs on the caller's thread instead (nothing else owns
   * the state any more); either way it runs exactly once. It must not throw: an exception stops
   * the driver, like a listener's.
   */
  @Override
  public void execute(Runnable work) {
    Task t = new Task(work);
    enqueue(t);
    // As in submit(): the loop sets the state before its last drain; whoever removes it runs it.
    if (state != State.RUNNING && inbox.remove(t)) {
      work.run();
    }
  }

  public int self() {
    return self;
  }

  public State state() {
    return state;
  }

  /** Why the driver failed, when it is {@link State#FAILED}. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public Stats stats() {
    return new Stats(state, frontier, othersStable, deliveredValues, fsyncs, inbox.size(), pending.count(),
        droppedMessages.get(), suspected, truncatedAt, deliveredBeforeSave, deliveredAfterSave);
  }

  /**
   * Stops the loop: pending proposals fail with {@link DriverStoppedException}, queued input is
   * dropped (as in a crash; the core is built for it). Waits for the loop to end, at most twice
   * the close timeout (the second half after interrupting it). Idempotent; from the loop thread
   * itself (a listener) it only asks, and the loop ends after the current turn.
   */
  @Override
  public void close() {
    if (closeRequested.compareAndSet(false, true)) {
      enqueue(Wakeup.INSTANCE);
    }
    if (ioLoop != null) {
      awaitLoopEnd();
      return;
    }
    if (thread == null) {
      if (state == State.RUNNING && !inTurn) {
        shutdown(null); // stepped: the caller's thread is the loop's, and no turn runs now
      }
      return;
    }
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      thread.join(settings.closeTimeoutMillis());
      if (thread.isAlive()) {
        LOG.warn("consensus driver of member {} did not stop within {} ms; interrupting it",
            self, settings.closeTimeoutMillis());
        thread.interrupt();
        thread.join(settings.closeTimeoutMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.error("consensus driver of member {} is still running after close; its thread is"
          + " abandoned (stuck in the store or the transport?)", self);
    }
  }

  // ---- transport threads ----

  private void receive(Message m) {
    if (state != State.RUNNING) {
      return;
    }
    if (queuedMessages.incrementAndGet() > settings.maxQueuedMessages()) {
      queuedMessages.decrementAndGet();
      droppedMessages.incrementAndGet();
      return;
    }
    enqueue(new Inbound(m));
  }

  /** Queues an input; on the I/O loop, also a turn to take it (one for all queued meanwhile). */
  private void enqueue(Input in) {
    inbox.add(in);
    if (ioLoop != null) {
      wake();
    }
  }

  // ---- the loop thread ----

  private void run() {
    Throwable cause = null;
    try {
      loop();
    } catch (Throwable t) {
      cause = t;
      LOG.error("consensus driver of member {} failed and stopped; the member must be restarted",
          self, t);
    } finally {
      shutdown(cause);
    }
  }

  private void loop() {
    firstTurn();
    List<Input> inputs = new ArrayList<>();
    while (!closeRequested.get()) {
      long wait = loop.hasWork() ? 0 : Math.max(0, nextTick - clock.getAsLong());
      Input first;
      try {
        first = inbox.poll(wait, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        LOG.warn("consensus driver of member {} interrupted; stopping", self);
        return;
      }
      if (first != null) {
        inputs.add(first);
        inbox.drainTo(inputs, MAX_INPUTS_PER_TURN - 1);
      }
      turn(inputs);
      inputs.clear();
    }
  }

  /** The first Ready persists the new incarnation before any ballot that carries it leaves. */
  private void firstTurn() {
    nextTick = clock.getAsLong() + tickNanos;
    flush();
  }

  private void turn(List<Input> inputs) {
    beginTurn(inputs);
    flush();
    endTurn();
  }

  /** What the core addressed to itself, then {@code inputs}, then a tick when one is due. */
  private void beginTurn(List<Input> inputs) {
    // Bounded by what the previous turn's Ready addressed to us; new ones wait for next turn.
    loop.stepSelf();
    for (Input in : inputs) {
      take(in);
    }
    long now = clock.getAsLong();
    if (now - nextTick >= 0) {
      tick(now);
      // After a stall (a slow fsync, a GC pause) tick once, not once per missed interval: a
      // burst of ticks would fire every timeout of the core at once.
      nextTick = now - nextTick >= tickNanos ? now + tickNanos : nextTick + tickNanos;
    }
  }

  private void endTurn() {
    if (loop.endTurn(clock.getAsLong())) {
      suspected = loop.suspected(); // a member no longer watched is no longer suspected
    }
    frontier = core.frontier();
    othersStable = core.othersStable();
  }

  // ---- on the transport's I/O loop ----

  /** Queues a turn unless one is queued already. Any thread. */
  private void wake() {
    if (turnQueued.compareAndSet(false, true)) {
      try {
        ioLoop.execute(this::loopTurn);
      } catch (RejectedExecutionException e) {
        // The transport was closed under a running driver: nothing is left to run the loop.
        turnQueued.set(false);
        finish(new IllegalStateException("the transport's I/O thread stopped under a running consensus driver"));
      }
    }
  }

  private void firstLoopTurn() {
    turnQueued.set(false);
    try {
      firstTurn();
      again();
    } catch (Throwable t) {
      failed(t);
    }
  }

  /**
   * One turn over everything queued: its first part. When the core has a Ready, its messages go
   * to the transport now and the rest of it runs in {@link #loopTurnEnd}, a task queued behind
   * the transport's writes: the messages are on the wire while the store syncs.
   */
  private void loopTurn() {
    turnQueued.set(false);
    if (state != State.RUNNING || flushing) {
      return; // stopped, or loopTurnEnd is queued and looks at the queue when it is done
    }
    try {
      if (closeRequested.get()) {
        finish(null);
        return;
      }
      List<Input> inputs = new ArrayList<>();
      inbox.drainTo(inputs, MAX_INPUTS_PER_TURN);
      beginTurn(inputs);
      if (loop.startFlush()) {
        flushing = true;
        ioLoop.execute(this::loopTurnEnd);
        return;
      }
      endTurn();
      again();
    } catch (Throwable t) {
      failed(t);
    }
  }

  private void loopTurnEnd() {
    flushing = false;
    try {
      loop.finishFlush();
      publishFlush();
      endTurn();
      again();
    } catch (Throwable t) {
      failed(t);
    }
  }

  /** Queues the next turn when something is left to do (or a close to carry out). */
  private void again() {
    if (closeRequested.get() || loop.hasWork() || !inbox.isEmpty()) {
      wake();
    }
  }

  private void failed(Throwable t) {
    LOG.error("consensus driver of member {} failed and stopped; the member must be restarted", self, t);
    finish(t);
  }

  /** Stops the driver once, from whichever thread gets here first. */
  private void finish(Throwable cause) {
    if (finished.compareAndSet(false, true)) {
      try {
        stopTicks.run();
        shutdown(cause);
      } finally {
        ended.countDown();
      }
    }
  }

  /** close() on the I/O loop: waits for the driver to stop, unless called from a turn. */
  private void awaitLoopEnd() {
    if (ioLoop.inLoop()) {
      return; // the turn that asked ends first; the next one stops the driver
    }
    try {
      if (!ended.await(2L * settings.closeTimeoutMillis(), TimeUnit.MILLISECONDS)) {
        LOG.error("consensus driver of member {} is still running after close; its turn on the"
            + " transport's I/O thread is stuck (in the store?)", self);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- stepped (no thread: the caller's thread runs the loop) ----

  /**
   * Stepped: one turn over everything queued now, with a tick when one is due. Does nothing once
   * the driver stopped.
   */
  public void runTurn() {
    if (thread != null || ioLoop != null) {
      throw new IllegalStateException("consensus driver of member " + self + " runs its own thread");
    }
    if (state != State.RUNNING) {
      return;
    }
    List<Input> inputs = new ArrayList<>();
    inbox.drainTo(inputs, MAX_INPUTS_PER_TURN);
    inTurn = true;
    try {
      turn(inputs);
    } catch (RuntimeException | Error e) {
      LOG.error("consensus driver of member {} failed and stopped", self, e);
      shutdown(e);
      throw e;
    } finally {
      inTurn = false;
    }
    if (closeRequested.get()) {
      shutdown(null);
    }
  }

  /** Stepped: a turn would do something now (input queued, or messages to itself). */
  public boolean hasWork() {
    return state == State.RUNNING && (loop.hasWork() || !inbox.isEmpty());
  }

  private void take(Input in) {
    if (in instanceof Inbound i) {
      queuedMessages.decrementAndGet();
      Message m = i.message();
      if (loop.receive(m, clock.getAsLong())) {
        suspected = loop.suspected();
        LOG.info("member {} trusts member {} again: heard from it", self, m.from());
      }
    } else if (in instanceof Proposal p) {
      if (p.change == null) {
        pending.track(loop.propose(p.data, p.first), p.future);
        return;
      }
      long id;
      try {
        id = loop.proposeMembership(p.change.expected(), p.change.next(), p.change.attachment());
      } catch (IllegalArgumentException e) {
        // The core refused it before queueing anything (too large for the horizon).
        pending.release();
        p.future.completeExceptionally(e);
        return;
      }
      pending.track(id, p.future);
    } else if (in instanceof Checkpointed c) {
      loop.checkpointed(c.slot());
    } else if (in instanceof Task t) {
      t.work().run();
    }
  }

  private void tick(long now) {
    List<Integer> silent = loop.tick(now);
    truncatedAt = core.snapshotNeeded().orElse(-1);
    for (int m : silent) {
      LOG.info("member {} suspects member {}: silent, or deaf to what the group decided, for more"
          + " than {} ms; revoking its slots", self, m, settings.suspectAfterMillis());
    }
    if (!silent.isEmpty()) {
      suspected = loop.suspected();
    }
  }

  private void flush() {
    loop.flush();
    publishFlush();
  }

  private void publishFlush() {
    fsyncs = loop.saves();
    deliveredValues = loop.deliveredValues();
    deliveredBeforeSave = loop.deliveredBeforeSave();
    deliveredAfterSave = loop.deliveredAfterSave();
  }

  /** Each decision, in slot order: the listener first, then this member's proposals in it. */
  private void deliver(Decision d) {
    listener.delivered(d);
    pending.delivered(d);
  }

  private void shutdown(Throwable cause) {
    failure = cause;
    // Set before the last drain of the queue: see propose().
    state = cause == null ? State.STOPPED : State.FAILED;
    DriverStoppedException stopped = stoppedException();
    List<Input> left = new ArrayList<>();
    inbox.drainTo(left);
    for (Input in : left) {
      if (in instanceof Proposal p) {
        pending.release();
        p.future.completeExceptionally(stopped);
      } else if (in instanceof Task t) {
        try {
          t.work().run();
        } catch (RuntimeException e) {
          LOG.error("consensus driver of member {}: a task queued before it stopped failed", self, e);
        }
      }
    }
    pending.failAll(stopped);
    LOG.debug("consensus driver of member {} {} at frontier {}", self,
        cause == null ? "stopped" : "failed", frontier);
  }

  private DriverStoppedException stoppedException() {
    Throwable cause = failure;
    if (cause != null) {
      return new DriverStoppedException("consensus driver of member " + self + " failed ("
          + cause + "); the proposal's outcome is unknown: restart the member and check whether"
          + " the value was delivered before proposing it again", cause);
    }
    return new DriverStoppedException("consensus driver of member " + self + " is closed; the"
        + " proposal's outcome is unknown: check whether the value was delivered before"
        + " proposing it again", null);
  }
}
