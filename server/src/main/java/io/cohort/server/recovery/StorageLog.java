package io.cohort.server.recovery;

import io.cohort.server.apply.LogEntries;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.storage.Batch;
import io.cohort.server.storage.Storage;
import java.nio.ByteBuffer;

/**
 * A member's transaction log in RocksDB, for purging: the range deletion, the purge point and
 * the checkpoints go in one batch, so after a crash gtid_purged names exactly what is gone;
 * a compaction of the range then gives the disk space back.
 */
public final class StorageLog implements PurgeableLog {
  private final Storage storage;

  public StorageLog(Storage storage) {
    this.storage = storage;
  }

  @Override
  public long purgedUpTo() {
    return LogEntries.purgedUpTo(storage);
  }

  @Override
  public byte[] checkpoints() {
    return storage.getMeta(MetaKeys.LOG_CHECKPOINTS);
  }

  @Override
  public long bytesAfter(long seqno) {
    return storage.logBytesAfter(seqno);
  }

  @Override
  public void saveCheckpoints(byte[] checkpoints) {
    storage.putMetaNow(MetaKeys.LOG_CHECKPOINTS, checkpoints);
  }

  @Override
  public void purge(long upTo, byte[] checkpoints) {
    Batch b = storage.newBatch();
    b.deleteLogUpTo(upTo);
    b.putMeta(MetaKeys.LOG_PURGED_UP_TO, ByteBuffer.allocate(Long.BYTES).putLong(upTo).array());
    b.putMeta(MetaKeys.LOG_CHECKPOINTS, checkpoints);
    storage.write(b);
    storage.compactLogUpTo(upTo);
  }
}
