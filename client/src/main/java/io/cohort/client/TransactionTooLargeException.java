package io.cohort.client;

/**
 * The transaction grew over the member's size limit ({@code --max-transaction-bytes}); split it
 * into smaller transactions.
 */
public class TransactionTooLargeException extends CohortException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param serverMessage the member's description of the failure
   * @param member address of the member that answered, or null
   * @param operation what the client was doing
   * @param cause the underlying exception, or null
   */
  public TransactionTooLargeException(String serverMessage, String member, String operation,
      Throwable cause) {
    super(ErrorCode.RESOURCE_EXHAUSTED, serverMessage, member, operation, cause,
        "(split the transaction into smaller ones)");
  }
}
