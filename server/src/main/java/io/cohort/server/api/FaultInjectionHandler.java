package io.cohort.server.api;

import io.cohort.proto.FaultInjectionGrpc;
import io.cohort.proto.SetIsolatedRequest;
import io.cohort.proto.SetIsolatedResponse;
import io.cohort.server.fault.FaultSwitch;
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
}
