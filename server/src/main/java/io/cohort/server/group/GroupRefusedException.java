package io.cohort.server.group;

/**
 * The group refuses a request that cannot succeed as sent (another group, errant transactions,
 * an unknown member); the message says what to do. Clients see FAILED_PRECONDITION.
 */
public class GroupRefusedException extends RuntimeException {
  public GroupRefusedException(String message) {
    super(message);
  }
}
