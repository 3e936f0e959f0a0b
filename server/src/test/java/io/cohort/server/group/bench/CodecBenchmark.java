package io.cohort.server.group.bench;

import com.github.luben.zstd.Zstd;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Why large group messages are compressed with zstd level 1 and not LZ4: throughput of each
 * codec on 8 MB of three kinds of data, and (printed at setup) the ratio. A message is
 * compressed once at its origin and decompressed on every member, and what it saves is sent to
 * every member and saved by every acceptor. Run with
 * {@code server/jmh.sh CodecBenchmark -f 1 -wi 2 -i 3} (never by CI).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CodecBenchmark {
  static final int SIZE = 8 << 20;

  @Param({"lz4", "zstd1"})
  public String codec;

  @Param({"text", "halfzero", "random"})
  public String data;

  byte[] plain;
  byte[] packed;
  int packedLength;
  final LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
  final LZ4FastDecompressor unlz4 = LZ4Factory.fastestInstance().fastDecompressor();

  @Setup(Level.Trial)
  public void setUp() {
    Random r = new Random(1);
    plain = new byte[SIZE];
    switch (data) {
      case "text" -> {
        String[] words = {"order", "shipped", "pending", "account", "balance", "customer", "lorem", "ipsum"};
        StringBuilder sb = new StringBuilder(SIZE + 64);
        long id = 0;
        while (sb.length() < SIZE) {
          sb.append(id++).append(" user").append(r.nextInt(1_000_000)).append(" u").append(r.nextInt(1_000_000))
              .append("@example.com ").append(r.nextInt(10_000_000)).append(' ')
              .append(words[r.nextInt(words.length)]).append(' ').append(words[r.nextInt(words.length)]).append('\n');
        }
        System.arraycopy(sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, plain, 0, SIZE);
      }
      case "halfzero" -> {
        r.nextBytes(plain);
        for (int i = 0; i < SIZE; i += 2) {
          plain[i] = 0;
        }
      }
      default -> r.nextBytes(plain);
    }
    packed = compress();
    System.out.printf("%n%s on %s: ratio %.2f%n", codec, data, (double) SIZE / packedLength);
  }

  @Benchmark
  public byte[] compress() {
    if (codec.equals("lz4")) {
      byte[] out = new byte[lz4.maxCompressedLength(SIZE)];
      packedLength = lz4.compress(plain, 0, SIZE, out, 0, out.length);
      return out;
    }
    byte[] out = new byte[(int) Zstd.compressBound(SIZE)];
    packedLength = (int) Zstd.compressByteArray(out, 0, out.length, plain, 0, SIZE, 1);
    return out;
  }

  @Benchmark
  public byte[] decompress() {
    byte[] out = new byte[SIZE];
    if (codec.equals("lz4")) {
      unlz4.decompress(packed, 0, out, 0, SIZE);
    } else {
      Zstd.decompressByteArray(out, 0, SIZE, packed, 0, packedLength);
    }
    return out;
  }
}
