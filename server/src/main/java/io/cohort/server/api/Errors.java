package io.cohort.server.api;

import io.cohort.server.model.DbException;
import io.cohort.server.storage.StorageException;
import io.cohort.server.driver.ProposalRejectedException;
import io.cohort.server.group.GroupRefusedException;
import io.cohort.server.group.GroupUnavailableException;
import io.cohort.server.group.NotPrimaryException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps failures to the gRPC status the client sees, with a message that says what to do. */
final class Errors {
  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

  /** Trailers of FAILED_PRECONDITION on a SECONDARY: where the client should send writes. */
  static final Metadata.Key<String> PRIMARY = Metadata.Key.of("cohort-primary", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> PRIMARY_ADDRESS =
      Metadata.Key.of("cohort-primary-address", Metadata.ASCII_STRING_MARSHALLER);

  private Errors() {}

  static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof NotPrimaryException e) {
      Metadata trailers = new Metadata();
      trailers.put(PRIMARY, e.primaryId());
      trailers.put(PRIMARY_ADDRESS, e.primaryAddress());
      return Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException(trailers);
    }
    if (t instanceof GroupUnavailableException) {
      return Status.UNAVAILABLE.withDescription(t.getMessage()).asRuntimeException();
    }
    if (t instanceof GroupRefusedException) {
      return Status.FAILED_PRECONDITION.withDescription(t.getMessage()).asRuntimeException();
    }
    if (t instanceof ProposalRejectedException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(t.getMessage()).asRuntimeException();
    }
    if (t instanceof DbException e) {
      return Status.fromCode(Status.Code.valueOf(e.code().name())).withDescription(e.getMessage()).asRuntimeException();
    }
    if (t instanceof StorageException) {
      LOG.error("storage failure while serving a request", t);
      return Status.UNAVAILABLE.withDescription("member storage failed: " + t.getMessage()).asRuntimeException();
    }
    LOG.error("internal error while serving a request", t);
    return Status.INTERNAL.withDescription("internal error: " + t).asRuntimeException();
  }
}
