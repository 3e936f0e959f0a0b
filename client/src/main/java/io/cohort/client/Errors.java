package io.cohort.client;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Turns gRPC failures into the typed exceptions of the public API. */
final class Errors {
  /** Trailer a secondary sets on a refused write: the member id of the primary. */
  static final Metadata.Key<String> PRIMARY =
      Metadata.Key.of("cohort-primary", Metadata.ASCII_STRING_MARSHALLER);
  /** Trailer a secondary sets on a refused write: the primary's client address. */
  static final Metadata.Key<String> PRIMARY_ADDRESS =
      Metadata.Key.of("cohort-primary-address", Metadata.ASCII_STRING_MARSHALLER);

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
      case FAILED_PRECONDITION:
        return notPrimary(e, msg, member, operation);
      default:
        return new CohortException(ErrorCode.fromGrpc(status.getCode()), msg, member, operation, e);
    }
  }

  /** A FAILED_PRECONDITION naming the primary is a redirect; any other stays generic. */
  private static CohortException notPrimary(StatusRuntimeException e, String msg, String member,
      String operation) {
    Metadata trailers = e.getTrailers();
    String id = trailers == null ? null : trailers.get(PRIMARY);
    String address = trailers == null ? null : trailers.get(PRIMARY_ADDRESS);
    if (id == null && address == null) {
      return new CohortException(ErrorCode.FAILED_PRECONDITION, msg, member, operation, e);
    }
    return new NotPrimaryException(msg, member, operation, e, id, address);
  }
}
