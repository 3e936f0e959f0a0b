package io.cohort.server.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CloneFileWriterTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "direct I/O tried: {0}")
  @ValueSource(booleans = {true, false})
  void aFileWrittenInChunksHoldsExactlyItsBytesWhateverTheirAlignment(boolean tryDirect) throws Exception {
    byte[] want = new byte[3 * CloneDonor.CHUNK_BYTES + 12_345];
    new SplittableRandom(3).nextBytes(want);
    Path f = dir.resolve("000011.sst");
    ByteString all = ByteString.copyFrom(want);
    try (CloneFileWriter w = CloneFileWriter.open(f, tryDirect, CloneFileWriter.buffer(CloneDonor.CHUNK_BYTES))) {
      if (tryDirect && Files.getFileStore(dir).type().startsWith("ext")) {
        assertThat(w.direct()).as("ext4 has direct I/O").isTrue();
      }
      int chunk = CloneDonor.CHUNK_BYTES;
      w.write(all.substring(0, chunk), 0);
      w.write(all.substring(chunk, 2 * chunk), chunk);
      w.write(ByteString.copyFrom(new byte[CloneDonor.CHUNK_BYTES]), 2 * chunk); // torn by a kill
      w.truncate(chunk); // as a resume does, back to the last verified byte
      w.write(all.substring(chunk, 2 * chunk), chunk);
      // pieces smaller than a block, and writes from offsets inside a block
      w.write(all.substring(2 * chunk, 2 * chunk + 1000), 2 * chunk);
      w.write(all.substring(2 * chunk + 1000, 2 * chunk + 1500), 2 * chunk + 1000);
      w.write(all.substring(2 * chunk + 1500, 3 * chunk), 2 * chunk + 1500);
      w.write(all.substring(3 * chunk), 3 * chunk); // the file's last, partial block
      w.sync();
      assertThat(w.size()).isEqualTo(want.length);
    }
    byte[] got = Files.readAllBytes(f);
    assertThat(Arrays.mismatch(got, want)).as("where the file first differs from the bytes written (-1: nowhere)").isEqualTo(-1);
  }
}
