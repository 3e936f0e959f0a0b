package io.cohort.server.api;

import io.cohort.server.model.ClientRequests;
import io.cohort.server.storage.Batch;

/**
 * Forgets client request ids of the five-minute periods before the last one, in one range
 * deletion of the oldest entries on this member (see {@link ClientRequests} for why that needs no
 * transaction), once after start and then each time a period ends (looked at every {@value
 * #EVERY_MS} ms). A member keeps them five to ten minutes, so what it keeps is bounded by the
 * commit rate times ten minutes. Deleting only when there is something new to forget matters:
 * every range deletion leaves a tombstone that each read of the rows passes until compaction.
 */
final class RequestIdRetention {
  static final long EVERY_MS = 10_000;

  private final MemberContext m;
  private long lastRun;
  /** The period whose start was the bound of the last deletion, or -1 before the first. */
  private long deletedBelow = -1;

  RequestIdRetention(MemberContext m) {
    this.m = m;
  }

  /** Called every second by the member's housekeeping; acts every {@value #EVERY_MS} ms. */
  void run() {
    long now = m.wallClock().getAsLong();
    if (now - lastRun < EVERY_MS) {
      return;
    }
    lastRun = now;
    long bucket = ClientRequests.bucket(now);
    if (bucket == deletedBelow) {
      return;
    }
    deletedBelow = bucket;
    try (Batch b = m.storage().newBatch()) {
      b.deleteRowRange(ClientRequests.spaceStart(), ClientRequests.keptFrom(now));
      m.storage().write(b, false);
    }
  }
}
