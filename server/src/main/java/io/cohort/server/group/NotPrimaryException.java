package io.cohort.server.group;

/**
 * A write reached a member that is not the primary: a SECONDARY of a single-primary group, or a
 * member cut off from its group's majority. Clients see FAILED_PRECONDITION with the primary's
 * id and address (empty when unknown), and re-send the write there; nothing was written.
 */
public final class NotPrimaryException extends RuntimeException {
  private final String primaryId;
  private final String primaryAddress;

  /** A member that does not know the primary, for the reason {@code message} says. */
  public static NotPrimaryException unknownPrimary(String message) {
    return new NotPrimaryException(message);
  }

  private NotPrimaryException(String message) {
    super(message);
    this.primaryId = "";
    this.primaryAddress = "";
  }

  /** {@code message}, naming the same primary as {@code like}. */
  private NotPrimaryException(String message, NotPrimaryException like) {
    super(message);
    this.primaryId = like.primaryId;
    this.primaryAddress = like.primaryAddress;
  }

  public NotPrimaryException(String self, String primaryId, String primaryAddress) {
    super(primaryId.isEmpty()
        ? "member " + self + " is a SECONDARY and the group has no primary right now (an election is"
            + " under way); retry shortly"
        : "member " + self + " is a SECONDARY in single-primary mode and takes no writes; send"
            + " writes to the PRIMARY " + primaryId + " at " + primaryAddress);
    this.primaryId = primaryId;
    this.primaryAddress = primaryAddress;
  }

  /**
   * The same refusal of a commit, saying what became of the transaction: the member ended it
   * when the commit arrived, and proposed nothing (a primary switch between its statements and
   * its commit, say). Run it again on the primary named.
   */
  public NotPrimaryException rolledBack() {
    return new NotPrimaryException("transaction rolled back, nothing of it was committed: " + getMessage(), this);
  }

  public String primaryId() {
    return primaryId;
  }

  public String primaryAddress() {
    return primaryAddress;
  }
}
