package io.cohort.client;

/**
 * A write (the commit of a transaction that changed rows, an autocommit write, or DDL) reached
 * a SECONDARY of a single-primary group. Nothing was committed, so the write is safe to run
 * again on the primary this exception names; {@link CohortClient#transaction} and the
 * autocommit and DDL methods do that by themselves (unless the client is
 * {@link ClientOptions.Routing#PINNED}), so callers see this only from an explicit
 * {@link Transaction} or when the primary kept moving.
 */
public class NotPrimaryException extends CohortException {
  private static final long serialVersionUID = 1L;

  private final String primaryId;
  private final String primaryAddress;

  /**
   * Creates the exception.
   *
   * @param serverMessage the member's description of the failure
   * @param member address of the secondary that refused the write
   * @param operation what the client was doing
   * @param cause the underlying exception, or null
   * @param primaryId member id of the primary, or empty if the member did not say
   * @param primaryAddress {@code host:port} of the primary, or empty if the member did not say
   */
  public NotPrimaryException(String serverMessage, String member, String operation,
      Throwable cause, String primaryId, String primaryAddress) {
    super(ErrorCode.FAILED_PRECONDITION, serverMessage, member, operation, cause,
        advice(serverMessage, primaryId, primaryAddress));
    this.primaryId = primaryId == null ? "" : primaryId;
    this.primaryAddress = primaryAddress == null ? "" : primaryAddress;
  }

  private static String advice(String serverMessage, String id, String address) {
    if (address == null || address.isEmpty()) {
      return "(this member is a secondary; send writes to the primary)";
    }
    if (serverMessage != null && serverMessage.contains(address) && serverMessage.contains("rolled back")) {
      return null; // the member said it all: what became of the transaction, and where the primary is
    }
    return "(this member is a secondary; the primary is " + id + " at " + address
        + ": run the transaction again there, nothing was committed)";
  }

  /**
   * The member id of the primary, as the secondary knew it.
   *
   * @return the id, or empty if the secondary did not name one
   */
  public String primaryId() {
    return primaryId;
  }

  /**
   * The client address of the primary, as the secondary knew it.
   *
   * @return {@code host:port}, or empty if the secondary did not name one
   */
  public String primaryAddress() {
    return primaryAddress;
  }
}
