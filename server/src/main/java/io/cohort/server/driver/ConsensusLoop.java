package io.cohort.server.driver;

import io.cohort.server.consensus.AcceptorStore;
import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.Envelope;
import io.cohort.server.consensus.MenciusNode;
import io.cohort.server.consensus.Message;
import io.cohort.server.consensus.Ready;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of one member's consensus event loop, with no thread and no clock of its own: a
 * {@link MenciusNode} and its {@link SilenceDetector}, fed peer messages, proposals and ticks,
 * and one {@link Ready} handled at a time in the order the core requires (send
 * {@code messages}, save {@code persist}, send {@code afterPersist}, deliver {@code decided},
 * {@code advance}; {@code decided} goes before the save when the Ready allows it). The caller
 * passes the time (nanoseconds in a member process, ticks in the simulator; only differences
 * count).
 *
 * <p>{@link ConsensusDriver} runs it on its loop thread against the wall clock, a transport
 * and a synced store; the whole-group simulator steps the same class on simulated time,
 * network and disk, so what the simulator checks is what a member runs.
 *
 * <p>A turn is: {@link #stepSelf}, then any number of {@link #receive}, {@code propose} and
 * {@link #tick} calls, then {@link #flush} and {@link #endTurn}. Messages the core addresses to
 * this member itself are kept aside and stepped back into it at the start of the next turn
 * (after {@code advance}, never through the network). Not thread-safe: one thread owns it.
 */
public final class ConsensusLoop {

  private static final Logger LOG = LoggerFactory.getLogger(ConsensusLoop.class);
  /** A turn longer than this is logged (at most every {@link #SLOW_TURN_LOG_EVERY_NANOS}). */
  private static final long SLOW_TURN_NANOS = 500_000_000L;
  private static final long SLOW_TURN_LOG_EVERY_NANOS = 10_000_000_000L;
  private long lastSlowTurnLog = System.nanoTime() - SLOW_TURN_LOG_EVERY_NANOS;

  private final MenciusNode core;
  private final SilenceDetector detector;
  private final AcceptorStore store;
  private final BiConsumer<Integer, Message> network;
  private final DeliveryListener listener;
  private final ArrayDeque<Message> toSelf = new ArrayDeque<>();
  /** The Ready between {@link #startFlush} and {@link #finishFlush}; null otherwise. */
  private Ready flushing;
  /** The core's delivery point when the detector last followed its configurations. */
  private long watchedAt;
  private long saves;
  private long deliveredValues;
  private long deliveredBeforeSave;
  private long deliveredAfterSave;

  /**
   * @param network  sends a message to another member ({@code Transport.send}); never blocks
   * @param listener told of every decision, in slot order
   * @param suspectAfter a peer silent (or deaf) for this long is suspected, in the caller's unit
   * @param now      the current time: every peer counts as heard now
   */
  public ConsensusLoop(MenciusNode core, AcceptorStore store, BiConsumer<Integer, Message> network,
      DeliveryListener listener, long suspectAfter, long now) {
    this.core = core;
    this.store = store;
    this.network = network;
    this.listener = listener;
    // Members of configurations still to come are watched too: they are sent to and will own
    // slots, and a silent one must be suspected before its first slot stalls delivery.
    this.detector = new SilenceDetector(core.self(), core.currentAndFutureMembers(), suspectAfter, now);
    this.watchedAt = core.frontier();
  }

  /** Something is left to do without new input: messages to itself, or a Ready. */
  public boolean hasWork() {
    return !toSelf.isEmpty() || core.hasReady();
  }

  /** Steps into the core what it addressed to itself in the previous turn (not those it adds now). */
  public void stepSelf() {
    for (int n = toSelf.size(); n > 0; n--) {
      core.step(toSelf.poll());
    }
  }

  /**
   * A peer's message: a sign of life for the failure detector, then a step of the core. True
   * when it ended the sender's suspicion.
   */
  public boolean receive(Message m, long now) {
    boolean trusted = detector.received(m, now);
    if (trusted) {
      core.trust(m.from());
    }
    core.step(m);
    return trusted;
  }

  /**
   * Proposes {@code data} in one of this member's slots, ahead of what waits for one when
   * {@code first} ({@link MenciusNode#proposeFirst}); returns the value's id.
   */
  public long propose(byte[] data, boolean first) {
    return first ? core.proposeFirst(data) : core.propose(data);
  }

  /**
   * Proposes a conditional configuration change ({@link MenciusNode#proposeMembership}); returns
   * the value's id.
   *
   * @throws IllegalArgumentException when {@code next} is too large for the horizon (nothing queued)
   */
  public long proposeMembership(io.cohort.server.consensus.Membership expected,
      io.cohort.server.consensus.Membership next, byte[] attachment) {
    return core.proposeMembership(expected, next, attachment);
  }

  /** The application saved, durably, its checkpoint at {@code slot}. */
  public void checkpointed(long slot) {
    core.checkpointed(slot);
  }

  /**
   * One tick of the core's clock; peers silent (or deaf) past the threshold are suspected and
   * their slots revoked. Returns those newly suspected.
   */
  public List<Integer> tick(long now) {
    core.tick();
    List<Integer> silent = detector.newlySilent(now);
    for (int m : silent) {
      core.suspect(m);
    }
    return silent;
  }

  /**
   * Handles the core's Ready, if it has one. One is enough: {@code advance} leaves the core
   * with nothing more to hand out until it gets new input, and that waits for the next turn.
   */
  public void flush() {
    if (startFlush()) {
      finishFlush();
    }
  }

  /**
   * The first part of {@link #flush}: takes the core's Ready, if it has one, and hands its
   * {@code messages} to the network. True when it did; then {@link #finishFlush} must follow
   * before anything else is given to the core. A caller whose network writes go out only once it
   * returns to its event loop (the transport's {@link io.cohort.server.transport.IoLoop}) lets
   * them go between the two parts, so they are on the wire while the store syncs.
   */
  public boolean startFlush() {
    if (!core.hasReady()) {
      return false;
    }
    flushing = core.ready();
    send(flushing.messages());
    return true;
  }

  /** The rest of the Ready {@link #startFlush} took: save, send what waited for it, deliver, advance. */
  public void finishFlush() {
    Ready rd = flushing;
    if (rd == null) {
      throw new IllegalStateException("finishFlush without startFlush");
    }
    flushing = null;
    long t0 = System.nanoTime();
    if (rd.decidedBeforePersist()) {
      deliver(rd);
    }
    long t1 = System.nanoTime();
    if (rd.persist().isPresent()) {
      if (!rd.decided().isEmpty()) {
        if (rd.decidedBeforePersist()) {
          deliveredBeforeSave++;
        } else {
          deliveredAfterSave++;
        }
      }
      store.save(rd.persist().get());
      saves++;
    }
    long t2 = System.nanoTime();
    send(rd.afterPersist());
    if (!rd.decidedBeforePersist()) {
      deliver(rd);
    }
    long t3 = System.nanoTime();
    if (t3 - t0 > SLOW_TURN_NANOS && t3 - lastSlowTurnLog > SLOW_TURN_LOG_EVERY_NANOS) {
      // The loop sends nothing meanwhile, heartbeats included: a peer that hears nothing for
      // its suspicion timeout suspects this member. Once per ten seconds at most.
      lastSlowTurnLog = t3;
      LOG.warn("member {}: one consensus turn took {} ms (saving acceptor state {} ms, delivering {} ms);"
          + " peers suspect a member silent for longer than their suspicion timeout: is the disk or the CPU"
          + " overloaded?", core.self(), (t3 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
          (t1 - t0 + t3 - t2) / 1_000_000);
    }
    core.advance(rd);
  }

  private void deliver(Ready rd) {
    for (Decision d : rd.decided()) {
      listener.delivered(d);
      deliveredValues += d.values().size();
    }
  }

  /**
   * Ends a turn: the detector learns where delivery stands and which members to watch. True
   * when members stopped being watched, so {@link #suspected} may have changed.
   */
  public boolean endTurn(long now) {
    boolean dropped = followConfigurations(now);
    detector.progressed(core.frontier(), core.waitingOn(), core.waitingOnProposal(), now);
    return dropped;
  }

  /** One whole turn with no outside input: what the core addressed to itself, then its Ready. */
  public void turn(long now) {
    stepSelf();
    flush();
    endTurn(now);
  }

  /**
   * Deliveries may have moved the core past a configuration's start, or a change may have
   * applied: watch exactly the members of the configurations from the delivery point on. A
   * member no longer in any of them owns no slot we still wait for, so its suspicion ends.
   */
  private boolean followConfigurations(long now) {
    if (core.frontier() == watchedAt) {
      return false;
    }
    watchedAt = core.frontier();
    List<Integer> before = detector.watched();
    List<Integer> dropped = detector.watch(core.currentAndFutureMembers(), now);
    for (int m : dropped) {
      core.trust(m);
    }
    List<Integer> after = detector.watched();
    if (!after.equals(before)) {
      LOG.debug("member {} now watches members {} (was {}): the configurations changed", core.self(),
          after, before);
    }
    return !dropped.isEmpty();
  }

  private void send(List<Envelope> envelopes) {
    for (Envelope e : envelopes) {
      if (e.to() == core.self()) {
        toSelf.add(e.message());
      } else {
        network.accept(e.to(), e.message());
      }
    }
  }

  // ---- what it shows (owner thread) ----

  public MenciusNode core() {
    return core;
  }

  public long frontier() {
    return core.frontier();
  }

  public Set<Integer> suspected() {
    return detector.suspected();
  }

  /** Saves to the store (one synced write each when the store syncs). */
  public long saves() {
    return saves;
  }

  /** Readies with a save whose decisions were handed on before it. */
  public long deliveredBeforeSave() {
    return deliveredBeforeSave;
  }

  /** Readies with a save whose decisions waited for it (it made an own skip final). */
  public long deliveredAfterSave() {
    return deliveredAfterSave;
  }

  /** Values delivered here since start (every member's). */
  public long deliveredValues() {
    return deliveredValues;
  }
}
