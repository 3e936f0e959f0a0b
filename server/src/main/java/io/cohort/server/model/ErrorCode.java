package io.cohort.server.model;

/** What kind of failure a request met; the API maps each to the gRPC status of that name. */
public enum ErrorCode {
  INVALID_ARGUMENT,
  NOT_FOUND,
  ALREADY_EXISTS,
  /** Certification conflict (or a schema change under the transaction): safe to retry. */
  ABORTED,
  RESOURCE_EXHAUSTED,
  FAILED_PRECONDITION,
  UNAVAILABLE,
  DEADLINE_EXCEEDED,
  /** No user, an unknown user or a wrong password, where the member requires one. */
  UNAUTHENTICATED,
  /** The user lacks the privilege the request needs, or the request touches a system table. */
  PERMISSION_DENIED,
  INTERNAL
}
