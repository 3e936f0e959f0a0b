package io.cohort.server.api;

import io.cohort.proto.CohortServiceGrpc;
import io.grpc.Metadata;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the transaction calls (Begin, Execute, Commit, Rollback) on the network thread that read
 * them, and every other call on a pool of its own ({@code cohort-rpc-<n>}). Those four never
 * wait: they read a RocksDB snapshot, build the transaction and hand it to the group, whose
 * answer comes back on another thread. Handing each of them to an executor thread first cost
 * one more thread switch per request, which on a busy member is a scheduling delay on every
 * commit's path. Calls that may wait (DDL, group actions, a forced bootstrap, the log stream)
 * go to the pool, so they never hold up the requests that share their connection's network
 * thread.
 *
 * <p>The server itself runs on the direct executor ({@link #install}). A server with a call
 * executor but its default executor looks each call's method up on that default executor
 * before asking which executor the call gets, which was still one thread switch per request.
 *
 * <p>A transaction call that must wait for its consistency level (BEFORE, a new primary's
 * backlog) waits asynchronously: {@code CohortService.whenReady} goes on on a consistency thread
 * once the wait ends, and answers on this thread at once when nothing is to be waited for.
 */
public final class NonBlockingCalls implements ServerCallExecutorSupplier, AutoCloseable {

  private static final Set<String> DIRECT = Set.of(
      CohortServiceGrpc.getBeginMethod().getFullMethodName(),
      CohortServiceGrpc.getExecuteMethod().getFullMethodName(),
      CohortServiceGrpc.getCommitMethod().getFullMethodName(),
      CohortServiceGrpc.getRollbackMethod().getFullMethodName());

  private final ExecutorService pool;

  private NonBlockingCalls() {
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "cohort-rpc-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Puts {@code builder} on the direct executor, with calls that may wait handed to the pool of
   * the returned instance; close it once the server has stopped.
   */
  public static NonBlockingCalls install(ServerBuilder<?> builder) {
    NonBlockingCalls calls = new NonBlockingCalls();
    builder.directExecutor().callExecutor(calls);
    return calls;
  }

  /** Whether the method with this full name runs on the network thread. */
  public static boolean direct(String fullMethodName) {
    return DIRECT.contains(fullMethodName);
  }

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
    return direct(call.getMethodDescriptor().getFullMethodName()) ? null : pool;
  }

  /** Stops the pool's idle threads; a call still running there finishes. */
  @Override
  public void close() {
    pool.shutdown();
  }
}
