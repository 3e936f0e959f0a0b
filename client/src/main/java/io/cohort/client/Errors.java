package io.cohort.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Turns gRPC failures into the typed exceptions of the public API. */
final class Errors {
  private Errors() {}

  /**
   * Maps a failed call to the exception type for its status code.
   *
   * @param e the gRPC failure
   * @param member the address of the member called
   * @param operation the RPC or client operation, for the message
   */
  static CohortException fromGrpc(StatusRuntimeException e, String member, String operation) {
    Status status = e.getStatus();
    String msg = status.getDescription() == null ? "" : status.getDescription();
    Throwable cause = status.getCause();
    if (cause != null && cause.getMessage() != null && !msg.contains(cause.getMessage())) {
      // Client-side failures carry the useful part ("Connection refused") only in the cause.
      msg = msg.isEmpty() ? cause.getMessage() : msg + " (" + cause.getMessage() + ")";
    }
    switch (status.getCode()) {
      case ABORTED:
        return new ConflictException(msg, member, operation, e);
      case ALREADY_EXISTS:
        return new DuplicateKeyException(msg, member, operation, e);
      case NOT_FOUND:
        return new NotFoundException(msg, member, operation, e);
      case INVALID_ARGUMENT:
        return new InvalidArgumentException(msg, member, operation, e);
      case RESOURCE_EXHAUSTED:
        return new TransactionTooLargeException(msg, member, operation, e);
      case UNAVAILABLE:
        return new UnavailableException(msg, member, operation, e);
      case DEADLINE_EXCEEDED:
        return new DeadlineExceededException(msg, member, operation, e);
      default:
        return new CohortException(ErrorCode.fromGrpc(status.getCode()), msg, member, operation, e);
    }
  }
}
