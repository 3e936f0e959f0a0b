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

  public FaultInjectionHandler(FaultSwitch faults) {
    this.faults = faults;
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
