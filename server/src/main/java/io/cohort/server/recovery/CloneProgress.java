package io.cohort.server.recovery;

import java.util.function.LongSupplier;

/**
 * How far a clone is: stage, donor, bytes copied of the total, rate and time left. Written by
 * the receiving thread, read by status and the log.
 */
public final class CloneProgress {
  private final LongSupplier nanos;
  private volatile String stage = "none";
  private volatile String donor = "";
  private volatile long total;
  private volatile long done;
  private volatile long resumedAt;
  private volatile long corruptChunks;
  private volatile long startNanos;
  private volatile long startDone;

  public CloneProgress(LongSupplier nanos) {
    this.nanos = nanos;
  }

  void start(String donor, long totalBytes) {
    this.donor = donor;
    this.total = totalBytes;
    this.done = 0;
    this.startDone = 0;
    this.startNanos = nanos.getAsLong();
    this.stage = "clone";
  }

  void resumed(long bytes) {
    done += bytes;
    startDone = done;
    resumedAt = done;
  }

  void add(long bytes) {
    done += bytes;
  }

  void corruptChunk() {
    corruptChunks++;
  }

  void stage(String stage, String donor) {
    this.stage = stage;
    this.donor = donor;
  }

  public String stage() {
    return stage;
  }

  public String donor() {
    return donor;
  }

  public long doneBytes() {
    return done;
  }

  public long totalBytes() {
    return total;
  }

  /** Bytes a resumed copy did not fetch again. */
  public long resumedBytes() {
    return resumedAt;
  }

  public long corruptChunks() {
    return corruptChunks;
  }

  /** MB/s since this copy started (resumed bytes left out). */
  public double rateMbps() {
    double secs = (nanos.getAsLong() - startNanos) / 1e9;
    return secs <= 0 ? 0 : (done - startDone) / 1e6 / secs;
  }

  /** Seconds left at the rate so far; -1 when unknown. */
  public double etaSeconds() {
    double r = rateMbps();
    return r <= 0 ? -1 : (total - done) / 1e6 / r;
  }

  @Override
  public String toString() {
    if (stage.equals("none")) {
      return "no clone";
    }
    double eta = etaSeconds();
    return String.format("%s from %s: %d of %d bytes (%.0f%%), %.1f MB/s, %s left", stage, donor, done, total,
        total == 0 ? 100.0 : 100.0 * done / total, rateMbps(), eta < 0 ? "?" : String.format("%.0f s", eta));
  }
}
