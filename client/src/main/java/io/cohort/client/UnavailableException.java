package io.cohort.client;

/**
 * No member could be reached, or the member is not serving. For a request inside an explicit
 * transaction the transaction's fate is unknown if the failure hit a commit.
 */
public class UnavailableException extends CohortException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param serverMessage the member's description of the failure
   * @param member address of the member that answered, or null
   * @param operation what the client was doing
   * @param cause the underlying exception, or null
   */
  public UnavailableException(String serverMessage, String member, String operation,
      Throwable cause) {
    super(ErrorCode.UNAVAILABLE, serverMessage, member, operation, cause, null);
  }
}
