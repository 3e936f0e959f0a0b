package io.cohort.server.storage;

import java.nio.charset.StandardCharsets;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Everything one group commit writes: rows, unique-key entries, log entries and metadata,
 * applied atomically by {@link Storage#write}. Single use.
 */
public final class Batch implements RowWrites, AutoCloseable {
  private final Storage storage;
  private final WriteBatch wb = new WriteBatch();

  Batch(Storage storage) {
    this.storage = storage;
  }

  WriteBatch writeBatch() {
    return wb;
  }

  @Override
  public void putRow(byte[] key, byte[] value) {
    run(() -> wb.put(storage.rows, key, value));
  }

  @Override
  public void deleteRow(byte[] key) {
    run(() -> wb.delete(storage.rows, key));
  }

  @Override
  public void putUnique(byte[] key, byte[] primaryKey) {
    run(() -> wb.put(storage.uniq, key, primaryKey));
  }

  @Override
  public void deleteUnique(byte[] key) {
    run(() -> wb.delete(storage.uniq, key));
  }

  /** Deletes every row and unique-key entry with keys in [from, to). */
  public void deleteRange(byte[] from, byte[] to) {
    run(() -> {
      wb.deleteRange(storage.rows, from, to);
      wb.deleteRange(storage.uniq, from, to);
    });
  }

  /** Deletes every unique-key entry in [from, to) (dropping one unique key). */
  public void deleteUniqueRange(byte[] from, byte[] to) {
    run(() -> wb.deleteRange(storage.uniq, from, to));
  }

  public void putLog(long seqno, byte[] entry) {
    run(() -> wb.put(storage.log, io.cohort.server.model.KeyCodec.seqnoKey(seqno), entry));
  }

  public void putMeta(String key, byte[] value) {
    run(() -> wb.put(storage.meta, key.getBytes(StandardCharsets.UTF_8), value));
  }

  public void deleteMeta(String key) {
    run(() -> wb.delete(storage.meta, key.getBytes(StandardCharsets.UTF_8)));
  }

  public int count() {
    return wb.count();
  }

  @Override
  public void close() {
    wb.close();
  }

  private interface RocksOp {
    void run() throws RocksDBException;
  }

  private static void run(RocksOp op) {
    try {
      op.run();
    } catch (RocksDBException e) {
      throw new StorageException("batch build failed: " + e.getMessage(), e);
    }
  }
}
