package io.cohort.client;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.CohortServiceGrpc.CohortServiceBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** The channel to one member and the one place where its gRPC failures become exceptions. */
final class MemberConnection {
  private final String address;
  private final ManagedChannel channel;
  private final CohortServiceBlockingStub stub;
  private final Duration deadline;

  MemberConnection(String address, ManagedChannel channel, Duration deadline) {
    this.address = address;
    this.channel = channel;
    this.stub = CohortServiceGrpc.newBlockingStub(channel);
    this.deadline = deadline;
  }

  String address() {
    return address;
  }

  /**
   * Runs one call with the configured deadline, mapping failures to typed exceptions.
   *
   * @param operation the name used in error messages
   * @param call the call to make on a stub that carries the deadline
   */
  <T> T call(String operation, Function<CohortServiceBlockingStub, T> call) {
    try {
      return call.apply(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      throw failure(e, operation);
    }
  }

  /** Maps a failure seen outside {@link #call}, e.g. while iterating a stream. */
  CohortException failure(StatusRuntimeException e, String operation) {
    if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
      // gRPC backs reconnects off up to two minutes; a member that was restarted should be
      // tried again on the next call, not minutes later.
      channel.resetConnectBackoff();
    }
    return Errors.fromGrpc(e, address, operation);
  }

  /** Closes the channel, waiting briefly for calls in flight. */
  void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return address;
  }
}
