package io.cohort.client;

/**
 * The member did not answer within the call's deadline. If the request was a commit its outcome
 * is unknown: check before retrying a non-idempotent change.
 */
public class DeadlineExceededException extends CohortException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param serverMessage the member's description of the failure
   * @param member address of the member that answered, or null
   * @param operation what the client was doing
   * @param cause the underlying exception, or null
   */
  public DeadlineExceededException(String serverMessage, String member, String operation,
      Throwable cause) {
    super(ErrorCode.DEADLINE_EXCEEDED, serverMessage, member, operation, cause, null);
  }
}
