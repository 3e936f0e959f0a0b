package io.cohort.server.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cohort.proto.CloneChunk;
import io.cohort.proto.CloneManifest;
import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.CreateTableRequest;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.Operation;
import io.cohort.proto.Row;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Value;
import io.cohort.proto.WriteOp;
import io.cohort.server.Member;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.config.MemberConfig;
import io.cohort.server.storage.ReadView;
import io.cohort.server.storage.Storage;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A clone from a real member over gRPC: complete, resumable after a kill, and a damaged chunk is fetched again. */
class CloneTest {
  @TempDir Path donorDir;
  @TempDir Path receiverDir;
  Member donor;
  String address;
  String groupUuid;
  final Map<String, ManagedChannel> channels = new HashMap<>();

  @BeforeEach
  void startDonorWithAbout20MB() throws Exception {
    donor = Member.start(new MemberConfig("d1", "127.0.0.1", 0, donorDir, "", false, 16 << 20, 100, 60_000));
    assertThat(donor.awaitOnline(30_000)).isTrue();
    address = "127.0.0.1:" + donor.port();
    CohortServiceGrpc.CohortServiceBlockingStub api = CohortServiceGrpc.newBlockingStub(CloneStart.channel(channels, address, io.grpc.InsecureChannelCredentials.create()));
    api.createTable(CreateTableRequest.newBuilder().setTable(TableSchema.newBuilder().setName("blobs")
        .addColumns(Column.newBuilder().setName("id").setType(ColumnType.INT64))
        .addColumns(Column.newBuilder().setName("b").setType(ColumnType.BYTES).setNullable(true))
        .addPrimaryKey("id")).build());
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    for (int tx = 0; tx < 20; tx++) {
      ExecuteRequest.Builder req = ExecuteRequest.newBuilder();
      for (int i = 0; i < 10; i++) {
        byte[] b = new byte[100_000];
        random.nextBytes(b);
        req.addOps(Operation.newBuilder().setInsert(WriteOp.newBuilder().setTable("blobs").setRow(Row.newBuilder()
            .putColumns("id", Value.newBuilder().setInt64Value(tx * 10 + i).build())
            .putColumns("b", Value.newBuilder().setBytesValue(ByteString.copyFrom(b)).build()))));
      }
      api.execute(req.build());
    }
    groupUuid = api.status(StatusRequest.getDefaultInstance()).getGroupName();
  }

  @AfterEach
  void stop() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    if (donor != null) {
      donor.close();
    }
  }

  CloneReceiver receiver(CloneProgress progress) {
    return new CloneReceiver(receiverDir, groupUuid, "r1", a -> CloneStart.channel(channels, a, io.grpc.InsecureChannelCredentials.create()), progress);
  }

  @Test
  void aCloneKilledHalfwayResumesFromItsLastVerifiedByteAndADamagedChunkIsFetchedAgain() throws Exception {
    AtomicInteger chunks = new AtomicInteger();
    assertThatThrownBy(() -> receiver(new CloneProgress(System::nanoTime)).withChunkSeam(c -> {
      if (chunks.incrementAndGet() == 12) {
        throw new IllegalStateException("killed"); // as a SIGKILL would, mid-file
      }
      return c;
    }).run(List.of(address), 1, 10)).hasMessage("killed");
    assertThat(Files.exists(CloneReceiver.databaseDir(receiverDir))).as("nothing installed yet").isFalse();

    CloneProgress progress = new CloneProgress(System::nanoTime);
    AtomicInteger seen = new AtomicInteger();
    CloneManifest m = receiver(progress).withChunkSeam(c -> {
      if (seen.incrementAndGet() == 3) { // one damaged byte on the way
        byte[] b = c.getData().toByteArray();
        b[b.length / 2] ^= 1;
        return c.toBuilder().setData(ByteString.copyFrom(b)).build();
      }
      return c;
    }).run(List.of(address), 1, 10);
    assertThat(progress.resumedBytes()).as("the first 8 MiB verified before the kill were not fetched again")
        .isGreaterThanOrEqualTo(CloneReceiver.SYNC_EVERY_BYTES);
    assertThat(progress.corruptChunks()).isEqualTo(1);
    assertThat(progress.doneBytes()).isEqualTo(m.getTotalBytes());

    try (Storage copy = Storage.open(CloneReceiver.databaseDir(receiverDir), false)) {
      assertThat(new String(copy.getMeta(MetaKeys.GTID_EXECUTED), StandardCharsets.UTF_8))
          .isEqualTo(m.getGtidExecuted()).isEqualTo(groupUuid + ":1-21");
      assertThat(copy.getMeta(MetaKeys.GROUP_SESSION)).as("the donor's place is not the receiver's").isNull();
      assertRowsAreTheDonors(copy, "the rows are the donor's");
    }
  }

  @Test
  void aChunkDamagedBeforeItsChecksumWasTakenFailsTheWholeFilesChecksumAndTheFileIsCopiedAgain() throws Exception {
    AtomicInteger seen = new AtomicInteger();
    CloneProgress progress = new CloneProgress(System::nanoTime);
    CloneManifest m = receiver(progress).withChunkSeam(c -> {
      if (seen.incrementAndGet() == 2) { // damaged where the chunk checksum cannot see it
        byte[] b = c.getData().toByteArray();
        b[0] ^= 1;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b);
        return c.toBuilder().setData(ByteString.copyFrom(b)).setCrc32C((int) crc.getValue()).build();
      }
      return c;
    }).run(List.of(address), 2, 10);
    assertThat(progress.corruptChunks()).as("every chunk passed its own checksum").isZero();
    try (Storage copy = Storage.open(CloneReceiver.databaseDir(receiverDir), false)) {
      assertThat(new String(copy.getMeta(MetaKeys.GTID_EXECUTED), StandardCharsets.UTF_8)).isEqualTo(m.getGtidExecuted());
      assertRowsAreTheDonors(copy, "the damaged file was copied again");
    }
  }

  @Test
  void aCleanCloneFetchesEveryChunkOnceAndReleasesTheDonorsCheckpoint() throws Exception {
    CloneProgress progress = new CloneProgress(System::nanoTime);
    CloneManifest m = receiver(progress).run(List.of(address), 1, 10); // one attempt: a file that failed its checksum fails it
    assertThat(progress.corruptChunks()).as("chunks read into reused buffers arrive whole").isZero();
    assertThat(progress.doneBytes()).isEqualTo(m.getTotalBytes()).isGreaterThan(4L * CloneDonor.CHUNK_BYTES);
    assertThat(donorDir.resolve("clone-out")).as("the checkpoint is deleted once installed").isEmptyDirectory();
  }

  @Test
  void aCloneOfAnotherGroupIsRefused() {
    CloneReceiver r = new CloneReceiver(receiverDir, java.util.UUID.randomUUID().toString(), "r1",
        a -> CloneStart.channel(channels, a, io.grpc.InsecureChannelCredentials.create()), new CloneProgress(System::nanoTime));
    assertThatThrownBy(() -> r.run(List.of(address), 1, 10)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no donor could serve a clone").hasMessageContaining("FAILED_PRECONDITION");
    assertThat(Files.exists(CloneReceiver.databaseDir(receiverDir))).isFalse();
  }

  /** The copy holds the donor's 200 rows (the donor is stopped to read them). */
  void assertRowsAreTheDonors(Storage copy, String why) throws Exception {
    String copied = digest(copy);
    donor.close();
    donor = null;
    try (Storage original = Storage.open(CloneReceiver.databaseDir(donorDir), false)) {
      assertThat(copied).as(why).startsWith("200 rows").isEqualTo(digest(original));
    }
  }

  /** SHA-256 over every row key and value, in key order. */
  static String digest(Storage s) throws Exception {
    java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
    long rows = 0;
    try (ReadView v = s.snapshot(); ReadView.Cursor c = v.scanRows(new byte[0], new byte[] {(byte) 0xff, (byte) 0xff,
        (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, false)) {
      for (; c.hasNext(); c.advance()) {
        d.update(c.key());
        d.update(c.value());
        rows++;
      }
    }
    return rows + " rows " + java.util.HexFormat.of().formatHex(d.digest());
  }
}
