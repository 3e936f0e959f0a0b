package io.cohort.server.api;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.server.group.GroupReplication;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The exit state action OFFLINE_MODE: once the member gave up on the group it refuses every
 * client request except Status, so nobody reads stale data from it.
 */
public final class OfflineModeInterceptor implements ServerInterceptor {
  private final GroupReplication group;

  public OfflineModeInterceptor(GroupReplication group) {
    this.group = group;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!group.acceptsClients()
        && !call.getMethodDescriptor().getFullMethodName().equals(CohortServiceGrpc.getStatusMethod().getFullMethodName())) {
      call.close(Status.UNAVAILABLE.withDescription("member is OFFLINE after leaving the group (exit-state-action"
          + " OFFLINE_MODE): use another member"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
