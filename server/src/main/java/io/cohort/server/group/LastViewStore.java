package io.cohort.server.group;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cohort.proto.LastView;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.storage.Storage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps this member's last view in its data dir, for a restart after a whole-group outage
 * ({@link io.cohort.server.membership.GroupRestart}). A view is written only once this member
 * has applied every transaction certified before it: whoever holds the latest view then also
 * holds what the members it no longer lists had acknowledged.
 *
 * <p>Threads: {@link #offer} from the delivery loop or the recovery thread; {@link #persistIfApplied}
 * from the group timer; {@link #load} from any.
 */
final class LastViewStore {
  /** Where the view is kept: a synced metadata entry, or the simulator's disk. */
  interface Cell {
    byte[] get();

    /** Writes durably before returning. */
    void put(byte[] value);
  }

  private final Cell cell;
  private final AtomicReference<LastView> pending = new AtomicReference<>();
  private volatile LastView persisted;

  LastViewStore(Cell cell) {
    this.cell = cell;
    this.persisted = read(cell.get());
  }

  static LastViewStore on(Storage storage) {
    return new LastViewStore(new Cell() {
      @Override
      public byte[] get() {
        return storage.getMeta(MetaKeys.LAST_VIEW);
      }

      @Override
      public void put(byte[] value) {
        storage.putMetaNow(MetaKeys.LAST_VIEW, value);
      }
    });
  }

  /** The view on disk, or null when this member never completed one. */
  LastView load() {
    return persisted;
  }

  /** A newer view to keep once everything certified before it is applied. */
  void offer(LastView v) {
    pending.updateAndGet(old -> old == null || newer(v, old) ? v : old);
  }

  /** Writes the pending view (synced) if {@code lastApplied} covers what was certified before it. */
  void persistIfApplied(long lastApplied) {
    LastView v = pending.get();
    if (v == null || lastApplied < v.getCertifiedSeqno()) {
      return; // the common case, once per applied transaction: no lock
    }
    persist(lastApplied);
  }

  /** Serialised: the applier thread and the group timer both get here, and an older view must not win. */
  private synchronized void persist(long lastApplied) {
    LastView v = pending.get();
    if (v == null || lastApplied < v.getCertifiedSeqno()) {
      return;
    }
    LastView p = persisted;
    if (p == null || newer(v, p)) {
      cell.put(v.toByteArray());
      persisted = v;
    }
    pending.compareAndSet(v, null);
  }

  private static boolean newer(LastView a, LastView b) {
    return a.getEpoch() != b.getEpoch() ? a.getEpoch() > b.getEpoch() : a.getViewSeq() > b.getViewSeq();
  }

  private static LastView read(byte[] b) {
    if (b == null) {
      return null;
    }
    try {
      return LastView.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("this member's stored last view is unreadable: " + e.getMessage(), e);
    }
  }
}
