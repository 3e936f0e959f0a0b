package io.cohort.server.recovery;

import io.cohort.proto.CloneStatus;
import io.cohort.proto.RecoveryStatus;
import java.util.function.LongSupplier;

/**
 * How this member came into its group the last time it started, for status and the CLI: the
 * path (its own kept place, donors' logs, or a clone first), why, the stage it is at (LOCAL →
 * CLONE → INCREMENTAL → CACHED → ONLINE, as MySQL's recovery reports them), the donor, and the
 * clone's progress. Written by the threads that do each step, read by status: every field is
 * published on its own (a status may show a stage one step behind, never a made-up one).
 */
public final class RecoveryReport {

  /** How the member caught up. */
  public enum Path { NONE, LOCAL, LOG, CLONE }

  private final LongSupplier wallClock;
  private final String completeAt;
  private volatile Path path = Path.NONE;
  private volatile String reason = "";
  private volatile String stage = "LOCAL";
  private volatile String donor = "";
  private volatile CloneProgress clone;
  private volatile long startedAt;
  private volatile long finishedAt;

  public RecoveryReport(LongSupplier wallClock, String completeAt) {
    this.wallClock = wallClock;
    this.completeAt = completeAt;
    this.startedAt = wallClock.getAsLong();
  }

  /** The member copies a donor's data first, for {@code why}. */
  public void cloning(String why, CloneProgress progress) {
    path = Path.CLONE;
    reason = why;
    clone = progress;
    stage = "CLONE";
  }

  /** It takes the place it kept up again and catches up from its peers. */
  public void resumedPlace(String why) {
    path = Path.LOCAL;
    reason = why;
    donor = "";
    stage = "LOCAL";
  }

  /** It bootstrapped or resumed the group: nobody to catch up from. */
  public void noRecovery(String why) {
    path = Path.NONE;
    reason = why;
    donor = "";
    online();
  }

  /**
   * It fetches what it lacks from donors' logs. After a clone in this process the path stays
   * CLONE (the log serves what came after the copy); otherwise it is LOG, for {@code why}.
   */
  public void incremental(String why) {
    if (path != Path.CLONE || stage.equals("ONLINE")) {
      path = Path.LOG;
      reason = why;
    }
    startedAtIfDone();
    stage = "INCREMENTAL";
  }

  /** The donor being copied or read from now. */
  public void donor(String address) {
    donor = address;
  }

  /** It certifies what the group ordered while it caught up. */
  public void cached() {
    stage = "CACHED";
  }

  public void online() {
    stage = "ONLINE";
    finishedAt = wallClock.getAsLong();
  }

  private void startedAtIfDone() {
    if (stage.equals("ONLINE")) { // a second recovery in the same process (a rejoin)
      startedAt = wallClock.getAsLong();
      finishedAt = 0;
      clone = null;
    }
  }

  public Path path() {
    return path;
  }

  public String stage() {
    return stage;
  }

  public String reason() {
    return reason;
  }

  public RecoveryStatus toProto() {
    CloneProgress c = clone;
    String st = stage;
    RecoveryStatus.Builder b = RecoveryStatus.newBuilder().setPath(path.name()).setReason(reason).setStage(st)
        .setDonor(st.equals("CLONE") && c != null ? c.donor() : donor).setCompleteAt(completeAt)
        .setStartedAtMs(startedAt).setFinishedAtMs(finishedAt);
    if (c != null) {
      b.setClone(CloneStatus.newBuilder().setBytesDone(c.doneBytes()).setBytesTotal(c.totalBytes())
          .setRateMbPerSecond(c.rateMbps()).setEtaSeconds(c.etaSeconds()).setResumedBytes(c.resumedBytes())
          .setCorruptChunks(c.corruptChunks()));
    }
    return b.build();
  }

  @Override
  public String toString() {
    return path + " (" + reason + "), stage " + stage + (donor.isEmpty() ? "" : ", donor " + donor);
  }
}
