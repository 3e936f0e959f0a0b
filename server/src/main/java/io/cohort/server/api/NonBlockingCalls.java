package io.cohort.server.api;

import com.google.common.util.concurrent.MoreExecutors;
import io.cohort.proto.CohortServiceGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Runs the transaction calls (Begin, Execute, Commit, Rollback) on the network thread that read
 * them, and every other call on gRPC's default executor. Those four never wait: they read a
 * RocksDB snapshot, build the transaction and hand it to the group, whose answer comes back on
 * another thread. Handing each of them to an executor thread first cost one more thread switch
 * per request, which on a busy member is a scheduling delay on every commit's path. Calls that
 * may wait (DDL, group actions, a forced bootstrap, the log stream) keep the executor, so they
 * never hold up the requests that share their connection's network thread.
 *
 * <p>A transaction call that must wait for its consistency level (BEFORE, a new primary's
 * backlog) waits asynchronously: {@code CohortService.whenReady} goes on on a consistency thread
 * once the wait ends, and answers on this thread at once when nothing is to be waited for.
 */
public final class NonBlockingCalls implements ServerCallExecutorSupplier {

  private static final Set<String> DIRECT = Set.of(
      CohortServiceGrpc.getBeginMethod().getFullMethodName(),
      CohortServiceGrpc.getExecuteMethod().getFullMethodName(),
      CohortServiceGrpc.getCommitMethod().getFullMethodName(),
      CohortServiceGrpc.getRollbackMethod().getFullMethodName());

  /** Whether the method with this full name runs on the network thread. */
  public static boolean direct(String fullMethodName) {
    return DIRECT.contains(fullMethodName);
  }

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
    return direct(call.getMethodDescriptor().getFullMethodName()) ? MoreExecutors.directExecutor() : null;
  }
}
