package io.cohort.server.apply;

import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;

/**
 * What clients read: the data applied so far. A member's {@link Applier} is one; a multi-source
 * replica joins its channels' appliers into one.
 */
public interface AppliedData {
  /** A consistent read of the applied data; close it. */
  DataSnapshot snapshot();

  /** The tables clients see now. */
  Catalog catalog();

  /** gtid_executed: every transaction applied. */
  GtidSet executed();

  /** Sequence number of the last transaction applied (of the member's own group). */
  long lastApplied();
}
