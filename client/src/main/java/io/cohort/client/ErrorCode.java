package io.cohort.client;

import io.grpc.Status;

/**
 * Why a Cohort request failed: the gRPC status code the member answered with, as a public enum
 * so that callers need not depend on gRPC types.
 */
public enum ErrorCode {
  /** Not an error; never carried by an exception. */
  OK,
  /** The call was cancelled, usually by the caller (or an interrupt). */
  CANCELLED,
  /** The member failed in a way it did not classify. */
  UNKNOWN,
  /** Bad table, column or key name, or a value that does not match its column's type. */
  INVALID_ARGUMENT,
  /** The per-call deadline passed before the member answered; the outcome may be unknown. */
  DEADLINE_EXCEEDED,
  /** Unknown table, key or transaction id. */
  NOT_FOUND,
  /** Duplicate primary or unique key, or the table already exists. */
  ALREADY_EXISTS,
  /** The caller may not do this. */
  PERMISSION_DENIED,
  /** The transaction is over the member's size limit. */
  RESOURCE_EXHAUSTED,
  /** The member is not in a state to do this (for example not ONLINE). */
  FAILED_PRECONDITION,
  /** Certification conflict: the whole transaction is gone and is safe to retry from the start. */
  ABORTED,
  /** A value out of its valid range. */
  OUT_OF_RANGE,
  /** The member does not implement this request. */
  UNIMPLEMENTED,
  /** A bug or broken invariant inside the member. */
  INTERNAL,
  /** The member could not be reached or is not serving. */
  UNAVAILABLE,
  /** Unrecoverable data loss. */
  DATA_LOSS,
  /** Missing or bad credentials. */
  UNAUTHENTICATED;

  /**
   * Maps a gRPC status code to the matching error code.
   *
   * @param code the gRPC code
   * @return the error code with the same name
   */
  public static ErrorCode fromGrpc(Status.Code code) {
    return ErrorCode.valueOf(code.name());
  }
}
