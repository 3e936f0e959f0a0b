package io.cohort.server.group;

/**
 * A write reached a SECONDARY of a single-primary group. Clients see FAILED_PRECONDITION with
 * the primary's id and address, and re-send the write there; nothing was written.
 */
public final class NotPrimaryException extends RuntimeException {
  private final String primaryId;
  private final String primaryAddress;

  public NotPrimaryException(String self, String primaryId, String primaryAddress) {
    super(primaryId.isEmpty()
        ? "member " + self + " is a SECONDARY and the group has no primary right now (an election is"
            + " under way); retry shortly"
        : "member " + self + " is a SECONDARY in single-primary mode and takes no writes; send"
            + " writes to the PRIMARY " + primaryId + " at " + primaryAddress);
    this.primaryId = primaryId;
    this.primaryAddress = primaryAddress;
  }

  public String primaryId() {
    return primaryId;
  }

  public String primaryAddress() {
    return primaryAddress;
  }
}
