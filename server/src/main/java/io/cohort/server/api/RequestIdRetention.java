package io.cohort.server.api;

import io.cohort.server.model.ClientRequests;
import io.cohort.server.storage.Batch;

/**
 * Forgets client request ids of the five-minute periods before the last one, every {@value
 * #EVERY_MS} ms, in one range deletion of the oldest entries on this member (see {@link
 * ClientRequests} for why that needs no transaction). A member keeps them five to ten minutes, so
 * what it keeps is bounded by the commit rate times ten minutes.
 */
final class RequestIdRetention {
  static final long EVERY_MS = 10_000;

  private final MemberContext m;
  private long lastRun;

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
    try (Batch b = m.storage().newBatch()) {
      b.deleteRowRange(ClientRequests.spaceStart(), ClientRequests.keptFrom(now));
      m.storage().write(b, false);
    }
  }
}
