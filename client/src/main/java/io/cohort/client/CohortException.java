package io.cohort.client;

import java.util.Objects;

/**
 * A request to Cohort failed. Unchecked, because most callers cannot do anything better than
 * let it propagate; those that can catch the subclass for the case they handle (for example
 * {@link ConflictException} to retry).
 */
public class CohortException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final String serverMessage;
  private final String member;

  /**
   * Creates an exception.
   *
   * @param code what kind of failure
   * @param serverMessage the member's own description (may be empty)
   * @param member address of the member that answered, or null when no member was involved
   * @param operation what the client was doing, e.g. {@code "Execute"}
   * @param cause the underlying exception, or null
   */
  public CohortException(ErrorCode code, String serverMessage, String member, String operation,
      Throwable cause) {
    this(code, serverMessage, member, operation, cause, null);
  }

  /**
   * Creates an exception whose message ends with advice for the user.
   *
   * @param code what kind of failure
   * @param serverMessage the member's own description (may be empty)
   * @param member address of the member that answered, or null
   * @param operation what the client was doing
   * @param cause the underlying exception, or null
   * @param advice what the user can do about it, or null
   */
  protected CohortException(ErrorCode code, String serverMessage, String member, String operation,
      Throwable cause, String advice) {
    super(describe(code, serverMessage, member, operation)
        + (advice == null ? "" : " " + advice), cause);
    this.code = Objects.requireNonNull(code, "code");
    this.serverMessage = serverMessage == null ? "" : serverMessage;
    this.member = member;
  }

  private static String describe(ErrorCode code, String serverMessage, String member,
      String operation) {
    StringBuilder sb = new StringBuilder();
    sb.append(operation == null ? "request" : operation).append(" failed");
    if (member != null) {
      sb.append(" on member ").append(member);
    }
    sb.append(": ").append(code);
    if (serverMessage != null && !serverMessage.isEmpty()) {
      sb.append(": ").append(serverMessage);
    }
    return sb.toString();
  }

  /**
   * The kind of failure.
   *
   * @return the error code mirroring the gRPC status code
   */
  public ErrorCode code() {
    return code;
  }

  /**
   * The member's own description of the failure.
   *
   * @return the server message, empty when the member gave none
   */
  public String serverMessage() {
    return serverMessage;
  }

  /**
   * The member that reported the failure.
   *
   * @return its address ({@code host:port}), or null when the failure happened client-side
   */
  public String member() {
    return member;
  }
}
