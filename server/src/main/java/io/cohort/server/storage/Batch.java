package io.cohort.server.storage;

import java.nio.charset.StandardCharsets;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Everything one group commit writes: rows, unique-key entries, log entries and metadata,
 * applied atomically by {@link Storage#write}. Single use.
 */
public final class Batch implements RowWrites, AutoCloseable {
  /** Batches expected to be smaller start with RocksDB's default room (see {@link Storage#newBatch(long)}). */
  static final long RESERVE_ABOVE = 4L << 20;

  private final Storage storage;
  private final WriteBatch wb;

  /** @param reserveBytes room to allocate at once; 0 for RocksDB's default */
  Batch(Storage storage, int reserveBytes) {
    this.storage = storage;
    this.wb = reserveBytes > 0 ? new WriteBatch(reserveBytes) : new WriteBatch();
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

  /** Deletes the rows whose keys are at least {@code from} and below {@code to}. */
  public void deleteRowRange(byte[] from, byte[] to) {
    run(() -> wb.deleteRange(storage.rows, from, to));
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

  /**
   * A log entry stored in {@code pieces} pieces ({@link LogPieces}): its marker. The pieces are
   * written before this batch, with {@link Storage#writeLogPiece}.
   */
  public void putLogPieces(long seqno, int pieces, long totalBytes) {
    run(() -> wb.put(storage.log, io.cohort.server.model.KeyCodec.seqnoKey(seqno), LogPieces.marker(pieces, totalBytes)));
  }

  /**
   * Deletes the log entries (and their pieces) of every sequence number up to {@code seqno}: a
   * purge. One range deletion; {@link Storage#compactLogUpTo} then gives the space back.
   */
  public void deleteLogUpTo(long seqno) {
    run(() -> wb.deleteRange(storage.log, io.cohort.server.model.KeyCodec.seqnoKey(0),
        io.cohort.server.model.KeyCodec.seqnoKey(seqno + 1)));
  }

  /** A read replica's relay log entry: a transaction received, to be applied. */
  public void putRelay(long seqno, byte[] entry) {
    run(() -> wb.put(storage.relay, io.cohort.server.model.KeyCodec.seqnoKey(seqno), entry));
  }

  /** Deletes the relay log entries up to {@code seqno}: applied, they are purged. */
  public void deleteRelayUpTo(long seqno) {
    run(() -> wb.deleteRange(storage.relay, io.cohort.server.model.KeyCodec.seqnoKey(0),
        io.cohort.server.model.KeyCodec.seqnoKey(seqno + 1)));
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
