package io.cohort.server.group;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cohort.proto.GroupState;
import io.cohort.proto.SessionCheckpoint;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.storage.Storage;
import java.util.ArrayDeque;

/**
 * Keeps this member's place in the group it runs in: the group state at a recent slot, with
 * its consensus id ({@link SessionCheckpoint}). A restarted member that finds one (and its
 * acceptor store) takes its place up again under the same consensus id and delivers again from
 * that slot, instead of joining as a new member and copying the data from a donor.
 *
 * <p>A checkpoint is written only once this member has applied every transaction certified
 * before it, so that the certifier can be rebuilt from its own log; only then is the consensus
 * core told it may let the group forget decisions below it ({@code ConsensusDriver.checkpointed}).
 * The checkpoint is removed when the member leaves the group: a stale one is never resumed.
 *
 * <p>Threads: {@link #offer} from the delivery loop or the recovery thread; {@link
 * #persistIfApplied} from the group timer; {@link #begin} and {@link #clear} from the lifecycle
 * thread. All synchronized: a cleared session's checkpoint must never be written afterwards.
 */
final class SessionStore {
  /** Where the checkpoint is kept: a synced metadata entry, or the simulator's disk. */
  interface Cell {
    byte[] get();

    /** Writes durably before returning. */
    void put(byte[] value);

    /** Deletes durably before returning. */
    void clear();
  }

  /**
   * Checkpoints offered and not yet written, oldest first, at most this many: under a load the
   * applier trails delivery, and a checkpoint is written only once applied, so always replacing
   * the one waiting with a newer one could keep any from ever being written.
   */
  static final int MAX_PENDING = 32;

  private final Cell cell;
  /** The session whose checkpoints are taken now (epoch, consensus id), or -1 between sessions. */
  private long epoch = -1;
  private int self = -1;
  private final ArrayDeque<SessionCheckpoint> pending = new ArrayDeque<>();

  SessionStore(Cell cell) {
    this.cell = cell;
  }

  static SessionStore on(Storage storage) {
    return new SessionStore(new Cell() {
      @Override
      public byte[] get() {
        return storage.getMeta(MetaKeys.GROUP_SESSION);
      }

      @Override
      public void put(byte[] value) {
        storage.putMetaNow(MetaKeys.GROUP_SESSION, value);
      }

      @Override
      public void clear() {
        storage.deleteMetaNow(MetaKeys.GROUP_SESSION);
      }
    });
  }

  /** The checkpoint on disk, or null. */
  synchronized SessionCheckpoint load() {
    byte[] b = cell.get();
    if (b == null) {
      return null;
    }
    try {
      return SessionCheckpoint.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("this member's stored group session is unreadable: " + e.getMessage(), e);
    }
  }

  /** From now on, checkpoints of the session of consensus member {@code self} in {@code epoch} are kept. */
  synchronized void begin(long epoch, int self) {
    this.epoch = epoch;
    this.self = self;
    pending.clear();
  }

  /** The group state at the end of a delivered slot, to keep once everything certified before it is applied. */
  synchronized void offer(int consensusId, GroupState state) {
    if (consensusId != self || state.getEpoch() != epoch) {
      return; // a session that ended: its place in the group is gone
    }
    SessionCheckpoint last = pending.peekLast();
    if (last != null && state.getFrontier() <= last.getState().getFrontier()) {
      return;
    }
    if (pending.size() == MAX_PENDING) {
      pending.pollLast(); // the older ones are written first; the newest waiting is the one to refresh
    }
    pending.addLast(SessionCheckpoint.newBuilder().setConsensusId(consensusId).setState(state).build());
  }

  /**
   * Writes the newest pending checkpoint that {@code lastApplied} covers (synced), dropping the
   * older ones; returns it, or null when nothing was written.
   */
  synchronized SessionCheckpoint persistIfApplied(long lastApplied) {
    SessionCheckpoint cp = null;
    while (!pending.isEmpty() && pending.peekFirst().getState().getCertifiedSeqno() <= lastApplied) {
      cp = pending.pollFirst();
    }
    if (cp != null) {
      cell.put(cp.toByteArray());
    }
    return cp;
  }

  /** The member is out of the group (or enters it as a new member): no session to resume any more. */
  synchronized void clear() {
    epoch = -1;
    self = -1;
    pending.clear();
    if (cell.get() != null) {
      cell.clear();
    }
  }
}
