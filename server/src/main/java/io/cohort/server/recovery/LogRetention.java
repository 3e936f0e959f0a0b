package io.cohort.server.recovery;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * Which prefix of a member's transaction log may go: entries older than the age limit, and the
 * oldest entries while the log is over its size limit, but never one the group may still need.
 *
 * <p>Age is measured from when this member applied an entry, as MySQL expires binary log files
 * by when they were written. Entries carry no such time, so this keeps checkpoints instead: "by
 * time T, everything up to sequence number S was applied". An entry at or below S is at least
 * {@code now - T} old. Checkpoints are taken at most every {@code retention / 64} (and at least
 * a second apart), so the age bound is that precise and at most about 65 are kept.
 *
 * <p>Pure: the caller passes the time, the protected point and the log's size function, and
 * stores {@link #encode()} whenever {@link #note} or {@link #purged} says the checkpoints changed.
 */
public final class LogRetention {
  /** Most checkpoints between two purges: the spacing makes it about 65, this is the guard. */
  static final int MAX_CHECKPOINTS = 128;

  /** Everything up to {@code seqno} was applied by {@code timeMs}. */
  public record Checkpoint(long seqno, long timeMs) {}

  private final long retentionMs;
  private final long retentionBytes;
  private final long spacingMs;
  private final List<Checkpoint> checkpoints = new ArrayList<>();

  /**
   * @param retentionSeconds 0 = never purge by age
   * @param retentionBytes   0 = no size limit
   * @param saved            checkpoints stored earlier ({@link #encode()}), or null
   */
  public LogRetention(long retentionSeconds, long retentionBytes, byte[] saved) {
    this.retentionMs = retentionSeconds * 1000;
    this.retentionBytes = retentionBytes;
    this.spacingMs = Math.max(1000, retentionMs / 64);
    if (saved != null) {
      ByteBuffer b = ByteBuffer.wrap(saved);
      while (b.remaining() >= 16) {
        checkpoints.add(new Checkpoint(b.getLong(), b.getLong()));
      }
    }
  }

  /**
   * Notes that everything up to {@code applied} was applied by {@code nowMs}. True when it was
   * kept as a checkpoint (then store {@link #encode()}): when it covers more than the last one and
   * comes at least the spacing after it.
   */
  public boolean note(long applied, long nowMs) {
    Checkpoint last = checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
    if (last != null && (applied <= last.seqno() || nowMs - last.timeMs() < spacingMs)) {
      return false;
    }
    if (checkpoints.size() == MAX_CHECKPOINTS) {
      checkpoints.remove(0); // its entries age with the next one, a little later
    }
    checkpoints.add(new Checkpoint(applied, nowMs));
    return true;
  }

  /**
   * The sequence number to purge up to, or {@code purged} when nothing more may go.
   *
   * @param purged      what is purged already
   * @param protectedAbove entries above this are kept whatever their age or the log's size
   * @param bytesAfter  about how many bytes the entries after a sequence number take
   */
  public long target(long purged, long protectedAbove, long nowMs, LongUnaryOperator bytesAfter) {
    if (protectedAbove <= purged) {
      return purged;
    }
    long byAge = purged;
    if (retentionMs > 0) {
      for (Checkpoint c : checkpoints) {
        if (nowMs - c.timeMs() >= retentionMs) {
          byAge = Math.max(byAge, c.seqno());
        }
      }
    }
    long bySize = purged;
    if (retentionBytes > 0 && bytesAfter.applyAsLong(purged) > retentionBytes) {
      // The smallest point after which the log fits; the sizes shrink as the point moves up.
      long lo = purged + 1;
      long hi = protectedAbove;
      while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (bytesAfter.applyAsLong(mid) <= retentionBytes) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      bySize = lo;
    }
    return Math.min(protectedAbove, Math.max(byAge, bySize));
  }

  /** Forgets checkpoints at or below {@code seqno}, now purged. True when one went. */
  public boolean purged(long seqno) {
    return checkpoints.removeIf(c -> c.seqno() <= seqno);
  }

  public List<Checkpoint> checkpoints() {
    return List.copyOf(checkpoints);
  }

  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(16 * checkpoints.size());
    for (Checkpoint c : checkpoints) {
      b.putLong(c.seqno()).putLong(c.timeMs());
    }
    return b.array();
  }
}
