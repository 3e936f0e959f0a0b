package io.cohort.server.storage;

import io.cohort.server.consensus.AcceptorRecord;
import io.cohort.server.consensus.AcceptorStore;
import io.cohort.server.consensus.DurableState;
import io.cohort.server.consensus.DurableUpdate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consensus core's durable acceptor state in a RocksDB of its own (kept apart from the
 * member's row storage so that the consensus write path, one synced write per driver turn,
 * never waits behind applier work). Two column families:
 * <ul>
 *   <li>{@code meta}: one state record (this member's id, the incarnation and the next own slot);
 *   <li>{@code slots}: one acceptor record per slot, keyed by the slot in big-endian, so that
 *       {@link #load()} is one ordered scan and a truncation one range delete.
 * </ul>
 * Every {@link #save} goes in one WriteBatch, synced when the store was opened with fsync: a
 * crash leaves all of an update or none of it, which is what the core assumes of its store.
 *
 * <p>Thread-safe. {@link #close()} waits for calls in progress; later calls throw
 * {@link IllegalStateException} (a closed RocksDB handle would crash the JVM, not throw).
 */
public final class ConsensusStore implements AcceptorStore, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ConsensusStore.class);
  private static final byte[] STATE_KEY = "state".getBytes(StandardCharsets.UTF_8);
  // Dropping just the bad record would let this member forget a promise and break Paxos.
  private static final String REBUILD_HINT = "; do not edit or drop records: remove this"
      + " member's data and add it back to the group as a new member";

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final int self;
  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final List<ColumnFamilyHandle> handles;
  private final ColumnFamilyHandle meta;
  private final ColumnFamilyHandle slots;
  private final WriteOptions writeOptions;
  /**
   * The truncation point this store last wrote a range deletion for (0 before the first). The
   * core hands the same point with every save until it compacts again (about once a second), and
   * a range deletion on every save cost a third of a member's CPU at one client: RocksDB rebuilds
   * a memtable's list of range tombstones as they accumulate, and a 16 MiB memtable collected
   * tens of thousands of identical ones. A second deletion of the same range is harmless, so
   * saves racing on this field (the loop saves from one thread) cost at most one more.
   */
  private volatile long rangeDeletedBelow;
  // Read side: every operation on db; write side: close. Guards `closed` too.
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;

  private ConsensusStore(Path dir, int self, RocksDB db, DBOptions dbOptions,
      ColumnFamilyOptions cfOptions, List<ColumnFamilyHandle> handles, boolean fsync) {
    this.dir = dir;
    this.self = self;
    this.db = db;
    this.dbOptions = dbOptions;
    this.cfOptions = cfOptions;
    this.handles = handles;
    this.meta = handles.get(1);
    this.slots = handles.get(2);
    this.writeOptions = new WriteOptions().setSync(fsync);
  }

  /**
   * Opens (creating if needed) the consensus store of member {@code self} under {@code dir}.
   * With {@code fsync} every {@link #save} is on disk before it returns; without it a machine
   * crash (not a process crash) may lose the last saves, and with them promises made to peers.
   *
   * @throws StorageException when RocksDB cannot open the directory, or the directory holds
   *     the state of another member
   */
  public static ConsensusStore open(Path dir, int self, boolean fsync) {
    // Small memtables: accepted values pass through here and are deleted soon after, and the
    // defaults (64 MiB, two per column family) let a member's memory grow for nothing.
    ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()
        .setWriteBufferSize(16L << 20)
        .setMaxWriteBufferNumber(2);
    DBOptions dbOptions = new DBOptions()
        .setCreateIfMissing(true)
        .setCreateMissingColumnFamilies(true)
        .setKeepLogFileNum(5);
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
      for (String name : List.of("default", "meta", "slots")) {
        cfs.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
      }
      RocksDB db = RocksDB.open(dbOptions, dir.toString(), cfs, handles);
      ConsensusStore store = new ConsensusStore(dir, self, db, dbOptions, cfOptions, handles, fsync);
      try {
        store.checkOwner();
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      LOG.debug("consensus store of member {} opened at {} (fsync {})", self, dir,
          fsync ? "on" : "off");
      return store;
    } catch (RocksDBException | IOException e) {
      handles.forEach(ColumnFamilyHandle::close);
      dbOptions.close();
      cfOptions.close();
      throw new StorageException("cannot open consensus store at " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Everything saved so far; {@link DurableState#initial} for a store never saved to.
   *
   * @throws StorageException when a record is damaged (naming its slot) or RocksDB fails
   */
  @Override
  public DurableState load() {
    return whileOpen(() -> {
      AcceptorRecordCodec.State state = readState();
      Map<Long, AcceptorRecord> records = new HashMap<>();
      try (RocksIterator it = db.newIterator(slots)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          AcceptorRecord r = decodeRecord(it.key(), it.value());
          records.put(r.slot(), r);
        }
        it.status();
      } catch (RocksDBException e) {
        throw new StorageException("cannot read consensus store at " + dir + ": "
            + e.getMessage(), e);
      }
      if (state == null) {
        if (!records.isEmpty()) {
          throw new StorageException("consensus store at " + dir + " has " + records.size()
              + " slot records but no state record; it was damaged outside Cohort");
        }
        return DurableState.initial();
      }
      return new DurableState(state.incarnation(), state.nextOwnSlot(), records,
          state.truncatedBelow());
    });
  }

  /**
   * Overwrites the incarnation and next own slot, deletes records below the update's
   * truncation point and puts each record by its slot, all in one atomic write (synced when
   * opened with fsync).
   */
  @Override
  public void save(DurableUpdate u) {
    whileOpen(() -> {
      try (WriteBatch batch = new WriteBatch()) {
        batch.put(meta, STATE_KEY, AcceptorRecordCodec.encodeState(
            new AcceptorRecordCodec.State(self, u.incarnation(), u.nextOwnSlot(),
                u.truncateBelow())));
        boolean truncates = u.truncateBelow() > rangeDeletedBelow;
        if (truncates) {
          batch.deleteRange(slots, AcceptorRecordCodec.slotKey(0),
              AcceptorRecordCodec.slotKey(u.truncateBelow()));
        }
        for (AcceptorRecord r : u.records()) {
          batch.put(slots, AcceptorRecordCodec.slotKey(r.slot()), AcceptorRecordCodec.encode(r));
        }
        db.write(writeOptions, batch);
        if (truncates) {
          rangeDeletedBelow = u.truncateBelow();
        }
      } catch (RocksDBException e) {
        throw new StorageException("cannot save consensus state at " + dir + ": "
            + e.getMessage(), e);
      }
      return null;
    });
  }

  public Path directory() {
    return dir;
  }

  /** Syncs the WAL and releases RocksDB. Idempotent. */
  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        db.syncWal();
      } catch (RocksDBException e) {
        LOG.warn("consensus store at {}: WAL sync on close failed: {}", dir, e.getMessage());
      }
      handles.forEach(ColumnFamilyHandle::close);
      db.close();
      writeOptions.close();
      dbOptions.close();
      cfOptions.close();
      LOG.debug("consensus store of member {} closed", self);
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  /** Refuses a directory that holds another member's promises: using them would break Paxos. */
  private void checkOwner() {
    AcceptorRecordCodec.State state = readState();
    if (state != null && state.self() != self) {
      throw new StorageException("consensus store at " + dir + " belongs to member "
          + state.self() + ", not " + self + "; check the member id and data directory settings");
    }
  }

  private AcceptorRecordCodec.State readState() {
    byte[] bytes;
    try {
      bytes = db.get(meta, STATE_KEY);
    } catch (RocksDBException e) {
      throw new StorageException("cannot read consensus store at " + dir + ": "
          + e.getMessage(), e);
    }
    if (bytes == null) {
      return null;
    }
    try {
      return AcceptorRecordCodec.decodeState(bytes);
    } catch (IllegalArgumentException e) {
      throw new StorageException("consensus store at " + dir + ": state record is corrupt ("
          + e.getMessage() + ")" + REBUILD_HINT, e);
    }
  }

  private AcceptorRecord decodeRecord(byte[] key, byte[] value) {
    long slot;
    try {
      slot = AcceptorRecordCodec.slotOf(key);
    } catch (IllegalArgumentException e) {
      throw new StorageException("consensus store at " + dir + ": bad slot key ("
          + e.getMessage() + ")" + REBUILD_HINT, e);
    }
    try {
      return AcceptorRecordCodec.decode(slot, value);
    } catch (IllegalArgumentException e) {
      throw new StorageException("consensus store at " + dir + ": acceptor record of slot " + slot
          + " is corrupt (" + e.getMessage() + ")" + REBUILD_HINT, e);
    }
  }

  private <T> T whileOpen(Supplier<T> action) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("consensus store at " + dir + " is closed");
      }
      return action.get();
    } finally {
      lifecycle.readLock().unlock();
    }
  }
}
