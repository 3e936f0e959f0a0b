package io.cohort.server.api;

import io.cohort.proto.GroupServiceGrpc;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.JoinResponse;
import io.cohort.server.group.GroupReplication;
import io.grpc.stub.StreamObserver;

/** The member-to-member {@code GroupService}: a thin adapter onto the group. */
public final class GroupServiceHandler extends GroupServiceGrpc.GroupServiceImplBase {
  private final GroupReplication group;

  public GroupServiceHandler(GroupReplication group) {
    this.group = group;
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
    if (!request.hasMember() || request.getMember().getMemberId().isEmpty()) {
      out.onError(io.grpc.Status.INVALID_ARGUMENT.withDescription("a join request names the joining member")
          .asRuntimeException());
      return;
    }
    group.join(request).whenComplete((r, e) -> {
      if (e != null) {
        out.onError(Errors.toStatus(e));
      } else {
        out.onNext(r);
        out.onCompleted();
      }
    });
  }

  @Override
  public void probe(io.cohort.proto.ProbeRequest request, StreamObserver<io.cohort.proto.ProbeResponse> out) {
    try {
      out.onNext(group.probe(request));
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(Errors.toStatus(e));
    }
  }
}
