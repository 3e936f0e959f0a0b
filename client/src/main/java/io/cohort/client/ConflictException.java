package io.cohort.client;

/**
 * Certification conflict: another transaction changed a row (or schema item) this one wrote or
 * depended on. The whole transaction is gone on the member; it is safe to retry it from the
 * start, which {@link CohortClient#transaction} does for you.
 */
public class ConflictException extends CohortException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param serverMessage the member's description of the failure
   * @param member address of the member that answered, or null
   * @param operation what the client was doing
   * @param cause the underlying exception, or null
   */
  public ConflictException(String serverMessage, String member, String operation,
      Throwable cause) {
    super(ErrorCode.ABORTED, serverMessage, member, operation, cause,
        "(safe to retry the whole transaction)");
  }
}
