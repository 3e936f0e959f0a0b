package io.cohort.server.tools;

import io.cohort.server.storage.Batch;
import io.cohort.server.storage.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The physical limit of the commit path: a plain loop of RocksDB WriteBatch + fsync, one
 * writer, on the same storage code the member uses. Compare with {@code cohort bench}.
 */
@Command(name = "storage-bench", mixinStandardHelpOptions = true,
    description = "Measure a plain loop of RocksDB WriteBatch + fsync (the commit path's physical limit).")
public final class StorageBench implements Callable<Integer> {
  @Option(names = "--dir", required = true, description = "Scratch directory (created; must be empty or absent).")
  Path dir;

  @Option(names = "--duration", defaultValue = "10", description = "Seconds to run (default 10).")
  int durationS;

  @Option(names = "--records", defaultValue = "3", description = "Records per batch (default 3: row, log, gtid_executed).")
  int records;

  @Option(names = "--value-bytes", defaultValue = "100", description = "Bytes per record (default 100).")
  int valueBytes;

  @Option(names = "--fsync", arity = "1", defaultValue = "true", description = "Sync each batch (default true).")
  boolean fsync;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(dir) && Files.list(dir).findAny().isPresent()) {
      System.err.println("storage-bench: " + dir + " is not empty; give a new directory");
      return 2;
    }
    Histogram h = new Histogram(3_600_000_000L, 3);
    byte[] value = new byte[valueBytes];
    long n = 0;
    try (Storage s = Storage.open(dir, fsync)) {
      long end = System.nanoTime() + durationS * 1_000_000_000L;
      long start = System.nanoTime();
      while (System.nanoTime() < end) {
        long t0 = System.nanoTime();
        Batch b = s.newBatch();
        for (int i = 0; i < records; i++) {
          b.putLog(n * records + i, value);
        }
        s.write(b);
        h.recordValue((System.nanoTime() - t0) / 1000);
        n++;
      }
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.printf("{\"batchesPerSec\": %.0f, \"batches\": %d, \"records\": %d, \"fsync\": %b,"
              + " \"p50Ms\": %.3f, \"p99Ms\": %.3f, \"maxMs\": %.3f}%n",
          n / secs, n, records, fsync, h.getValueAtPercentile(50) / 1000.0,
          h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }
    return 0;
  }
}
