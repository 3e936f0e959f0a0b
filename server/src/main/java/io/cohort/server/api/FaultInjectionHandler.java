package io.cohort.server.api;

import io.cohort.proto.FaultInjectionGrpc;
import io.cohort.proto.SetApplierDelayRequest;
import io.cohort.proto.SetApplierDelayResponse;
import io.cohort.proto.SetIsolatedRequest;
import io.cohort.proto.SetIsolatedResponse;
import io.cohort.server.fault.FaultSwitch;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code FaultInjection} service; only registered with --enable-fault-injection. */
public final class FaultInjectionHandler extends FaultInjectionGrpc.FaultInjectionImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(FaultInjectionHandler.class);
  private final FaultSwitch faults;
  private final io.cohort.server.storage.Storage storage;
  private final io.cohort.server.apply.Applier applier;

  public FaultInjectionHandler(FaultSwitch faults, io.cohort.server.storage.Storage storage,
      io.cohort.server.apply.Applier applier) {
    this.faults = faults;
    this.storage = storage;
    this.applier = applier;
  }

  @Override
  public void deleteRowUnlogged(io.cohort.proto.DeleteRowUnloggedRequest req,
      StreamObserver<io.cohort.proto.DeleteRowUnloggedResponse> out) {
    try {
      io.cohort.server.model.Table t = applier.catalog().byName(req.getTable());
      if (t == null) {
        throw new io.cohort.server.model.DbException(io.cohort.server.model.ErrorCode.NOT_FOUND, "table '"
            + io.cohort.server.model.Shown.of(req.getTable()) + "' does not exist");
      }
      byte[] key = t.rowKey(req.getKey(), false);
      boolean there;
      try (io.cohort.server.storage.ReadView view = storage.snapshot()) {
        there = view.getRow(key) != null;
      }
      io.cohort.server.storage.Batch b = storage.newBatch();
      b.deleteRow(key);
      storage.write(b, true);
      LOG.warn("fault injection: a row of table {} deleted by hand, unlogged{}", t.name(), there ? "" : " (it was not there)");
      out.onNext(io.cohort.proto.DeleteRowUnloggedResponse.newBuilder().setDeleted(there).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(Errors.toStatus(e));
    }
  }

  @Override
  public void setIsolated(SetIsolatedRequest req, StreamObserver<SetIsolatedResponse> out) {
    faults.setIsolated(req.getIsolated(), req.getInboundOnly());
    LOG.warn("fault injection: this member is now {} from its group", !req.getIsolated() ? "reconnected"
        : req.getInboundOnly() ? "CUT OFF (one way: it still sends)" : "CUT OFF");
    out.onNext(SetIsolatedResponse.newBuilder().setIsolated(req.getIsolated()).build());
    out.onCompleted();
  }

  @Override
  public void setApplierDelay(SetApplierDelayRequest req, StreamObserver<SetApplierDelayResponse> out) {
    try {
      faults.setApplierDelayMicros(req.getMicrosPerTransaction());
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    LOG.warn("fault injection: the applier now spends {} µs more on each transaction", req.getMicrosPerTransaction());
    out.onNext(SetApplierDelayResponse.newBuilder().setMicrosPerTransaction(req.getMicrosPerTransaction()).build());
    out.onCompleted();
  }
}
