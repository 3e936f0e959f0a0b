package io.cohort.server.consensus;

import java.util.List;

/**
 * State to make durable before the {@link Ready#afterPersist()} messages leave. Apply
 * {@code incarnation} and {@code nextOwnSlot} by overwriting, {@code records} by slot, and
 * delete every acceptor record below {@code truncateBelow} (slots compacted away; 0 when none).
 */
public record DurableUpdate(
    int incarnation, long nextOwnSlot, List<AcceptorRecord> records, long truncateBelow) {

  public DurableUpdate {
    records = List.copyOf(records);
  }
}
