package io.cohort.client;

/**
 * The request was malformed: a bad table or column name, a key of the wrong shape, or a value
 * whose type does not match its column.
 */
public class InvalidArgumentException extends CohortException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param serverMessage the member's description of the failure
   * @param member address of the member that answered, or null
   * @param operation what the client was doing
   * @param cause the underlying exception, or null
   */
  public InvalidArgumentException(String serverMessage, String member, String operation,
      Throwable cause) {
    super(ErrorCode.INVALID_ARGUMENT, serverMessage, member, operation, cause, null);
  }
}
