package io.cohort.server.group;

/**
 * The member cannot serve the request as a group member right now (not ONLINE, no majority,
 * left the group); for a commit the message says whether the outcome is unknown. Clients see
 * UNAVAILABLE and may retry, on this member or another.
 */
public final class GroupUnavailableException extends RuntimeException {
  public GroupUnavailableException(String message) {
    super(message);
  }
}
