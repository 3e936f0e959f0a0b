package io.cohort.client;

/**
 * The table, unique key or transaction id is unknown to the member. An unknown transaction id
 * means the transaction has already finished (or the member restarted).
 */
public class NotFoundException extends CohortException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param serverMessage the member's description of the failure
   * @param member address of the member that answered, or null
   * @param operation what the client was doing
   * @param cause the underlying exception, or null
   */
  public NotFoundException(String serverMessage, String member, String operation,
      Throwable cause) {
    super(ErrorCode.NOT_FOUND, serverMessage, member, operation, cause, null);
  }
}
