package io.cohort.server.consensus;

/**
 * The seam where persistence plugs in (RocksDB in production, memory in the simulator). The
 * driver loads the state once when it builds the core and saves every {@link Ready#persist()}
 * (synced) before it sends that Ready's {@link Ready#afterPersist()} messages.
 */
public interface AcceptorStore {

  DurableState load();

  void save(DurableUpdate update);
}
