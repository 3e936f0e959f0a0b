package io.cohort.server.recovery;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.StatusResponse;
import io.cohort.server.config.MemberConfig;
import io.cohort.server.transport.MemberCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers Status on the member's client address while it clones, before its database is open
 * (a clone replaces the database, so the member proper starts only afterwards): state
 * RECOVERING, stage CLONE, the donor, bytes done and left. Every other call is refused as
 * UNAVAILABLE, naming the clone. Closed, and the address freed, before the member serves.
 */
final class CloneStatusServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CloneStatusServer.class);

  private final Server server;

  private CloneStatusServer(Server server) {
    this.server = server;
  }

  /** Serves on the configured client address; null when it cannot (then the log alone shows progress). */
  static CloneStatusServer start(MemberConfig config, MemberCredentials credentials, String groupUuid,
      String version, RecoveryReport report) {
    if (config.listenPort() == 0) {
      return null; // an ephemeral port: the member proper would answer elsewhere
    }
    CohortServiceGrpc.CohortServiceImplBase status = new CohortServiceGrpc.CohortServiceImplBase() {
      @Override
      public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        out.onNext(StatusResponse.newBuilder().setMemberId(config.memberId()).setAddress(config.advertised())
            .setState("RECOVERING").setStateReason("cloning a donor's data: " + report.reason())
            .setVersion(version).setGroupName(groupUuid).setFsync(config.fsync())
            .setRecovery(report.toProto()).build());
        out.onCompleted();
      }
    };
    ServerInterceptor onlyStatus = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        if (!call.getMethodDescriptor().getFullMethodName().equals(CohortServiceGrpc.getStatusMethod()
            .getFullMethodName())) {
          call.close(Status.UNAVAILABLE.withDescription("member " + config.memberId() + " is cloning a donor's"
              + " data and serves once it has caught up: use another member"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    };
    try {
      Server s = NettyServerBuilder.forAddress(new InetSocketAddress(config.listenHost(), config.listenPort()),
              credentials.clientPort())
          .addService(ServerInterceptors.intercept(status, onlyStatus)).build().start();
      return new CloneStatusServer(s);
    } catch (IOException e) {
      LOG.warn("clone: cannot answer status at {} meanwhile: {}", config.address(), e.toString());
      return null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(10, TimeUnit.SECONDS);
  }
}
