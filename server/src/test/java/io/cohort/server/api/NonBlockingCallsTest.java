package io.cohort.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.BeginRequest;
import io.cohort.proto.BeginResponse;
import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.GroupServiceGrpc;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.StatusResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Only calls that never wait run on a network thread; a waiting one there would stall its connection. */
class NonBlockingCallsTest {

  @Test
  void transactionCallsRunOnTheNetworkThread() {
    for (MethodDescriptor<?, ?> m : List.of(CohortServiceGrpc.getBeginMethod(),
        CohortServiceGrpc.getExecuteMethod(), CohortServiceGrpc.getCommitMethod(),
        CohortServiceGrpc.getRollbackMethod())) {
      assertThat(NonBlockingCalls.direct(m.getFullMethodName())).as(m.getFullMethodName()).isTrue();
    }
  }

  @Test
  void callsThatMayWaitKeepTheExecutor() {
    for (MethodDescriptor<?, ?> m : List.of(CohortServiceGrpc.getCreateTableMethod(),
        CohortServiceGrpc.getForceBootstrapMethod(), CohortServiceGrpc.getReadLogMethod(),
        CohortServiceGrpc.getSetPrimaryMethod(), CohortServiceGrpc.getStatusMethod(),
        GroupServiceGrpc.getJoinMethod())) {
      assertThat(NonBlockingCalls.direct(m.getFullMethodName())).as(m.getFullMethodName()).isFalse();
    }
  }

  /**
   * On a real server: a transaction call's handler runs on the thread that read the request, and
   * one that may wait runs on the pool, so a waiting call never holds a network thread.
   */
  @Test
  void onAServerTheHandlersRunWhereTheyShould() throws Exception {
    AtomicReference<String> beginThread = new AtomicReference<>();
    AtomicReference<String> statusThread = new AtomicReference<>();
    ServerServiceDefinition service = ServerServiceDefinition.builder(CohortServiceGrpc.SERVICE_NAME)
        .addMethod(CohortServiceGrpc.getBeginMethod(), ServerCalls.asyncUnaryCall((BeginRequest req, io.grpc.stub.StreamObserver<BeginResponse> out) -> {
          beginThread.set(Thread.currentThread().getName());
          out.onNext(BeginResponse.getDefaultInstance());
          out.onCompleted();
        }))
        .addMethod(CohortServiceGrpc.getStatusMethod(), ServerCalls.asyncUnaryCall((StatusRequest req, io.grpc.stub.StreamObserver<StatusResponse> out) -> {
          statusThread.set(Thread.currentThread().getName());
          out.onNext(StatusResponse.getDefaultInstance());
          out.onCompleted();
        }))
        .build();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service);
    NonBlockingCalls calls = NonBlockingCalls.install(builder);
    Server server = builder.build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      ClientCalls.blockingUnaryCall(channel, CohortServiceGrpc.getBeginMethod(), CallOptions.DEFAULT,
          BeginRequest.getDefaultInstance());
      ClientCalls.blockingUnaryCall(channel, CohortServiceGrpc.getStatusMethod(), CallOptions.DEFAULT,
          StatusRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      calls.close();
    }
    assertThat(beginThread.get()).as("Begin's handler thread").contains("worker").doesNotContain("cohort-rpc");
    assertThat(statusThread.get()).as("Status's handler thread").startsWith("cohort-rpc-");
  }
}
