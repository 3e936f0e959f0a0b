package io.cohort.server.driver;

/**
 * The consensus driver stopped (closed, or failed on a broken invariant or a storage error)
 * before a proposal was delivered. The proposal's outcome is unknown: it may already be
 * accepted by peers and still be decided by the group, so check before proposing it again.
 */
public final class DriverStoppedException extends RuntimeException {

  DriverStoppedException(String message, Throwable cause) {
    super(message, cause);
  }
}
