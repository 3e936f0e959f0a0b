package io.cohort.server.driver;

import io.cohort.server.consensus.Decision;

/**
 * Receives the group's decisions from a {@link ConsensusDriver}, one slot at a time in slot
 * order, no-op slots included (their {@link Decision#values()} is empty).
 *
 * <p>Called on the driver's event-loop thread: a slow listener delays consensus for the whole
 * member, so hand heavy work to another thread. An exception thrown here stops the driver (it
 * cannot take a delivery back), like any other broken invariant.
 *
 * <p>After a restart the core delivers again from slot 0 (the decided log is not yet kept on
 * disk); a listener that applies values must skip those it already applied, by value id.
 */
@FunctionalInterface
public interface DeliveryListener {

  void delivered(Decision decision);
}
