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
 * The checkpoint is removed when the member leaves the group or is removed from it: a stale one
 * is never resumed. A member that ends its session because it lost its majority keeps it.
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
  /**
   * Told whether the applier may leave its writes unsynced ({@link #on}), whenever that changes:
   * true while this session's place is on disk and no member of the view is RECOVERING.
   */
  private final java.util.function.Consumer<Boolean> held;
  /** A checkpoint of the current session is on disk. */
  private boolean onDisk;
  /** No member of the current view is RECOVERING, as of the last slot delivered. */
  private boolean everyoneOnline;
  private boolean told;
  /** The transactions certified before the checkpoint last written: all durable here. */
  private long persistedCertified;
  /** The session whose checkpoints are taken now (epoch, consensus id), or -1 between sessions. */
  private long epoch = -1;
  private int self = -1;
  private final ArrayDeque<SessionCheckpoint> pending = new ArrayDeque<>();

  SessionStore(Cell cell) {
    this(cell, h -> { });
  }

  SessionStore(Cell cell, java.util.function.Consumer<Boolean> held) {
    this.cell = cell;
    this.held = held;
  }

  /**
   * The place kept in {@code storage}'s metadata, in the same RocksDB (and write-ahead log) as
   * the rows. {@code held} is told whether the applier may skip its own syncs: while this
   * member's place is on disk, a crashed member delivers everything above its checkpoint again
   * from the group's consensus log, where a majority of acceptors holds every acknowledged
   * commit durably, and each checkpoint is written synced after what it covers was applied,
   * which makes those rows durable too. That holds only while the members that keep a place
   * form a majority, so that a whole group that lost power resumes through consensus rather
   * than from its members' logs alone; hence also only while no member of the view is
   * RECOVERING (their place is the one they were admitted with, from which they recover from a
   * donor again, not through consensus). A view that admits one is written synced as soon as it is
   * applied ({@code LastViewStore}), which makes the rows before it durable.
   */
  static SessionStore on(Storage storage, java.util.function.Consumer<Boolean> held) {
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
    }, held);
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
    onDisk = false;
    everyoneOnline = false;
    tell();
  }

  /** Whether no member of the view is RECOVERING, after each delivered slot (GroupSession). */
  synchronized void everyoneOnline(boolean all) {
    if (all != everyoneOnline) {
      everyoneOnline = all;
      tell();
    }
  }

  /**
   * The low watermark this member may promise the group (no snapshot below it will be taken
   * here): {@code low}, but no higher than what is durable here while the applier does not sync,
   * since a power loss would take this member back there and a snapshot there would then be
   * older than what the group collected.
   */
  synchronized long capLowWatermark(long low) {
    return told ? Math.min(low, persistedCertified) : low;
  }

  private void tell() {
    boolean h = onDisk && everyoneOnline && self >= 0;
    if (h != told) {
      told = h;
      held.accept(h);
    }
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
      persistedCertified = cp.getState().getCertifiedSeqno();
      onDisk = true;
      tell();
    }
    return cp;
  }

  /**
   * Keeps the place of a member that was just admitted (consensus member {@code consensusId}),
   * at once and synced, before it has recovered anything: {@code joined} is the group state it
   * was admitted with. A restart takes this place up again RECOVERING; the first checkpoint
   * written once it is ONLINE replaces it. Without it, a joiner that crashed while recovering
   * lost its acceptor state, and a group growing from one member to two could never decide
   * another slot (whole-group simulator seed 11810).
   */
  synchronized void keepJoin(int consensusId, GroupState joined) {
    if (consensusId != self || joined.getEpoch() != epoch) {
      return;
    }
    cell.put(SessionCheckpoint.newBuilder().setConsensusId(consensusId).setState(joined).setRecovering(true).build()
        .toByteArray());
  }

  /**
   * The session ended but its place stays on disk, to be taken up again (it lost its majority:
   * its acceptor state may be needed for the group to resume). Nothing more is written for it.
   */
  synchronized void detach() {
    epoch = -1;
    self = -1;
    pending.clear();
    onDisk = false;
    tell();
  }

  /** The member is out of the group (or enters it as a new member): no session to resume any more. */
  synchronized void clear() {
    detach();
    if (cell.get() != null) {
      cell.clear();
    }
  }
}
