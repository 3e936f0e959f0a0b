package io.cohort.server.consensus;

import java.util.HashMap;
import java.util.Map;

/** The simulator's disk: what was saved survives a crash, nothing else does. */
public class SimStorage implements AcceptorStore {

  private int incarnation;
  private long nextOwnSlot;
  private long truncatedBelow;
  private final Map<Long, AcceptorRecord> records = new HashMap<>();

  public SimStorage(int self) {
    // every member starts alike; the id only names the disk
  }

  @Override
  public DurableState load() {
    return new DurableState(incarnation, nextOwnSlot, records, truncatedBelow);
  }

  @Override
  public void save(DurableUpdate u) {
    incarnation = u.incarnation();
    nextOwnSlot = u.nextOwnSlot();
    for (AcceptorRecord r : u.records()) {
      records.put(r.slot(), r);
    }
    if (u.truncateBelow() > truncatedBelow) {
      truncatedBelow = u.truncateBelow();
      records.keySet().removeIf(slot -> slot < truncatedBelow);
    }
  }
}
