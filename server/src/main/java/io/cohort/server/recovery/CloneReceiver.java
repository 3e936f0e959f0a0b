package io.cohort.server.recovery;

import io.cohort.proto.CloneChunk;
import io.cohort.proto.CloneFetchRequest;
import io.cohort.proto.CloneFileInfo;
import io.cohort.proto.CloneManifest;
import io.cohort.proto.CloneManifestRequest;
import io.cohort.proto.CloneReleaseRequest;
import io.cohort.proto.CloneServiceGrpc;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.storage.Storage;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of a clone: copies a donor's checkpoint ({@link CloneDonor}) into
 * {@code <data dir>/clone-staging}, checking every chunk's CRC-32C and every whole file's,
 * then puts it in place of the member's database (an earlier one is kept aside, never deleted).
 *
 * <p>Resumable: each file's verified length is written beside it (after an fsync of the file)
 * every {@value #SYNC_EVERY_BYTES} bytes, and the clone id and donor in a state file. Run again
 * after a kill, it asks the same donor for the same checkpoint and goes on from the last
 * verified byte of each file. When that donor is gone or no longer has the checkpoint, it starts
 * over from another one. A chunk that fails its checksum is fetched again.
 */
public final class CloneReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(CloneReceiver.class);
  /**
   * Every 4 MiB: a resumed copy fetches at most that much of a file again. (32 MiB made no
   * difference to the rate measured under a bench, 95.4 against 93.9 MB/s, and coarser resumes.)
   */
  static final long SYNC_EVERY_BYTES = 4L << 20;
  static final int CHUNK_RETRIES = 5;
  private static final String STATE = "clone.state";
  private static final String VERIFIED = ".verified";

  private final Path dataDir;
  private final Path staging;
  private final String groupUuid;
  private final String memberId;
  private final Function<String, ManagedChannel> channels;
  private final CloneProgress progress;
  private UnaryOperator<CloneChunk> chunkSeam = UnaryOperator.identity();
  private final ChunkReader reader = new ChunkReader();
  private ByteBuffer aligned; // reused by every file's writer; only the copying thread writes into it
  // The files synced in the background, in order (Syncs); only the copying thread uses the list.
  private final List<CompletableFuture<Void>> finishing = new ArrayList<>();
  private final ExecutorService syncer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "cohort-clone-sync");
    t.setDaemon(true);
    return t;
  });

  public CloneReceiver(Path dataDir, String groupUuid, String memberId, Function<String, ManagedChannel> channels,
      CloneProgress progress) {
    this.dataDir = dataDir;
    this.staging = dataDir.resolve("clone-staging");
    this.groupUuid = groupUuid;
    this.memberId = memberId;
    this.channels = channels;
    this.progress = progress;
  }

  /** A fault-injection seam for tests: sees (and may change) every chunk as it arrives. */
  public CloneReceiver withChunkSeam(UnaryOperator<CloneChunk> seam) {
    this.chunkSeam = seam;
    return this;
  }

  /** Where the database goes: {@code <data dir>/rocksdb}. */
  public static Path databaseDir(Path dataDir) {
    return dataDir.resolve("rocksdb");
  }

  /**
   * Clones from the first of {@code donors} (client addresses) that serves the whole copy, trying
   * them in turn for {@code tries} rounds with {@code retryPauseMs} after each round, and installs
   * it. Returns what the copy holds. A receiver runs once.
   *
   * @throws IllegalStateException when no donor could serve it
   */
  public CloneManifest run(List<String> donors, int tries, long retryPauseMs) throws InterruptedException {
    if (donors.isEmpty()) {
      throw new IllegalArgumentException("no donor to clone from");
    }
    mkdirs(staging);
    Properties state = readState();
    List<String> order = new ArrayList<>(donors);
    String resumeDonor = state.getProperty("donor");
    if (resumeDonor != null && order.remove(resumeDonor)) {
      order.add(0, resumeDonor); // the checkpoint it left off in is there
    }
    List<String> failures = new ArrayList<>();
    try {
      return tryDonors(order, failures, state, tries, retryPauseMs);
    } finally {
      syncer.shutdown();
    }
  }

  private CloneManifest tryDonors(List<String> order, List<String> failures, Properties state, int tries,
      long retryPauseMs) throws InterruptedException {
    for (int attempt = 0; attempt < tries * order.size(); attempt++) {
      String donor = order.get(attempt % order.size());
      try {
        CloneManifest m = copy(donor, state);
        install(m);
        release(donor, m.getCloneId());
        progress.stage("installed", donor);
        return m;
      } catch (StatusRuntimeException | CloneFailure e) {
        String why = e instanceof StatusRuntimeException s ? s.getStatus().toString() : e.getMessage();
        LOG.info("clone from donor {} failed: {}; trying {}", donor, why,
            attempt + 1 < tries * order.size() ? "another donor" : "no more");
        failures.add(donor + ": " + why);
        if ((attempt + 1) % order.size() == 0) {
          Thread.sleep(retryPauseMs); // a round in which no donor could serve
        }
      }
    }
    throw new IllegalStateException("no donor could serve a clone (" + String.join("; ", failures.subList(
        Math.max(0, failures.size() - 3), failures.size())) + ")");
  }

  /** Tells the donor its checkpoint is no longer needed; it deletes it in ten minutes anyway. */
  private void release(String donor, String cloneId) {
    try {
      CloneServiceGrpc.newBlockingStub(channels.apply(donor)).withDeadlineAfter(10, TimeUnit.SECONDS)
          .release(CloneReleaseRequest.newBuilder().setCloneId(cloneId).build());
    } catch (StatusRuntimeException e) {
      LOG.info("clone: donor {} was not told its checkpoint is free ({}); it deletes it when unused", donor,
          e.getStatus().getCode());
    }
  }

  /** A copy that cannot go on with this donor. */
  static final class CloneFailure extends RuntimeException {
    CloneFailure(String message) {
      super(message);
    }
  }

  private CloneManifest copy(String donor, Properties state) {
    try {
      awaitSyncs(); // of an attempt that failed: before its files may be cleared
    } catch (UncheckedIOException e) {
      LOG.info("clone: syncing an earlier attempt's copy failed: {}", e.getCause().toString());
    }
    CloneServiceGrpc.CloneServiceBlockingStub stub = CloneServiceGrpc.newBlockingStub(channels.apply(donor));
    String resumeId = donor.equals(state.getProperty("donor")) ? state.getProperty("clone", "") : "";
    CloneManifest m = stub.withDeadlineAfter(10, TimeUnit.MINUTES).manifest(CloneManifestRequest.newBuilder()
        .setGroupUuid(groupUuid).setCloneId(resumeId).setMemberId(memberId).build());
    if (!m.getGroupUuid().equals(groupUuid)) {
      throw new CloneFailure("donor " + donor + " sent a copy of group " + m.getGroupUuid());
    }
    if (!m.getCloneId().equals(resumeId)) {
      if (!resumeId.isEmpty()) {
        LOG.info("clone: donor {} no longer has checkpoint {}; starting over with {}", donor, resumeId, m.getCloneId());
      }
      clearStaging();
      state.setProperty("donor", donor);
      state.setProperty("clone", m.getCloneId());
      writeState(state);
    }
    progress.start(donor, m.getTotalBytes());
    LOG.info("clone {} from donor {} ({}): {} files, {} bytes, gtid_executed {}", m.getCloneId(), donor,
        m.getDonorMemberId(), m.getFilesCount(), m.getTotalBytes(), m.getGtidExecuted());
    for (CloneFileInfo f : m.getFilesList()) {
      fetch(stub, m.getCloneId(), f);
    }
    awaitSyncs();
    return m;
  }

  private void fetch(CloneServiceGrpc.CloneServiceBlockingStub stub, String cloneId, CloneFileInfo f) {
    if (f.getName().contains("/") || f.getName().contains("\\") || f.getName().startsWith(".")
        || f.getName().equals(STATE) || f.getName().endsWith(VERIFIED)) {
      throw new CloneFailure("the donor named a file '" + f.getName().substring(0, Math.min(64, f.getName().length()))
          + "' that cannot be part of a checkpoint");
    }
    Path file = staging.resolve(f.getName());
    Path mark = staging.resolve(f.getName() + VERIFIED);
    long verified = readVerified(mark);
    CloneFileWriter ch = null;
    Syncs syncs = null;
    try {
      if (aligned == null) {
        aligned = CloneFileWriter.buffer(CloneDonor.CHUNK_BYTES);
      }
      ch = CloneFileWriter.open(file, true, aligned);
      syncs = new Syncs(ch, mark);
      if (ch.size() > verified) {
        ch.truncate(verified); // whatever came after the last verified byte may be torn
      }
      if (verified > 0) {
        if (verified < f.getSize()) {
          LOG.info("clone: resuming {} at byte offset {} of {}", f.getName(), verified, f.getSize());
        } else {
          LOG.info("clone: {} already copied ({} bytes)", f.getName(), verified);
        }
        progress.resumed(verified);
      }
      // The file's CRC-32C is taken as it is written (after the verified part already on disk),
      // not by reading the whole file again at the end. The donor sends its own with the last chunk.
      CRC32C whole = new CRC32C();
      if (verified > 0) {
        CloneDonor.checksumPrefix(whole, file, verified);
      }
      Integer donorCrc = null;
      int corrupt = 0;
      while (donorCrc == null) {
        boolean refetch = false;
        Context.CancellableContext call = Context.current().withCancellation();
        Context before = call.attach();
        try {
          Iterator<ChunkReader.Received> it = ClientCalls.blockingServerStreamingCall(stub.getChannel(),
              reader.method(), stub.getCallOptions().withDeadlineAfter(1, TimeUnit.HOURS), CloneFetchRequest.newBuilder()
              .setCloneId(cloneId).setName(f.getName()).setOffset(verified).build());
          while (it.hasNext()) {
            ChunkReader.Received received = it.next();
            CloneChunk c = chunkSeam.apply(received.chunk);
            if (c.getOffset() != verified) {
              throw new CloneFailure("the donor sent " + f.getName() + " from byte " + c.getOffset() + ", not "
                  + verified);
            }
            CRC32C crc = new CRC32C();
            crc.update(c.getData().asReadOnlyByteBuffer());
            if ((int) crc.getValue() != c.getCrc32C()) {
              if (++corrupt > CHUNK_RETRIES) {
                throw new CloneFailure("chunks of " + f.getName() + " failed their checksum " + corrupt + " times");
              }
              LOG.warn("clone: the chunk of {} at byte offset {} failed its checksum; fetching it again",
                  f.getName(), verified);
              progress.corruptChunk();
              refetch = true;
              break;
            }
            for (ByteBuffer data : c.getData().asReadOnlyByteBufferList()) {
              whole.update(data);
            }
            ch.write(c.getData(), verified);
            verified += c.getData().size();
            progress.add(c.getData().size());
            received.release();
            if (verified > f.getSize()) {
              throw new CloneFailure("the donor sent more of " + f.getName() + " than its " + f.getSize() + " bytes");
            }
            syncs.wrote(verified);
            if (c.getFileEnd()) {
              donorCrc = c.getFileCrc32C();
              break;
            }
          }
        } finally {
          call.detach(before);
          call.cancel(null);
        }
        if (donorCrc == null && !refetch && verified == f.getSize()) {
          throw new CloneFailure("the donor ended " + f.getName() + " without its checksum");
        }
      }
      if (verified != f.getSize() || (int) whole.getValue() != donorCrc) {
        syncs.await();
        ch.close();
        Files.deleteIfExists(file);
        Files.deleteIfExists(mark);
        throw new CloneFailure(f.getName() + " does not match its checksum once copied; it will be copied again");
      }
      syncs.finish(verified); // the next file starts while this one is synced
      ch = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the clone into " + staging, e);
    } finally {
      if (ch != null) {
        syncs.await(); // no mark is written once the copy moved on
        try {
          ch.close();
        } catch (IOException e) {
          LOG.debug("clone: closing {}: {}", file, e.toString());
        }
      }
    }
  }

  /**
   * Makes a file's copy durable every {@value #SYNC_EVERY_BYTES} bytes and at its end, and then
   * records how much of it is verified, on the clone's sync thread, so that receiving does not
   * wait for the disk. A length is recorded only once everything before it is synced; the thread
   * runs one sync at a time, in order.
   */
  private final class Syncs {
    private final CloneFileWriter ch;
    private final Path mark;
    private long requested;
    private CompletableFuture<Void> pending = CompletableFuture.completedFuture(null);

    Syncs(CloneFileWriter ch, Path mark) {
      this.ch = ch;
      this.mark = mark;
    }

    /** {@code length} bytes are written: starts a sync when enough is unsynced and none runs. */
    void wrote(long length) {
      if (length - requested >= SYNC_EVERY_BYTES && pending.isDone()) {
        pending.join(); // a failed sync fails the copy
        requested = length;
        pending = CompletableFuture.runAsync(() -> sync(length), syncer);
      }
    }

    /** The whole file ({@code length} bytes) is written and verified: syncs it, then closes it. */
    void finish(long length) {
      pending = CompletableFuture.runAsync(() -> {
        try (CloneFileWriter c = ch) {
          sync(length);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, syncer);
      finishing.removeIf(f -> f.isDone() && !f.isCompletedExceptionally()); // a failure stays, for awaitSyncs
      finishing.add(pending);
    }

    /** Waits for a running sync (whatever its outcome), so no mark is written after this. */
    void await() {
      try {
        pending.join();
      } catch (RuntimeException e) {
        // the copy already failed
      }
    }

    private void sync(long length) {
      try {
        ch.sync();
        writeVerified(mark, length);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Waits until every copied file is synced and its verified length recorded.
   *
   * @throws UncheckedIOException when one could not be
   */
  private void awaitSyncs() {
    try {
      for (CompletableFuture<Void> f : finishing) {
        f.join();
      }
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof UncheckedIOException u ? u : new UncheckedIOException(new IOException(e.getCause()));
    } finally {
      finishing.clear();
    }
  }

  /**
   * Puts the copy in place of the member's database: an existing one moves aside (kept, never
   * deleted), the staging directory becomes {@code rocksdb}, and the donor's own place in the
   * group and log checkpoints are removed from it.
   */
  private void install(CloneManifest m) {
    try {
      for (CloneFileInfo f : m.getFilesList()) {
        Files.deleteIfExists(staging.resolve(f.getName() + VERIFIED));
      }
      Files.deleteIfExists(staging.resolve(STATE));
      syncDir(staging);
      Path db = databaseDir(dataDir);
      if (Files.exists(db)) {
        Path aside = dataDir.resolve("rocksdb.before-clone-" + System.currentTimeMillis());
        Files.move(db, aside, StandardCopyOption.ATOMIC_MOVE);
        LOG.warn("clone: the database this member had is kept at {}", aside);
      }
      Files.move(staging, db, StandardCopyOption.ATOMIC_MOVE);
      syncDir(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot put the clone in place under " + dataDir, e);
    }
    try (Storage s = Storage.open(databaseDir(dataDir), true)) {
      s.deleteMetaNow(MetaKeys.GROUP_SESSION); // the donor's place, not this member's
      s.deleteMetaNow(MetaKeys.LOG_CHECKPOINTS);
    }
    LOG.info("clone {} installed: gtid_executed {}", m.getCloneId(), m.getGtidExecuted());
  }

  private void clearStaging() {
    CloneDonor.deleteTree(staging);
    mkdirs(staging);
  }

  private Properties readState() {
    Properties p = new Properties();
    Path f = staging.resolve(STATE);
    if (Files.exists(f)) {
      try (var in = Files.newInputStream(f)) {
        p.load(in);
      } catch (IOException e) {
        LOG.warn("clone: unreadable state file {}; starting over", f);
        return new Properties();
      }
    }
    return p;
  }

  private void writeState(Properties p) {
    Path tmp = staging.resolve(STATE + ".tmp");
    try {
      try (var out = Files.newOutputStream(tmp)) {
        p.store(out, "clone in progress");
      }
      Files.move(tmp, staging.resolve(STATE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long readVerified(Path mark) {
    try {
      if (!Files.exists(mark)) {
        return 0;
      }
      String s = Files.readString(mark, StandardCharsets.US_ASCII).trim();
      return s.isEmpty() ? 0 : Long.parseLong(s);
    } catch (IOException | NumberFormatException e) {
      return 0; // fetch the file again from its start
    }
  }

  private static void writeVerified(Path mark, long verified) throws IOException {
    Path tmp = mark.resolveSibling(mark.getFileName() + ".tmp");
    Files.writeString(tmp, Long.toString(verified), StandardCharsets.US_ASCII);
    Files.move(tmp, mark, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Makes the names created, moved or deleted in {@code dir} durable. */
  static void syncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static void mkdirs(Path p) {
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
