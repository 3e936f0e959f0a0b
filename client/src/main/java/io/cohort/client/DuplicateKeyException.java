package io.cohort.client;

/**
 * An insert hit an existing primary or unique key, or a table or unique key with that name
 * already exists. Nothing was changed by the failed request.
 */
public class DuplicateKeyException extends CohortException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param serverMessage the member's description of the failure
   * @param member address of the member that answered, or null
   * @param operation what the client was doing
   * @param cause the underlying exception, or null
   */
  public DuplicateKeyException(String serverMessage, String member, String operation,
      Throwable cause) {
    super(ErrorCode.ALREADY_EXISTS, serverMessage, member, operation, cause, null);
  }
}
