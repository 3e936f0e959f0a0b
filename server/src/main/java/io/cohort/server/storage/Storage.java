package io.cohort.server.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.Range;
import org.rocksdb.RocksDB;
import org.rocksdb.SizeApproximationFlag;
import org.rocksdb.Slice;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's RocksDB: rows, unique-key entries, the transaction log (by GTID sequence
 * number) and metadata (gtid_executed, catalog, group identity) in separate column families.
 * The only class that touches {@code org.rocksdb}; everything written by one commit goes in
 * one {@link Batch}, so a crash leaves all of it or none of it.
 *
 * <p>Thread-safe (RocksDB is); the applier is the only writer.
 */
public final class Storage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Storage.class);

  static {
    RocksDB.loadLibrary();
  }

  /**
   * What memtables may hold, all column families together; the budget is charged to the block
   * cache below, so RocksDB's memory stays near {@link #CACHE_BYTES} whatever the write rate.
   * Without a cap the defaults let each column family keep several 128 MiB memtables, and a
   * member's RSS grew for minutes under load.
   */
  static final long MEMTABLE_BYTES = 64L << 20;
  static final long CACHE_BYTES = 128L << 20;

  /** The column families, in the order their handles come back from RocksDB. */
  private static final List<String> COLUMN_FAMILIES = List.of("default", "rows", "uniq", "log", "meta", "relay");
  private static final int META = COLUMN_FAMILIES.indexOf("meta");

  private final RocksDB db;
  private final Cache cache;
  private final WriteBufferManager writeBuffers;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final List<ColumnFamilyHandle> handles;
  final ColumnFamilyHandle rows;
  final ColumnFamilyHandle uniq;
  final ColumnFamilyHandle log;
  final ColumnFamilyHandle meta;
  /** A read replica's relay log: transactions received from its source and not applied yet. */
  final ColumnFamilyHandle relay;
  private final WriteOptions writeOptions;
  private final WriteOptions unsyncedWriteOptions = new WriteOptions().setSync(false);
  private final boolean fsync;

  private Storage(RocksDB db, Cache cache, WriteBufferManager writeBuffers, DBOptions dbOptions,
      ColumnFamilyOptions cfOptions, List<ColumnFamilyHandle> handles, boolean fsync) {
    this.db = db;
    this.cache = cache;
    this.writeBuffers = writeBuffers;
    this.dbOptions = dbOptions;
    this.cfOptions = cfOptions;
    this.handles = handles;
    this.rows = handles.get(1);
    this.uniq = handles.get(2);
    this.log = handles.get(3);
    this.meta = handles.get(META);
    this.relay = handles.get(COLUMN_FAMILIES.indexOf("relay"));
    this.fsync = fsync;
    this.writeOptions = new WriteOptions().setSync(fsync);
  }

  /**
   * Opens (creating if needed) the database under {@code dir}. With {@code fsync} every
   * {@link #write} is synced to disk before it returns; without it, a machine crash may lose
   * the last writes (a process crash does not: the WAL is in the OS page cache).
   */
  public static Storage open(Path dir, boolean fsync) {
    try {
      Files.createDirectories(dir);
      Cache cache = new LRUCache(CACHE_BYTES);
      WriteBufferManager writeBuffers = new WriteBufferManager(MEMTABLE_BYTES, cache);
      ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()
          .optimizeLevelStyleCompaction(MEMTABLE_BYTES)
          .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache));
      DBOptions dbOptions = new DBOptions()
          .setWriteBufferManager(writeBuffers)
          .setCreateIfMissing(true)
          .setCreateMissingColumnFamilies(true)
          .setIncreaseParallelism(2)
          .setKeepLogFileNum(5);
      List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
      for (String name : COLUMN_FAMILIES) {
        cfs.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
      }
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db = RocksDB.open(dbOptions, dir.toString(), cfs, handles);
      LOG.info("storage opened at {} (fsync {})", dir, fsync ? "on" : "off");
      return new Storage(db, cache, writeBuffers, dbOptions, cfOptions, handles, fsync);
    } catch (RocksDBException | java.io.IOException e) {
      throw new StorageException("cannot open storage at " + dir + ": " + e.getMessage(), e);
    }
  }

  public boolean fsync() {
    return fsync;
  }

  /** A consistent read-only view of everything committed so far. Close it when done. */
  public ReadView snapshot() {
    Snapshot s = db.getSnapshot();
    return new ReadView(db, this, s);
  }

  void release(Snapshot s) {
    db.releaseSnapshot(s);
  }

  public Batch newBatch() {
    return new Batch(this, 0);
  }

  /**
   * A batch for about {@code expectedBytes} of writes. A large one gets its room at once: a
   * WriteBatch grows by doubling, so a 200 MB batch built from nothing peaks at 384 MB of native
   * memory while it moves into a larger buffer, and keeps 256 MB.
   */
  public Batch newBatch(long expectedBytes) {
    return new Batch(this, expectedBytes > Batch.RESERVE_ABOVE ? (int) Math.min(expectedBytes + 4096, Integer.MAX_VALUE - 64) : 0);
  }

  /** Writes a batch atomically (and durably when fsync is on). */
  public void write(Batch batch) {
    write(batch, true);
  }

  /**
   * Writes a batch atomically; synced only when {@code sync} and fsync are both on. An unsynced
   * batch becomes durable with the next synced write (RocksDB syncs its write-ahead log in
   * order), and a process crash never loses it (it is in the OS page cache).
   */
  public void write(Batch batch, boolean sync) {
    try {
      db.write(sync ? writeOptions : unsyncedWriteOptions, batch.writeBatch());
    } catch (RocksDBException e) {
      throw new StorageException("write failed: " + e.getMessage(), e);
    } finally {
      batch.close();
    }
  }

  /**
   * Writes piece {@code index} of a log entry stored in pieces ({@link LogPieces}) at once and on
   * its own, unsynced: the batch with the entry's marker, written after it, makes it part of the
   * log and durable with it.
   */
  public void writeLogPiece(long seqno, int index, byte[] piece) {
    try {
      db.put(log, unsyncedWriteOptions, LogPieces.pieceKey(seqno, index), piece);
    } catch (RocksDBException e) {
      throw new StorageException("write of a log piece failed: " + e.getMessage(), e);
    }
  }

  /** Makes every write so far durable (when fsync is on), synced or not. */
  public void syncWal() {
    if (!fsync) {
      return;
    }
    try {
      db.syncWal();
    } catch (RocksDBException e) {
      throw new StorageException("WAL sync failed: " + e.getMessage(), e);
    }
  }

  public byte[] getMeta(String key) {
    try {
      return db.get(meta, key.getBytes(StandardCharsets.UTF_8));
    } catch (RocksDBException e) {
      throw new StorageException("read of metadata '" + key + "' failed: " + e.getMessage(), e);
    }
  }

  /** Writes one metadata entry durably on its own (used at bootstrap, not on the commit path). */
  public void putMetaNow(String key, byte[] value) {
    Batch b = newBatch();
    b.putMeta(key, value);
    write(b);
  }

  /** Deletes one metadata entry durably on its own. */
  public void deleteMetaNow(String key) {
    Batch b = newBatch();
    b.deleteMeta(key);
    write(b);
  }

  /** Values of every metadata entry whose key starts with {@code prefix}, in key order. */
  public List<byte[]> metaWithPrefix(String prefix) {
    List<byte[]> out = new ArrayList<>();
    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
    try (RocksIterator it = db.newIterator(meta)) {
      for (it.seek(p); it.isValid() && startsWith(it.key(), p); it.next()) {
        out.add(it.value());
      }
    }
    return out;
  }

  /** Relay log entries (serialized) with sequence number ≥ {@code fromSeqno}, at most {@code limit}. */
  public List<byte[]> readRelay(long fromSeqno, int limit) {
    List<byte[]> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(relay)) {
      for (it.seek(io.cohort.server.model.KeyCodec.seqnoKey(fromSeqno)); it.isValid() && out.size() < limit;
          it.next()) {
        out.add(it.value());
      }
    }
    return out;
  }

  /** The relay log entry of one sequence number, or null. */
  public byte[] relayEntry(long seqno) {
    try {
      return db.get(relay, io.cohort.server.model.KeyCodec.seqnoKey(seqno));
    } catch (RocksDBException e) {
      throw new StorageException("relay log read failed: " + e.getMessage(), e);
    }
  }

  /** The sequence number of the last relay log entry; 0 when the relay log is empty. */
  public long lastRelayed() {
    try (RocksIterator it = db.newIterator(relay)) {
      it.seekToLast();
      return it.isValid() ? io.cohort.server.model.KeyCodec.decodeSeqno(it.key()) : 0;
    }
  }

  /** Log entries (serialized) with sequence number ≥ {@code fromSeqno}, at most {@code limit}. */
  public List<byte[]> readLog(long fromSeqno, int limit) {
    List<byte[]> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(log)) {
      for (it.seek(io.cohort.server.model.KeyCodec.seqnoKey(fromSeqno)); it.isValid() && out.size() < limit;
          it.next()) {
        byte[] key = it.key();
        if (key.length != Long.BYTES) {
          continue; // a piece of the entry before it, read with that entry
        }
        byte[] value = it.value();
        out.add(LogPieces.isMarker(value) ? logEntry(io.cohort.server.model.KeyCodec.decodeSeqno(key)) : value);
      }
    }
    return out;
  }

  /** The serialized log entry of one sequence number, or null; put together when it was stored in pieces. */
  public byte[] logEntry(long seqno) {
    try {
      byte[] value = db.get(log, io.cohort.server.model.KeyCodec.seqnoKey(seqno));
      if (value == null || !LogPieces.isMarker(value)) {
        return value;
      }
      LogPieces.Marker m = LogPieces.marker(value);
      byte[] entry = new byte[Math.toIntExact(m.totalBytes())];
      int at = 0;
      for (int i = 0; i < m.pieces(); i++) {
        byte[] piece = db.get(log, LogPieces.pieceKey(seqno, i));
        if (piece == null || at + piece.length > entry.length) {
          throw new StorageException("the log entry of transaction " + seqno + " lacks piece " + i + " of "
              + m.pieces() + " or holds more than " + m.totalBytes() + " bytes");
        }
        System.arraycopy(piece, 0, entry, at, piece.length);
        at += piece.length;
      }
      if (at != entry.length) {
        throw new StorageException("the log entry of transaction " + seqno + " holds " + at + " bytes in its pieces, not "
            + m.totalBytes());
      }
      return entry;
    } catch (RocksDBException e) {
      throw new StorageException("log read failed: " + e.getMessage(), e);
    }
  }

  /** A RocksDB integer property summed over the database's column families ({@code rocksdb.estimate-live-data-size}, ...); -1 when unknown. */
  public long longProperty(String name) {
    try {
      return db.getAggregatedLongProperty(name); // summed over the column families (rows, keys, log, meta)
    } catch (org.rocksdb.RocksDBException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * About how many bytes the log entries after {@code seqno} take, on disk and in memtables
   * (RocksDB's estimate: within a few percent, and blind to deletions not yet compacted).
   */
  public long logBytesAfter(long seqno) {
    try (Slice from = new Slice(io.cohort.server.model.KeyCodec.seqnoKey(seqno + 1));
        Slice to = new Slice(io.cohort.server.model.KeyCodec.seqnoKey(Long.MAX_VALUE))) {
      long[] sizes = db.getApproximateSizes(log, List.of(new Range(from, to)),
          SizeApproximationFlag.INCLUDE_FILES, SizeApproximationFlag.INCLUDE_MEMTABLES);
      return sizes[0];
    }
  }

  /**
   * Compacts the purged part of the log ({@link Batch#deleteLogUpTo}) so its files go: until
   * then a range deletion only hides the entries.
   */
  public void compactLogUpTo(long seqno) {
    try {
      db.compactRange(log, io.cohort.server.model.KeyCodec.seqnoKey(0),
          io.cohort.server.model.KeyCodec.seqnoKey(seqno + 1));
    } catch (RocksDBException e) {
      throw new StorageException("compaction of the purged log failed: " + e.getMessage(), e);
    }
  }

  /**
   * A consistent copy of the whole database in {@code dir} (which must not exist): RocksDB hard
   * links the table files and flushes the memtables first, so it costs little disk and no WAL.
   */
  public void checkpointTo(Path dir) {
    try (Checkpoint c = Checkpoint.create(db)) {
      c.createCheckpoint(dir.toString());
    } catch (RocksDBException e) {
      throw new StorageException("checkpoint into " + dir + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Metadata values of a database that is not open (a checkpoint), read-only; null for absent keys.
   */
  public static List<byte[]> readMetaOf(Path dir, String... keys) {
    // Only the families it reads: a database written before a family was added lacks it.
    List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
    for (String name : List.of("default", "meta")) {
      cfs.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8)));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions o = new DBOptions(); RocksDB ro = RocksDB.openReadOnly(o, dir.toString(), cfs, handles)) {
      List<byte[]> out = new ArrayList<>();
      for (String k : keys) {
        out.add(ro.get(handles.get(1), k.getBytes(StandardCharsets.UTF_8)));
      }
      handles.forEach(ColumnFamilyHandle::close);
      return out;
    } catch (RocksDBException e) {
      throw new StorageException("cannot read the database at " + dir + ": " + e.getMessage(), e);
    }
  }

  static boolean startsWith(byte[] key, byte[] prefix) {
    if (key.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (key[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  ReadOptions newReadOptions(Snapshot s) {
    return new ReadOptions().setSnapshot(s);
  }

  @Override
  public void close() {
    try {
      db.syncWal();
    } catch (RocksDBException e) {
      LOG.warn("WAL sync on close failed: {}", e.getMessage());
    }
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    writeOptions.close();
    unsyncedWriteOptions.close();
    dbOptions.close();
    cfOptions.close();
    writeBuffers.close();
    cache.close();
    LOG.info("storage closed");
  }
}
