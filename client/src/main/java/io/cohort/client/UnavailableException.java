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

  /**
   * True when the request never reached the member: the client could not even connect to it
   * (connection refused, no route), so the member cannot have acted on it, and sending it to
   * another member cannot apply it twice. False when the member may have received it (the
   * connection broke later, or the member answered UNAVAILABLE itself).
   */
  public boolean neverSent() {
    for (Throwable t = getCause(); t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
