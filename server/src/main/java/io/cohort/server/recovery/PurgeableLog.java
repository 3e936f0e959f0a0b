package io.cohort.server.recovery;

/**
 * The transaction log as {@link LogPurger} sees it: how large it is after a point, and a purge
 * that deletes a prefix and records the new purge point with the age checkpoints, atomically.
 * A member's is {@link StorageLog} (RocksDB); the whole-group simulator has its own.
 */
public interface PurgeableLog {
  /** The last sequence number purged, 0 when none was. */
  long purgedUpTo();

  /** The age checkpoints stored last ({@link LogRetention#encode()}), or null. */
  byte[] checkpoints();

  /** About how many bytes the entries after {@code seqno} take. */
  long bytesAfter(long seqno);

  /** Stores the age checkpoints (no purge). */
  void saveCheckpoints(byte[] checkpoints);

  /** Deletes every entry up to {@code upTo} and stores {@code upTo} and the checkpoints with it. */
  void purge(long upTo, byte[] checkpoints);
}
