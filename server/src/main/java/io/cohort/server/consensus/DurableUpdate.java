package io.cohort.server.consensus;

import java.util.List;

/**
 * State to make durable before the {@link Ready#afterPersist()} messages leave. Apply
 * {@code incarnation} and {@code nextOwnSlot} by overwriting, {@code records} by slot.
 */
public record DurableUpdate(int incarnation, long nextOwnSlot, List<AcceptorRecord> records) {

  public DurableUpdate {
    records = List.copyOf(records);
  }
}
