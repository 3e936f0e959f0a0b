package io.cohort.server.storage;

import java.util.NoSuchElementException;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

/**
 * A consistent snapshot of the stored rows and unique-key entries (a RocksDB snapshot).
 * Must be closed, which releases the snapshot. Not thread-safe: one transaction uses it.
 */
public final class ReadView implements AutoCloseable {
  private final RocksDB db;
  private final Storage storage;
  private final Snapshot snapshot;
  private final ReadOptions readOptions;
  private boolean closed;

  ReadView(RocksDB db, Storage storage, Snapshot snapshot) {
    this.db = db;
    this.storage = storage;
    this.snapshot = snapshot;
    this.readOptions = storage.newReadOptions(snapshot);
  }

  public byte[] getRow(byte[] key) {
    return get(storage.rows, key);
  }

  /** The primary-key encoding a unique-key entry points to, or null. */
  public byte[] getUnique(byte[] key) {
    return get(storage.uniq, key);
  }

  /** A metadata entry as of this snapshot, or null. */
  public byte[] getMeta(String key) {
    return get(storage.meta, key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private byte[] get(org.rocksdb.ColumnFamilyHandle cf, byte[] key) {
    ensureOpen();
    try {
      return db.get(cf, readOptions, key);
    } catch (RocksDBException e) {
      throw new StorageException("read failed: " + e.getMessage(), e);
    }
  }

  /** Rows with lower ≤ key < upper, ascending or descending. Close the cursor when done. */
  public Cursor scanRows(byte[] lower, byte[] upper, boolean reverse) {
    ensureOpen();
    return new Cursor(storage.rows, lower, upper, reverse);
  }

  /** Unique-key entries with lower ≤ key < upper, ascending. */
  public Cursor scanUnique(byte[] lower, byte[] upper) {
    ensureOpen();
    return new Cursor(storage.uniq, lower, upper, false);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("read view already closed");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      readOptions.close();
      storage.release(snapshot);
    }
  }

  /** A forward or backward iteration over a key range of one column family. */
  public final class Cursor implements AutoCloseable {
    private final RocksIterator it;
    private final ReadOptions options;
    private final Slice lowerSlice;
    private final Slice upperSlice;
    private final boolean reverse;

    Cursor(org.rocksdb.ColumnFamilyHandle cf, byte[] lower, byte[] upper, boolean reverse) {
      this.reverse = reverse;
      this.lowerSlice = new Slice(lower);
      this.upperSlice = new Slice(upper);
      this.options = new ReadOptions().setSnapshot(snapshot)
          .setIterateLowerBound(lowerSlice).setIterateUpperBound(upperSlice);
      this.it = db.newIterator(cf, options);
      if (reverse) {
        it.seekToLast();
      } else {
        it.seekToFirst();
      }
    }

    public boolean hasNext() {
      return it.isValid();
    }

    public byte[] key() {
      if (!it.isValid()) {
        throw new NoSuchElementException();
      }
      return it.key();
    }

    public byte[] value() {
      return it.value();
    }

    public void advance() {
      if (reverse) {
        it.prev();
      } else {
        it.next();
      }
    }

    @Override
    public void close() {
      it.close();
      options.close();
      lowerSlice.close();
      upperSlice.close();
    }
  }
}
