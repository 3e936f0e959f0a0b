package io.cohort.server.api;

import io.cohort.server.model.DbException;
import io.cohort.server.storage.StorageException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps failures to the gRPC status the client sees, with a message that says what to do. */
final class Errors {
  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

  private Errors() {}

  static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof StatusRuntimeException s) {
      return s;
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
