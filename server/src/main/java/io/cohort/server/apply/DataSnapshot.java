package io.cohort.server.apply;

import io.cohort.server.model.Catalog;
import io.cohort.server.storage.ReadView;

/**
 * A consistent read of the member's data: the storage snapshot, the sequence number of the
 * last transaction it contains, its gtid_executed, and the catalog in force at that point.
 */
public record DataSnapshot(ReadView view, long seqno, String gtidExecuted, Catalog catalog)
    implements AutoCloseable {
  @Override
  public void close() {
    view.close();
  }
}
